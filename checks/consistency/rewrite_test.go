package consistency

import (
	"reflect"
	"sort"
	"testing"
)

// FuzzRewriteExpr feeds arbitrary expressions to the lexer and the chain
// and ≈ rewriting: they must never panic; the rewritten text must lex
// again, name the same indicators, keep offsets inside the text as written,
// and leave an expression without chains or ≈ as it was.
func FuzzRewriteExpr(f *testing.F) {
	for _, s := range []string{
		"commune_radio_stations_it <= commune_radio_stations <= communes",
		"commune_radio_rate ~= 100 * commune_radio_stations / communes",
		"a ≈ b ± 0.1", "(a <= b <= c) || f(d < e < g, h)", "a ? b < c < d : e", "a[1] <= b.c <= 'x'",
		"1e3 <= a and b <= c <= d", "((", "a <= )", "±", "a ~= ± b", "",
		"approx(a, b)", "approx(a, b, 0.1) && not approx(c, d)", "approx(a) <= b", "approx(approx(a,b), c)",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		toks, err := lexExpr(src)
		if err != nil {
			return
		}
		rw, err := rewriteExpr(toks)
		if err != nil {
			return
		}
		code, offs := render(rw)
		if len(offs) != len(code) {
			t.Fatalf("%q: %d offsets for %d bytes", src, len(offs), len(code))
		}
		for _, o := range offs {
			if o < 0 || o > len(src) {
				t.Fatalf("%q: offset %d outside the text", src, o)
			}
		}
		again, err := lexExpr(code)
		if err != nil {
			t.Fatalf("%q rewritten to %q, which does not lex: %v", src, code, err)
		}
		if a, b := nameSet(identifiers(toks)), nameSet(identifiers(again)); !reflect.DeepEqual(a, b) {
			t.Fatalf("%q rewritten to %q names %v, not %v", src, code, b, a)
		}
		if !hasChainOrApprox(toks) && !sameTexts(toks, rw) {
			t.Fatalf("%q without chains was rewritten to %q", src, code)
		}
		_, _ = Compile(src) // must not panic
	})
}

func nameSet(toks []token) []string {
	out := uniqueNames(toks)
	sort.Strings(out)
	return out
}

func sameTexts(a, b []token) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].text != b[i].text {
			return false
		}
	}
	return true
}

// hasChainOrApprox reports whether a clause of toks has two comparisons or
// a ≈, at any depth.
func hasChainOrApprox(toks []token) bool {
	count := map[int]int{}
	next := 0
	newID := func() int { next++; return next }
	clause := newID()
	var stack []int
	for i, t := range toks {
		switch {
		case t.kind == tIdent && t.text == "approx" && i+1 < len(toks) && toks[i+1].text == "(":
			return true
		case t.kind == tOpen:
			stack = append(stack, clause)
			clause = newID()
		case t.kind == tClose:
			clause = stack[len(stack)-1]
			stack = stack[:len(stack)-1]
		case isSeparator(t):
			clause = newID()
		case t.kind == tOp && t.text == "~=":
			return true
		case isComparison(t):
			count[clause]++
			if count[clause] > 1 {
				return true
			}
		}
	}
	return false
}

func TestRewriteChains(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a <= b <= c", "a <= b && b <= c"},
		{"a < b", "a < b"},
		{"a + b <= c * 2 < d", "a + b <= c * 2 && c * 2 < d"},
		{"(a <= b <= c) || d > e", "( a <= b && b <= c ) || d > e"},
		{"f(a <= b <= c, d)", "f ( a <= b && b <= c , d )"},
		{"a ~= b", `_approxAtMost ( a , b , ( max ( _halfUnit ( "a" ) , _halfUnit ( "b" ) ) ) , 1 ) && _approxAtMost ( b , a , ( max ( _halfUnit ( "a" ) , _halfUnit ( "b" ) ) ) , 1 )`},
		{"a ~= 100 * b / c", `_approxAtMost ( a , 100 * b / c , ( _halfUnit ( "a" ) ) , 1 ) && _approxAtMost ( 100 * b / c , a , ( _halfUnit ( "a" ) ) , 1 )`},
		{"a + 1 ~= b - 1", "_approxAtMost ( a + 1 , b - 1 , ( 0 ) , 2 ) && _approxAtMost ( b - 1 , a + 1 , ( 0 ) , 2 )"},
		{"a ≈ b ± 0.5", "_approxAtMost ( a , b , ( 0.5 ) , 0 ) && _approxAtMost ( b , a , ( 0.5 ) , 0 )"},
		{"a ≤ b ≥ c", "a <= b && b >= c"},
		{"approx(a, b, 0.5)", " ( _approxAtMost ( a , b , ( 0.5 ) , 0 ) && _approxAtMost ( b , a , ( 0.5 ) , 0 ) )"},
		{"approx(a, b) || c < d", ` ( _approxAtMost ( a , b , ( max ( _halfUnit ( "a" ) , _halfUnit ( "b" ) ) ) , 1 ) && _approxAtMost ( b , a , ( max ( _halfUnit ( "a" ) , _halfUnit ( "b" ) ) ) , 1 ) ) || c < d`},
		{"approx(a)", "approx ( a )"},
		{"a <= b and b <= c <= d", "a <= b and b <= c && c <= d"},
	}
	for _, tt := range tests {
		toks, err := lexExpr(tt.in)
		if err != nil {
			t.Fatalf("%q: %v", tt.in, err)
		}
		rw, err := rewriteExpr(toks)
		if err != nil {
			t.Fatalf("%q: %v", tt.in, err)
		}
		if got, _ := render(rw); got != tt.want {
			t.Errorf("rewrite(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
