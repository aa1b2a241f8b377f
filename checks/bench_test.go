package checks

import (
	"math"
	"strconv"
	"testing"

	"github.com/chiso-vn/chiso"
)

// benchEnv builds 63 provinces × 20 years of four indicators (a count, a
// money, two shares) plus monthly counts for 2015–2024: 63 × (4×20 + 120)
// = 12,600 points.
func benchEnv(b *testing.B) (Env, Scope) {
	b.Helper()
	nan := math.NaN()
	cat := chiso.Catalogue{Indicators: []chiso.Indicator{
		{Code: "stations", Unit: "station", Kind: chiso.KindCount, Additive: true, Min: 0, Max: nan},
		{Code: "revenue", Unit: "billion_vnd", Kind: chiso.KindMoney, Additive: true, Min: 0, Max: nan},
		{Code: "rate", Unit: "percent", Kind: chiso.KindPercent, Min: 0, Max: 100},
		{Code: "part", Unit: "percent", Kind: chiso.KindPercent, Min: 0, Max: 100},
		{Code: "monthly", Unit: "station", Kind: chiso.KindCount, Additive: true, Min: 0, Max: nan},
	}}
	var obs []chiso.Observation
	var areas []string
	for a := range 63 {
		code := "P" + strconv.Itoa(a)
		areas = append(areas, code)
		cat.Areas = append(cat.Areas, chiso.Area{Code: code, Name: code, Level: chiso.LevelProvince})
		for y := 2005; y < 2025; y++ {
			g := float64(y-2004) * float64(a%7+1)
			p := strconv.Itoa(y)
			obs = append(obs, ob("stations", code, p, 1000+40*g, ""), ob("revenue", code, p, 500*math.Pow(1.1, g/7), ""),
				ob("rate", code, p, math.Min(100, 30+2*g), ""), ob("part", code, p, math.Min(100, 20+g), ""))
		}
		for m := range 120 {
			obs = append(obs, ob("monthly", code, chiso.Period{Kind: chiso.Month, Year: 2015 + m/12, N: m%12 + 1}.String(), float64(1000+m), ""))
		}
	}
	return Env{Data: newFake(cat, obs), Now: evalTime, Location: ict, Lang: "vi"},
		Scope{Indicators: []string{"stations", "revenue", "rate", "part", "monthly"}, Areas: areas}
}

func benchEval(b *testing.B, p Evaluator) {
	env, scope := benchEnv(b)
	if l, ok := p.(IndicatorLister); ok {
		scope.Indicators = l.Indicators()
	}
	if err := p.Prepare(); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := p.Evaluate(env, scope); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRange(b *testing.B) { benchEval(b, &RangeParams{Min: ptr(0), Max: ptr(1e6)}) }
func BenchmarkChange(b *testing.B) {
	benchEval(b, &ChangeParams{MaxIncrease: ptr(0.5), MaxDecrease: ptr(0.3)})
}
func BenchmarkScale(b *testing.B)     { benchEval(b, &ScaleParams{}) }
func BenchmarkMonotonic(b *testing.B) { benchEval(b, &MonotonicParams{}) }
func BenchmarkTarget(b *testing.B)    { benchEval(b, &TargetParams{OnTrack: true}) }
func BenchmarkFreshness(b *testing.B) { benchEval(b, &FreshnessParams{}) }
func BenchmarkOutlier(b *testing.B)   { benchEval(b, &OutlierParams{}) }
func BenchmarkConsistency(b *testing.B) {
	benchEval(b, &ConsistencyParams{Expr: "part <= rate <= 100 && rate ~= part * 1.5 ± 100"})
}
