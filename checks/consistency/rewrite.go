package consistency

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Consistency expressions are expr-lang expressions over indicator codes,
// with two additions that the rewriting below turns into plain expr:
//
//   - chains: a <= b <= c means a <= b && b <= c (any of <, <=, >, >=, ==,
//     != and ≈ may be chained);
//   - approximate equality: a ~= b (or a ≈ b, or approx(a, b)) holds when
//     |a − b| is within a tolerance: "± t" after the right side (a ~= 100 *
//     b / c ± 0.1, or approx(a, b, t)), else the rule's tolerance, else half
//     a unit of the last decimal published (83.7 has one decimal: ±0.05).
//
// a ~= b is rewritten to _approxAtMost(a, b, t, k) && _approxAtMost(b, a, t,
// k), two comparisons that each move one way with every figure, so that
// qualified figures can be judged at the corners of what they allow. k says
// where the tolerance t comes from: tolExplicit (± t), tolPublished (t is
// _halfUnit of the side that is a bare indicator code: half a unit of the
// last decimal of its published figure; the rule's tolerance overrides it)
// or tolNone (neither side is a bare code: the rule's tolerance, else half
// a unit of the last decimal of the less precise value).

// The functions the rewriting calls.
const (
	ApproxFunc   = "_approxAtMost"
	HalfUnitFunc = "_halfUnit"
)

// Where the tolerance of a ≈ comes from.
const (
	tolExplicit  = 0
	tolPublished = 1
	tolNone      = 2
)

// Error is a problem with an expression at a byte offset.
type Error struct {
	Offset int // byte offset in the expression as written
	Msg    string
}

// Error returns the message with its offset.
func (e *Error) Error() string { return fmt.Sprintf("at offset %d: %s", e.Offset, e.Msg) }

type tokKind uint8

const (
	tIdent tokKind = iota
	tNumber
	tString
	tOp
	tOpen  // ( or [
	tClose // ) or ]
)

// token is a lexeme of an expression; off is its byte offset in the text
// as written (for a token the rewriting adds, the offset of the lexeme it
// stands for).
type token struct {
	kind tokKind
	text string
	off  int
}

// twoCharOps are the operators of two characters the lexer knows.
var twoCharOps = []string{"<=", ">=", "==", "!=", "~=", "&&", "||", "**", "..", "??", "?."}

// lexExpr splits an expression into tokens.
func lexExpr(src string) ([]token, error) {
	var out []token
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case isIdentStart(c):
			j := i + 1
			for j < len(src) && (isIdentStart(src[j]) || isDigit(src[j])) {
				j++
			}
			out, i = append(out, token{tIdent, src[i:j], i}), j
		case isDigit(c):
			j := scanNumber(src, i)
			out, i = append(out, token{tNumber, src[i:j], i}), j
		case c == '"' || c == '\'':
			j := strings.IndexByte(src[i+1:], c)
			if j < 0 {
				return nil, &Error{i, "unterminated string"}
			}
			out, i = append(out, token{tString, src[i : i+j+2], i}), i+j+2
		default:
			t, n, err := lexOp(src, i)
			if err != nil {
				return nil, err
			}
			out, i = append(out, t), i+n
		}
	}
	return out, nil
}

// lexOp reads an operator or bracket at i and returns its length.
func lexOp(src string, i int) (token, int, error) {
	for _, op := range twoCharOps {
		if strings.HasPrefix(src[i:], op) {
			return token{tOp, op, i}, 2, nil
		}
	}
	r, n := utf8.DecodeRuneInString(src[i:])
	switch {
	case r == '≈':
		return token{tOp, "~=", i}, n, nil
	case r == '±':
		return token{tOp, "±", i}, n, nil
	case r == '≤':
		return token{tOp, "<=", i}, n, nil
	case r == '≥':
		return token{tOp, ">=", i}, n, nil
	case r == '(' || r == '[':
		return token{tOpen, string(r), i}, n, nil
	case r == ')' || r == ']':
		return token{tClose, string(r), i}, n, nil
	case strings.ContainsRune("+-*/%^<>!?:,.{}|&#", r):
		return token{tOp, string(r), i}, n, nil
	}
	return token{}, 0, &Error{i, fmt.Sprintf("unexpected character %q", r)}
}

func isIdentStart(c byte) bool { return c == '_' || c == '$' || (c|0x20 >= 'a' && c|0x20 <= 'z') }
func isDigit(c byte) bool      { return c >= '0' && c <= '9' }

// scanNumber returns the end of the number starting at i: digits, one
// decimal point followed by a digit, an exponent.
func scanNumber(src string, i int) int {
	j := i
	for j < len(src) && (isDigit(src[j]) || src[j] == '_') {
		j++
	}
	if j+1 < len(src) && src[j] == '.' && isDigit(src[j+1]) {
		j++
		for j < len(src) && isDigit(src[j]) {
			j++
		}
	}
	if j < len(src) && (src[j] == 'e' || src[j] == 'E') {
		k := j + 1
		if k < len(src) && (src[k] == '+' || src[k] == '-') {
			k++
		}
		if k < len(src) && isDigit(src[k]) {
			for k < len(src) && isDigit(src[k]) {
				k++
			}
			j = k
		}
	}
	return j
}

// isComparison reports whether t compares (and so may be chained).
func isComparison(t token) bool {
	if t.kind != tOp {
		return false
	}
	switch t.text {
	case "<", "<=", ">", ">=", "==", "!=", "~=":
		return true
	}
	return false
}

// isSeparator reports whether t ends a clause: comparisons never chain
// across it.
func isSeparator(t token) bool {
	switch {
	case t.kind == tOp:
		switch t.text {
		case "&&", "||", ",", "?", ":", "??":
			return true
		}
	case t.kind == tIdent:
		return t.text == "and" || t.text == "or"
	}
	return false
}

// rewriteExpr rewrites chains and ≈ into plain expr; the tokens keep the
// offsets of the text as written.
func rewriteExpr(toks []token) ([]token, error) {
	if err := checkBrackets(toks); err != nil {
		return nil, err
	}
	return rewriteRange(toks), nil
}

// checkBrackets reports the first unbalanced bracket.
func checkBrackets(toks []token) error {
	var stack []token
	for _, t := range toks {
		switch t.kind {
		case tOpen:
			stack = append(stack, t)
		case tClose:
			if len(stack) == 0 || (stack[len(stack)-1].text == "(") != (t.text == ")") {
				return &Error{t.off, fmt.Sprintf("unmatched %q", t.text)}
			}
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) > 0 {
		return &Error{stack[len(stack)-1].off, fmt.Sprintf("unclosed %q", stack[len(stack)-1].text)}
	}
	return nil
}

// rewriteRange rewrites each clause between separators at depth 0.
func rewriteRange(toks []token) []token {
	var out []token
	start, depth := 0, 0
	for i, t := range toks {
		switch {
		case t.kind == tOpen:
			depth++
		case t.kind == tClose:
			depth--
		case depth == 0 && isSeparator(t):
			out = append(out, rewriteClause(toks[start:i])...)
			out = append(out, t)
			start = i + 1
		}
	}
	return append(out, rewriteClause(toks[start:])...)
}

// rewriteClause rewrites the groups inside a clause, then its chain of
// comparisons, if any.
func rewriteClause(cl []token) []token {
	cl = rewriteGroups(cl)
	var cmps []int
	depth := 0
	for i, t := range cl {
		switch {
		case t.kind == tOpen:
			depth++
		case t.kind == tClose:
			depth--
		case depth == 0 && isComparison(t):
			cmps = append(cmps, i)
		}
	}
	if len(cmps) == 0 || (len(cmps) == 1 && cl[cmps[0]].text != "~=") {
		return cl
	}
	operands := make([][]token, 0, len(cmps)+1)
	prev := 0
	for _, c := range cmps {
		operands, prev = append(operands, cl[prev:c]), c+1
	}
	operands = append(operands, cl[prev:])
	var out []token
	for k, c := range cmps {
		if k > 0 {
			out = append(out, token{tOp, "&&", cl[c].off})
		}
		l := operands[k]
		if k > 0 && cl[cmps[k-1]].text == "~=" { // its ± belongs to the ≈ on its left
			l, _ = splitTolerance(l)
		}
		out = append(out, compare(l, cl[c], operands[k+1])...)
	}
	return out
}

// rewriteGroups rewrites the inside of every bracket at depth 0 of cl, and
// a call approx(a, b) or approx(a, b, t) into (a ~= b) or (a ~= b ± t).
func rewriteGroups(cl []token) []token {
	var out []token
	for i := 0; i < len(cl); i++ {
		if cl[i].kind != tOpen {
			out = append(out, cl[i])
			continue
		}
		j := closing(cl, i)
		inner := rewriteRange(cl[i+1 : j])
		if n := len(out); n > 0 && out[n-1].kind == tIdent && out[n-1].text == "approx" && cl[i].text == "(" {
			if args := splitArgs(inner); len(args) == 2 || len(args) == 3 {
				out = append(out[:n-1], approxCall(out[n-1], cl[i], cl[j], args)...)
				i = j
				continue
			}
		}
		out = append(append(append(out, cl[i]), inner...), cl[j])
		i = j
	}
	return out
}

// closing returns the index of the bracket that closes the one at i (or
// the last index, for unbalanced input the caller has refused already).
func closing(toks []token, i int) int {
	depth := 0
	for j := i; j < len(toks); j++ {
		switch toks[j].kind {
		case tOpen:
			depth++
		case tClose:
			depth--
			if depth == 0 {
				return j
			}
		}
	}
	return len(toks) - 1
}

// splitArgs splits a call's arguments at depth-0 commas.
func splitArgs(toks []token) [][]token {
	var args [][]token
	start, depth := 0, 0
	for i, t := range toks {
		switch {
		case t.kind == tOpen:
			depth++
		case t.kind == tClose:
			depth--
		case depth == 0 && t.kind == tOp && t.text == ",":
			args, start = append(args, toks[start:i]), i+1
		}
	}
	return append(args, toks[start:])
}

// approxCall writes approx(a, b[, t]) as a parenthesised ≈. An empty token
// at the name keeps the call's whole text for messages (see spanText).
func approxCall(name, open, close token, args [][]token) []token {
	r := args[1]
	if len(args) == 3 {
		r = append(append(append([]token{}, r...), token{tOp, "±", name.off}), args[2]...)
	}
	out := []token{{tOp, "", name.off}, {tOpen, "(", open.off}}
	out = append(out, compare(args[0], token{tOp, "~=", name.off}, r)...)
	return append(out, token{tClose, ")", close.off})
}

// splitTolerance splits "x ± t" at a depth-0 ±.
func splitTolerance(op []token) (x, tol []token) {
	depth := 0
	for i, t := range op {
		switch {
		case t.kind == tOpen:
			depth++
		case t.kind == tClose:
			depth--
		case depth == 0 && t.kind == tOp && t.text == "±":
			return op[:i], op[i+1:]
		}
	}
	return op, nil
}

// compare writes one comparison of a chain; ≈ becomes two calls, with the
// tolerance written "± t" after its right side, if any.
func compare(l []token, op token, r []token) []token {
	if op.text != "~=" { // a ± here is misplaced: expr will say so
		return append(append(append([]token{}, l...), op), r...)
	}
	r, tol := splitTolerance(r)
	kind := tolExplicit
	if tol == nil {
		tol, kind = publishedTolerance(l, r, op.off)
	}
	call := func(a, b []token) []token {
		out := []token{{tIdent, ApproxFunc, op.off}, {tOpen, "(", op.off}}
		out = append(append(out, a...), token{tOp, ",", op.off})
		out = append(append(out, b...), token{tOp, ",", op.off})
		out = append(out, token{tOpen, "(", op.off})
		out = append(append(out, tol...), token{tClose, ")", op.off}, token{tOp, ",", op.off})
		return append(out, token{tNumber, strconv.Itoa(kind), op.off}, token{tClose, ")", op.off})
	}
	out := call(l, r)
	out = append(out, token{tOp, "&&", op.off})
	return append(out, call(r, l)...)
}

// publishedTolerance returns the default tolerance of l ≈ r: half a unit
// of the last published decimal of the sides that are bare indicator codes
// (the larger, when both are), or none.
func publishedTolerance(l, r []token, off int) ([]token, int) {
	var codes []token
	for _, side := range [][]token{l, r} {
		if len(side) == 1 && len(identifiers(side)) == 1 {
			codes = append(codes, side[0])
		}
	}
	half := func(c token) []token {
		return []token{{tIdent, HalfUnitFunc, off}, {tOpen, "(", off}, {tString, strconv.Quote(c.text), off}, {tClose, ")", off}}
	}
	switch len(codes) {
	case 0:
		return []token{{tNumber, "0", off}}, tolNone
	case 1:
		return half(codes[0]), tolPublished
	}
	out := []token{{tIdent, "max", off}, {tOpen, "(", off}}
	out = append(append(out, half(codes[0])...), token{tOp, ",", off})
	return append(append(out, half(codes[1])...), token{tClose, ")", off}), tolPublished
}

// render writes tokens as expr source and returns, for each byte of it, the
// offset in the text as written.
func render(toks []token) (string, []int) {
	var b strings.Builder
	var offs []int
	for i, t := range toks {
		if i > 0 {
			b.WriteByte(' ')
			offs = append(offs, t.off)
		}
		b.WriteString(t.text)
		for range len(t.text) {
			offs = append(offs, t.off)
		}
	}
	return b.String(), offs
}

// conjuncts splits tokens at their depth-0 && (or "and"), looking inside a
// part wrapped whole in parentheses; it keeps a part whole when an ||,
// "or" or ?: at its depth 0 would make the split change the meaning.
func conjuncts(toks []token) [][]token {
	for len(toks) > 0 && toks[0].kind == tOp && toks[0].text == "" { // approx( marker
		toks = toks[1:]
	}
	for len(toks) > 2 && toks[0].text == "(" && closing(toks, 0) == len(toks)-1 {
		toks = toks[1 : len(toks)-1]
	}
	var parts [][]token
	start, depth := 0, 0
	for i, t := range toks {
		switch {
		case t.kind == tOpen:
			depth++
		case t.kind == tClose:
			depth--
		case depth > 0:
		case t.text == "&&" || (t.kind == tIdent && t.text == "and"):
			parts, start = append(parts, toks[start:i]), i+1
		case isSeparator(t):
			return [][]token{toks}
		}
	}
	if len(parts) == 0 {
		return [][]token{toks}
	}
	var out [][]token
	for _, p := range append(parts, toks[start:]) {
		out = append(out, conjuncts(p)...)
	}
	return out
}

// exprKeywords are identifiers of expr itself, never indicator codes.
var exprKeywords = map[string]bool{"and": true, "or": true, "not": true, "in": true, "true": true, "false": true,
	"nil": true, "matches": true, "contains": true, "startsWith": true, "endsWith": true, "let": true, "if": true, "else": true}

// identifiers returns the tokens that name variables: identifiers that are
// no keyword, no function being called, no member after a dot.
func identifiers(toks []token) []token {
	var out []token
	for i, t := range toks {
		if t.kind != tIdent || exprKeywords[t.text] || t.text == ApproxFunc || t.text == HalfUnitFunc {
			continue
		}
		if i+1 < len(toks) && toks[i+1].kind == tOpen && toks[i+1].text == "(" {
			continue
		}
		if i > 0 && toks[i-1].kind == tOp && (toks[i-1].text == "." || toks[i-1].text == "?.") {
			continue
		}
		out = append(out, t)
	}
	return out
}
