package checks

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/chiso-vn/chiso"
)

// peersObs gives areas A1…An the values for the period.
func peersObs(ind, period string, values ...float64) []chiso.Observation {
	var out []chiso.Observation
	for i, v := range values {
		out = append(out, ob(ind, "A"+strconv.Itoa(i+1), period, v, ""))
	}
	return out
}

func areasN(n int) []string {
	var out []string
	for i := 1; i <= n; i++ {
		out = append(out, "A"+strconv.Itoa(i))
	}
	return out
}

func TestOutlierMAD(t *testing.T) {
	tests := []struct {
		name   string
		params OutlierParams
		values []float64
		want   []string // areas flagged
	}{
		{"one far level", OutlierParams{Method: OutlierMAD}, []float64{50, 52, 48, 51, 49, 95}, []string{"A6"}},
		{"no outlier", OutlierParams{Method: OutlierMAD}, []float64{50, 52, 48, 51, 49, 55}, nil},
		{"too few areas", OutlierParams{Method: OutlierMAD}, []float64{50, 52, 48, 99}, nil},
		{"min_areas lowered", OutlierParams{Method: OutlierMAD, MinAreas: intPtr(4)}, []float64{50, 52, 48, 99}, []string{"A4"}},
		{"MAD 0 falls back to the mean deviation", OutlierParams{Method: OutlierMAD}, []float64{50, 50, 50, 50, 50, 90}, []string{"A6"}},
		{"all equal", OutlierParams{Method: OutlierMAD}, []float64{50, 50, 50, 50, 50}, nil},
		{"wider limit", OutlierParams{Method: OutlierMAD, MaxZ: ptr(50)}, []float64{50, 52, 48, 51, 49, 95}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := synthEnv(peersObs("rate", "2024", tt.values...)...)
			got := evaluate(&tt.params, env, Scope{Indicators: []string{"rate"}, Areas: areasN(len(tt.values))})
			if len(got) != len(tt.want) {
				t.Fatalf("got %+v, want %v", got, tt.want)
			}
			for i, f := range got {
				if f.Area != tt.want[i] || f.Diagnosis != chiso.Outlier || f.Indicator != "rate" || f.Period.String() != "2024" {
					t.Errorf("got %s %s %s %s", f.Area, f.Diagnosis, f.Indicator, f.Period)
				}
			}
		})
	}
	if env := synthEnv(peersObs("rate", "2024", 1, 2, 3)...); true {
		evaluate((&OutlierParams{}), env, Scope{Indicators: []string{"rate"}, Areas: areasN(3)})
		if env.Skips.Count(SkipTooFewAreas) == 0 {
			t.Error("too few areas not counted")
		}
	}
}

func TestOutlierHB(t *testing.T) {
	prev := peersObs("stations", "2023", 1000, 2000, 500, 800, 1500, 1200, 900)
	cur := peersObs("stations", "2024", 1050, 2080, 530, 830, 1560, 3600, 940)
	env := synthEnv(append(prev, cur...)...)
	got := evaluate((&OutlierParams{Method: OutlierHB}), env, Scope{Indicators: []string{"stations"}, Areas: areasN(7)})
	if len(got) != 1 || got[0].Area != "A6" || got[0].Period.String() != "2024" {
		t.Fatalf("got %+v, want A6 in 2024", got)
	}
	if !strings.Contains(got[0].Text(), "×3") || got[0].Expected != math.Round(1200*median([]float64{1.05, 1.04, 1.06, 1.0375, 1.04, 3, 940.0 / 900})) {
		t.Errorf("message %q expected %g", got[0].Text(), got[0].Expected)
	}
	// Scope.Periods limits the cross-sections: 2023 has no ratios.
	got = evaluate((&OutlierParams{Method: OutlierHB}), env, Scope{Indicators: []string{"stations"}, Areas: areasN(7), Periods: []chiso.Period{chiso.MustParsePeriod("2023")}})
	if len(got) != 0 {
		t.Errorf("2023: got %+v", got)
	}
}

// TestOutlierBothOneFinding: an area flagged by both methods gets one
// finding, so that alerts keep one identity per period.
func TestOutlierBothOneFinding(t *testing.T) {
	prev := peersObs("stations", "2023", 100, 100, 100, 100, 100, 100)
	cur := peersObs("stations", "2024", 101, 102, 103, 101, 102, 900)
	env := synthEnv(append(prev, cur...)...)
	got := evaluate((&OutlierParams{}), env, Scope{Indicators: []string{"stations"}, Areas: areasN(6), Periods: []chiso.Period{chiso.MustParsePeriod("2024")}})
	if len(got) != 1 || got[0].Area != "A6" || !strings.Contains(got[0].Text(), "robust z-score") || !strings.Contains(got[0].Text(), "×9") {
		t.Fatalf("got %+v", got)
	}
}

func TestQuantile(t *testing.T) {
	xs := []float64{4, 1, 3, 2}
	for _, tt := range []struct{ q, want float64 }{{0, 1}, {0.25, 1.75}, {0.5, 2.5}, {0.75, 3.25}, {1, 4}} {
		if got := quantile(xs, tt.q); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("quantile(%g) = %g, want %g", tt.q, got, tt.want)
		}
	}
	if xs[0] != 4 {
		t.Error("quantile sorted its input")
	}
}

func TestOutlierValidate(t *testing.T) {
	p := OutlierParams{Method: "iqr", C: ptr(0), U: ptr(2), MinAreas: intPtr(2)}
	if errs := p.Validate(&chiso.Catalogue{}, oneIndicator); len(errs) != 4 {
		t.Errorf("got %+v, want 4 errors", errs)
	}
}

func intPtr(v int) *int { return &v }

// TestQuantileSelect: selection gives bit for bit what sorting gives, on
// random inputs with many ties, signed zeros, infinities and NaNs.
func TestQuantileSelect(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pool := []float64{0, math.Copysign(0, -1), 1, -1, 2.5, math.Inf(1), math.Inf(-1), math.NaN()}
	for n := 1; n < 400; n += 1 + n/8 {
		for trial := range 20 {
			xs := make([]float64, n)
			for i := range xs {
				switch {
				case trial%4 == 0: // few distinct values: long runs of ties
					xs[i] = float64(rng.IntN(3))
				case trial%4 == 1 && rng.IntN(10) == 0:
					xs[i] = pool[rng.IntN(len(pool))]
				default:
					xs[i] = rng.NormFloat64() * 100
				}
			}
			for _, q := range []float64{0, 0.25, 0.5, 0.75, 1} {
				want := quantile(xs, q)
				got := quantileSelect(append([]float64(nil), xs...), q)
				if math.Float64bits(got) != math.Float64bits(want) && !(math.IsNaN(got) && math.IsNaN(want)) {
					t.Fatalf("n=%d q=%g: quantileSelect = %v, quantile = %v (input %v)", n, q, got, want, xs)
				}
			}
		}
	}
}

// TestNthPartitions: after nth, nothing before k is greater than xs[k] and
// nothing after it smaller, also on already sorted and reversed input.
func TestNthPartitions(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, gen := range []func(i, n int) float64{
		func(i, n int) float64 { return float64(i) },
		func(i, n int) float64 { return float64(n - i) },
		func(i, n int) float64 { return float64(rng.IntN(n)) },
	} {
		for _, n := range []int{1, 2, 17, 100, 1000} {
			xs := make([]float64, n)
			for i := range xs {
				xs[i] = gen(i, n)
			}
			sorted := append([]float64(nil), xs...)
			sort.Float64s(sorted)
			k := rng.IntN(n)
			if got := nth(xs, k); got != sorted[k] {
				t.Fatalf("n=%d: nth(%d) = %g, want %g", n, k, got, sorted[k])
			}
			for i, x := range xs {
				if (i < k && x > xs[k]) || (i > k && x < xs[k]) {
					t.Fatalf("n=%d k=%d: xs[%d] = %g is on the wrong side of %g", n, k, i, x, xs[k])
				}
			}
		}
	}
}

// TestHBBoundsSelect: the quartiles taken one after the other by
// selection give the bounds the sorted quartiles give.
func TestHBBoundsSelect(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	p := &OutlierParams{}
	for n := 1; n < 300; n += 1 + n/5 {
		xs := make([]float64, n)
		for i := range xs {
			xs[i] = math.Round(rng.NormFloat64()*float64(1+n%7)) / 4 // ties when n%7 is small
		}
		q1, em, q3 := quantile(xs, 0.25), median(xs), quantile(xs, 0.75)
		d1, d3 := math.Max(em-q1, math.Abs(0.05*em)), math.Max(q3-em, math.Abs(0.05*em))
		lo, hi := p.hbBounds(append([]float64(nil), xs...))
		if lo != em-4*d1 || hi != em+4*d3 {
			t.Fatalf("n=%d: hbBounds = [%v, %v], want [%v, %v]", n, lo, hi, em-4*d1, em+4*d3)
		}
	}
}

// median is the reference median: of a sorted copy of xs.
func median(xs []float64) float64 { return quantile(xs, 0.5) }

// quantile is the reference for quantileSelect: the q-quantile of a sorted
// copy of xs, type 7.
func quantile(xs []float64, q float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s) == 0 {
		return math.NaN()
	}
	h := q * float64(len(s)-1)
	i := int(h)
	if i+1 >= len(s) {
		return s[len(s)-1]
	}
	return s[i] + (h-float64(i))*(s[i+1]-s[i])
}

// TestOutlierQualifiedFigures: a flagged figure whose qualifier allows a
// true value within the limit is indeterminate, with the reason said; one
// whose allowed values are all beyond it is an outlier still.
func TestOutlierQualifiedFigures(t *testing.T) {
	scope := Scope{Indicators: []string{"rate"}, Areas: areasN(6)}
	mad := func(last chiso.Observation) chiso.Finding {
		t.Helper()
		obs := append(peersObs("rate", "2024", 50, 52, 48, 51, 49), last)
		got := evaluate((&OutlierParams{Method: OutlierMAD}), synthEnv(obs...), scope)
		if len(got) != 1 || got[0].Area != "A6" {
			t.Fatalf("got %+v, want A6 flagged", got)
		}
		return got[0]
	}
	// Median 50.5, scale 2.22: the limit is 58.3. Nearly 60 may be 54.
	if f := mad(ob("rate", "A6", "2024", 60, "nearly")); f.Status != chiso.Indeterminate || !strings.Contains(f.Text(), "cannot be concluded") {
		t.Errorf("nearly 60: %s %q, want indeterminate with the reason", f.Status, f.Text())
	}
	// Over 60 is above 60: an outlier whatever its true value.
	if f := mad(ob("rate", "A6", "2024", 60, "over")); f.Status != chiso.Fail || strings.Contains(f.Text(), "cannot be concluded") {
		t.Errorf("over 60: %s %q, want fail", f.Status, f.Text())
	}
	if f := mad(ob("rate", "A6", "2024", 60, "")); f.Status != chiso.Fail {
		t.Errorf("exactly 60: %s, want fail", f.Status)
	}

	// Hidiroglou–Berthelot: about 3,600 against 1,200 may be ×0.3 to ×5.7
	// with a slack of 90%, so the typical ×1.04 is possible.
	prev := peersObs("stations", "2023", 1000, 2000, 500, 800, 1500, 1200, 900)
	cur := peersObs("stations", "2024", 1050, 2080, 530, 830, 1560, 3600, 940)
	hb := func(p OutlierParams, q string) chiso.Finding {
		t.Helper()
		cur[5] = ob("stations", "A6", "2024", 3600, q)
		got := evaluate(&p, synthEnv(append(slices.Clone(prev), cur...)...), Scope{Indicators: []string{"stations"}, Areas: areasN(7)})
		if len(got) != 1 || got[0].Area != "A6" {
			t.Fatalf("got %+v, want A6 flagged", got)
		}
		return got[0]
	}
	if f := hb(OutlierParams{Method: OutlierHB, Slack: ptr(0.9)}, "about"); f.Status != chiso.Indeterminate {
		t.Errorf("about 3,600 with slack 0.9: %s, want indeterminate", f.Status)
	}
	if f := hb(OutlierParams{Method: OutlierHB}, "about"); f.Status != chiso.Fail {
		t.Errorf("about 3,600 (×2.7 to ×3.3): %s, want fail", f.Status)
	}
	// Both methods: one certain verdict makes the finding a failure.
	prev6 := peersObs("stations", "2023", 100, 100, 100, 100, 100, 100)
	cur6 := append(peersObs("stations", "2024", 101, 102, 103, 101, 102), ob("stations", "A6", "2024", 900, "nearly"))
	got := evaluate((&OutlierParams{}), synthEnv(append(prev6, cur6...)...), Scope{Indicators: []string{"stations"}, Areas: areasN(6)})
	if len(got) != 1 || got[0].Status != chiso.Fail {
		t.Errorf("nearly 900 against about 100: %+v, want one failure", got)
	}
}

func TestOutlierSlackIsValidated(t *testing.T) {
	cat := smallCatalogue()
	errs := (&OutlierParams{Slack: ptr(1.5)}).Validate(&cat, RuleContext{Indicators: []string{"rate"}})
	if len(errs) != 1 || errs[0].Field != "slack" {
		t.Errorf("slack 1.5: %v", errs)
	}
}
