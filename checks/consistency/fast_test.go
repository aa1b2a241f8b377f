package consistency

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/expr-lang/expr/vm"
)

// packExprs returns the consistency expressions of the default rule pack.
func packExprs(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("../../pack/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no pack files: %v", err)
	}
	re := regexp.MustCompile(`(?m)^\s*expr:\s*"(.*)"\s*$`)
	var out []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			s, err := strconv.Unquote(`"` + m[1] + `"`)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		t.Fatal("no expr: in the pack")
	}
	return out
}

// fastExprs are expressions whose every part has a fast form.
var fastExprs = []string{
	"a <= b <= c",
	"a ~= 100 * b / c",
	"a ≈ b ± 0.5",
	"a ~= b",
	"a + 1 ~= b - 1",
	"approx(a, b, 0.01)",
	"approx(a, b) || c < a",
	"a <= b && approx(c, 100 * a / b)",
	"1 <= a / b <= 4",
	"-a < b * -2",
	"a ** 2 >= b ^ 0.5",
	"max(a, b, 1.0) > min(c, 2.5)",
	"max(a / b, 1.5) >= min(c / a, 2.5, b / c)",
	"a == b || a != c",
	"not (a > b) and !(b > c)",
	"(a > 0 ? b : c) <= 10",
	"a > 0 ? b <= c : c <= b",
	"a + b - c * 2 / 3 >= 1e3",
	"true && a < b",
	"_approxAtMost(a, b, 2, 2) && _halfUnit(\"zzz\") < a",
	"a - 3 > 2 * 3",
}

// slowExprs keep expr's machine for some part.
var slowExprs = []string{
	"int(a) % 2 == 0",
	"len(\"ab\") < a",
	"a in [1, 2, 3]",
	"abs(a - b) < 1",
	"string(a) == \"1\"",
	"(a > b) == (b > c)",
	"max(a, 1) * 3 > b",
	"(a > 0 ? 1 : 2) * 3 > b",
	"approx(a, 5 % 3)",
}

// TestFastExprPack: every expression of the default pack runs without
// expr's machine.
func TestFastExprPack(t *testing.T) {
	for _, src := range append(packExprs(t), fastExprs...) {
		c, err := Compile(src)
		if err != nil {
			t.Fatalf("%q: %v", src, err)
		}
		if !c.Fast {
			for _, p := range c.Parts {
				if p.Fast == nil {
					t.Errorf("%q: part %q has no fast form:\n%s", src, p.Text, p.Prog.Disassemble())
				}
			}
		}
	}
	for _, src := range slowExprs {
		c, err := Compile(src)
		if err != nil {
			continue // refused anyway
		}
		if c.Fast {
			t.Errorf("%q: compiled fast, want expr's machine", src)
		}
	}
}

// TestFastExprMatchesExpr: each part's fast form gives expr's answer on
// random figures, with and without a rule tolerance.
func TestFastExprMatchesExpr(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	exprs := append(packExprs(t), fastExprs...)
	exprs = append(exprs, slowExprs...)
	tolerances := []*float64{nil, ptr(0), ptr(0.2), ptr(3)}
	for _, src := range exprs {
		c, err := Compile(src)
		if err != nil {
			continue
		}
		n := len(c.Names)
		for trial := range 1000 {
			tol := tolerances[trial%len(tolerances)]
			published := make([]float64, n)
			vals := make([]float64, n)
			for i := range n {
				published[i] = randomFigure(rng)
				vals[i] = published[i]
				if trial%3 == 0 {
					vals[i] = randomFigure(rng)
				}
			}
			st := &State{Vals: vals, Published: published, Half: make([]float64, n), Tolerance: tol}
			for i := range st.Half {
				st.Half[i] = math.NaN()
			}
			fastMatchesExpr(t, c, st, published)
		}
	}
}

// fastMatchesExpr runs each part of c that has a fast form both ways, on
// the figures of st (published as given), and fails where they differ or
// where expr fails.
func fastMatchesExpr(t *testing.T, c *Expr, st *State, published []float64) {
	t.Helper()
	pub := map[string]float64{}
	env := map[string]any{ApproxFunc: func(x, y, t float64, k int) bool { return ApproxAtMost(st.Tolerance, x, y, t, k) }}
	for i, name := range c.Names {
		pub[name] = published[i]
		env[name] = st.Vals[i]
	}
	env[HalfUnitFunc] = func(code string) float64 { return HalfUnit(pub[code]) }
	var machine vm.VM
	for _, part := range c.Parts {
		if part.Fast == nil {
			continue
		}
		r, err := machine.Run(part.Prog, env)
		if err != nil {
			t.Fatalf("%q: expr fails (%v) where the fast form runs", part.Text, err)
		}
		if got, want := part.Fast(st), r.(bool); got != want {
			t.Fatalf("%q with %v (published %v, tolerance %v): fast %v, expr %v", part.Text, st.Vals, published, st.Tolerance, got, want)
		}
	}
}

// randomFigure returns figures of the kinds that matter: integers, one or
// two decimals, zero, negatives, tiny and huge ones, equal neighbours.
func randomFigure(rng *rand.Rand) float64 {
	switch rng.IntN(10) {
	case 0:
		return 0
	case 1:
		return float64(rng.IntN(5))
	case 2:
		return math.Round(rng.Float64()*1000) / 10
	case 3:
		return math.Round(rng.Float64()*10000) / 100
	case 4:
		return -float64(rng.IntN(100))
	case 5:
		return rng.Float64() * 1e-6
	case 6:
		return rng.Float64() * 1e12
	case 7:
		return []float64{1, 3, 4, 12, 100, 0.5, 83.7, 84}[rng.IntN(8)]
	}
	return float64(rng.IntN(3000))
}

// FuzzFastExpr: for any expression that compiles, each part's fast form,
// when it has one, agrees with expr's machine on a few sets of figures.
func FuzzFastExpr(f *testing.F) {
	for _, s := range append(append([]string{}, fastExprs...), slowExprs...) {
		f.Add(s)
	}
	for _, s := range []string{"a / b > c ? a : b", "min(a) < max(b, c / 0)", "-(a - b) ** 2 <= c", "a != a", "approx(a / b, c, 0)"} {
		f.Add(s)
	}
	sets := [][]float64{{0, 0, 0}, {1, 2, 3}, {83.7, 108, 129}, {-1, 0.5, 1e9}, {3, 3, 3}, {0.1, 0.2, 0.30000000000000004}}
	f.Fuzz(func(t *testing.T, src string) {
		c, err := Compile(src)
		if err != nil || len(c.Names) > 3 {
			return
		}
		for _, set := range sets {
			vals := set[:len(c.Names)]
			st := &State{Vals: vals, Published: vals, Half: []float64{math.NaN(), math.NaN(), math.NaN()}}
			fastMatchesExpr(t, c, st, vals)
		}
	})
}

func ptr(v float64) *float64 { return &v }
