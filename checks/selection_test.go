package checks

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"
)

// TestNthPlainPartitions: nthPlain finds what sorting puts at k and
// partitions around it, on inputs with long runs of ties, sorted and
// reversed inputs, and a few distinct values.
func TestNthPlainPartitions(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	gens := []func(i, n int) float64{
		func(i, n int) float64 { return float64(i) },
		func(i, n int) float64 { return float64(n - i) },
		func(i, n int) float64 { return float64(rng.IntN(n)) },
		func(i, n int) float64 { return float64(rng.IntN(3)) - 1 },
		func(i, n int) float64 { return rng.NormFloat64() * 1e300 },
		func(i, n int) float64 { return math.SmallestNonzeroFloat64 * float64(rng.IntN(5)-2) },
		func(i, n int) float64 { return 7 },
		func(i, n int) float64 { return float64(i % 5) },
	}
	for g, gen := range gens {
		for _, n := range []int{1, 2, 3, 16, 17, 18, 100, 701, 1000} {
			for range 10 {
				xs := make([]float64, n)
				for i := range xs {
					xs[i] = gen(i, n)
				}
				if _, plain := classify(xs); !plain {
					t.Fatalf("generator %d gives values that are not plain", g)
				}
				sorted := append([]float64(nil), xs...)
				sort.Float64s(sorted)
				k := rng.IntN(n)
				if got := nthPlain(xs, k); got != sorted[k] {
					t.Fatalf("generator %d n=%d: nthPlain(%d) = %g, want %g", g, n, k, got, sorted[k])
				}
				for i, x := range xs {
					if (i < k && x > xs[k]) || (i > k && x < xs[k]) {
						t.Fatalf("generator %d n=%d k=%d: xs[%d] = %g is on the wrong side of %g", g, n, k, i, x, xs[k])
					}
				}
			}
		}
	}
}

func TestClassify(t *testing.T) {
	for _, tt := range []struct {
		xs         []float64
		nan, plain bool
	}{
		{nil, false, true},
		{[]float64{1, 0, -2.5, 1e308}, false, true},
		{[]float64{1, math.Copysign(0, -1)}, false, false},
		{[]float64{1, math.Inf(1)}, false, false},
		{[]float64{math.Inf(-1), 1}, false, false},
		{[]float64{1, math.NaN(), 2}, true, false},
		{[]float64{math.Inf(1), math.NaN()}, true, false},
	} {
		if nan, plain := classify(tt.xs); nan != tt.nan || plain != tt.plain {
			t.Errorf("classify(%v) = %v, %v; want %v, %v", tt.xs, nan, plain, tt.nan, tt.plain)
		}
	}
}
