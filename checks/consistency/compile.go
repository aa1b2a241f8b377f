package consistency

import (
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/vm"
)

// Expr is an expression after parsing, ready to run: the indicators it
// names and its conjuncts, each compiled alone so that a failing part can
// be named and judged under the qualifiers by itself. It is immutable.
type Expr struct {
	Names []string // the indicator codes it names, in order of first mention
	Parts []Part
	Fast  bool // every part has its fast form
}

// Part is one conjunct of an expression.
type Part struct {
	Prog *vm.Program       // the part for expr's machine
	Fast func(*State) bool // the part as Go functions (see fast.go); nil when only Prog runs it
	Text string            // the part as written, e.g. "commune_radio_stations <= communes"
	Vars []int             // the indicators it reads, as indexes into Expr.Names
}

// Ident is an identifier of an expression that names an indicator.
type Ident struct {
	Name   string
	Offset int // byte offset in the text as written
}

// Identifiers lexes src and returns the identifiers that name indicators,
// in order, repeats included.
func Identifiers(src string) ([]Ident, error) {
	toks, err := lexExpr(src)
	if err != nil {
		return nil, err
	}
	var out []Ident
	for _, t := range identifiers(toks) {
		out = append(out, Ident{Name: t.text, Offset: t.off})
	}
	return out, nil
}

// Names returns the indicator codes src names, each once, in order of
// first mention; nil when it does not lex.
func Names(src string) []string {
	toks, err := lexExpr(src)
	if err != nil {
		return nil
	}
	return uniqueNames(identifiers(toks))
}

func uniqueNames(toks []token) []string {
	var out []string
	for _, t := range toks {
		if !slices.Contains(out, t.text) {
			out = append(out, t.text)
		}
	}
	return out
}

// Compile lexes, rewrites and compiles an expression. Its errors are
// *Error where the problem has a place in src.
func Compile(src string) (*Expr, error) {
	toks, err := lexExpr(src)
	if err != nil {
		return nil, err
	}
	rw, err := rewriteExpr(toks)
	if err != nil {
		return nil, err
	}
	c := &Expr{Names: uniqueNames(identifiers(toks))}
	env := map[string]any{ApproxFunc: func(x, y, t float64, k int) bool { return x-y <= t },
		HalfUnitFunc: func(code string) float64 { return 0 }}
	for _, n := range c.Names {
		env[n] = 0.0
	}
	if _, err := compileTokens(rw, env); err != nil {
		return nil, err
	}
	c.Fast = true
	for _, part := range conjuncts(rw) {
		prog, err := compileTokens(part, env)
		if err != nil {
			return nil, err
		}
		fast := compileFast(prog, c.Names)
		c.Fast = c.Fast && fast != nil
		c.Parts = append(c.Parts, Part{Prog: prog, Fast: fast, Text: spanText(src, part), Vars: partVars(part, spanText(src, part), c.Names)})
	}
	return c, nil
}

// partVars returns the indexes in names of the indicators a part reads,
// in the order the part as written names them (text), so that the finding
// of "radio_rate ~= 100 * radio / communes" is on radio_rate.
func partVars(part []token, text string, names []string) []int {
	var vars []int
	written, err := lexExpr(text)
	if err == nil {
		part = append(identifiers(written), identifiers(part)...)
	}
	for _, t := range identifiers(part) {
		if i := slices.Index(names, t.text); i >= 0 && !slices.Contains(vars, i) {
			vars = append(vars, i)
		}
	}
	return vars
}

// compileTokens compiles rendered tokens as a boolean expression, mapping
// an error's position back to the text as written.
func compileTokens(toks []token, env map[string]any) (*vm.Program, error) {
	code, offs := render(toks)
	prog, err := expr.Compile(code, expr.Env(env), expr.AsBool())
	if err == nil {
		return prog, nil
	}
	var fe *file.Error
	if errors.As(err, &fe) {
		msg := fe.Message
		if strings.Contains(msg, "U+00B1") {
			msg = "± (a tolerance) may only follow the right side of ~= or ≈"
		}
		return nil, &Error{Offset: origOffset(code, offs, fe.From), Msg: msg}
	}
	if strings.Contains(err.Error(), "expected bool") {
		return nil, &Error{Offset: -1, Msg: "must be a condition (true or false), e.g. a <= b; this one computes " + strings.TrimPrefix(err.Error(), "expected bool, but got ")}
	}
	return nil, &Error{Offset: -1, Msg: err.Error()}
}

// origOffset maps a rune offset in rendered code to a byte offset in the
// text as written.
func origOffset(code string, offs []int, runeOff int) int {
	b := 0
	for n := 0; n < runeOff && b < len(code); n++ {
		_, size := utf8.DecodeRuneInString(code[b:])
		b += size
	}
	switch {
	case len(offs) == 0:
		return 0
	case b >= len(offs):
		return offs[len(offs)-1]
	}
	return offs[b]
}

// spanText returns the text as written that the tokens came from: from the
// first to the last token found there (a call approx(…) rewritten starts at
// its name), with the closing brackets that balance it.
func spanText(src string, toks []token) string {
	lo, hi := len(src), 0
	for _, t := range toks {
		switch {
		case t.text == ApproxFunc && t.off < len(src):
			lo = min(lo, t.off)
		case t.off+len(t.text) <= len(src) && src[t.off:t.off+len(t.text)] == t.text:
			lo, hi = min(lo, t.off), max(hi, t.off+len(t.text))
		}
	}
	if lo >= hi {
		return src
	}
	for open := strings.Count(src[lo:hi], "(") - strings.Count(src[lo:hi], ")"); open > 0; open-- {
		next := strings.IndexByte(src[hi:], ')')
		if next < 0 {
			break
		}
		hi += next + 1
	}
	return src[lo:hi]
}

// ApproxAtMost is ~= rewritten, one way: x − y ≤ t, t coming from where k
// says (see tolExplicit), or the rule's tolerance when set and k is not
// tolExplicit, plus float slack.
func ApproxAtMost(tolerance *float64, x, y, t float64, k int) bool {
	switch {
	case k == tolExplicit:
	case tolerance != nil:
		t = *tolerance
	case k == tolNone:
		t = 0.5 * math.Pow(10, -float64(min(Decimals(x), Decimals(y))))
	}
	return x-y <= t+1e-9*math.Max(1, math.Max(math.Abs(x), math.Abs(y)))
}

// Decimals returns how many decimals the shortest form of v has, at most 9.
func Decimals(v float64) int {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if i := strings.IndexByte(s, '.'); i >= 0 {
		return min(len(s)-i-1, 9)
	}
	return 0
}
