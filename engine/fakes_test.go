package engine

import (
	"fmt"
	"math"
	"slices"
	"sync/atomic"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/checks"
	"github.com/chiso-vn/chiso/rules"
)

// The check kinds below stand in for the real ones: small, obviously
// correct, one per unit, so that the engine's caching can be tested on its
// own.

// above flags every point above Max (BySeries).
type above struct{ Max float64 }

func (above) Validate(*chiso.Catalogue, checks.RuleContext) []checks.FieldError { return nil }
func (above) Prepare() error                                                    { return nil }
func (above) Unit() checks.Unit                                                 { return checks.BySeries }
func (above) TimeDependent() bool                                               { return false }
func (a above) Evaluate(env checks.Env, s checks.Scope) ([]chiso.Finding, error) {
	var out []chiso.Finding
	for _, ind := range s.Indicators {
		for _, ar := range s.Areas {
			ser := env.Data.Series(ind, ar)
			for i := range ser.Len() {
				if ser.Value(i) > a.Max {
					out = append(out, finding(chiso.OutOfRange, ser, i, a.Max))
				}
			}
		}
	}
	return out, nil
}

func finding(d chiso.Diagnosis, ser checks.Series, i int, expected float64) chiso.Finding {
	return chiso.Finding{Diagnosis: d, Status: chiso.Fail, Indicator: ser.Indicator, Area: ser.Area,
		Period: ser.Period(i), Value: ser.Value(i), Expected: expected, Source: ser.Source(i), DataID: ser.ID(i),
		Message: fmt.Sprintf("%s %s %s = %g", ser.Indicator, ser.Area, ser.Period(i), ser.Value(i))}
}

// jump compares the first point of a series with the sum of its
// predecessors' values for the previous like period (BySeries,
// lineage-aware), and every other point with the series' own previous
// like period; a ratio above 2 or below 1/2 is a finding.
type jump struct{}

func (jump) Validate(*chiso.Catalogue, checks.RuleContext) []checks.FieldError { return nil }
func (jump) Prepare() error                                                    { return nil }
func (jump) Unit() checks.Unit                                                 { return checks.BySeries }
func (jump) TimeDependent() bool                                               { return false }
func (jump) Evaluate(env checks.Env, s checks.Scope) ([]chiso.Finding, error) {
	var out []chiso.Finding
	for _, ind := range s.Indicators {
		for _, ar := range s.Areas {
			ser := env.Data.Series(ind, ar)
			for i := range ser.Len() {
				base, ok := previous(env.Data, ser, i)
				if ok && base > 0 && (ser.Value(i)/base > 2 || ser.Value(i)/base < 0.5) {
					out = append(out, finding(chiso.ImplausibleChange, ser, i, base))
				}
			}
		}
	}
	return out, nil
}

func previous(d checks.Data, ser checks.Series, i int) (float64, bool) {
	prev := ser.Period(i).PreviousLike()
	if j := ser.Find(prev); j >= 0 {
		return ser.Value(j), true
	}
	sum, any := 0.0, false
	for _, l := range d.Predecessors(ser.Area) {
		p := d.Series(ser.Indicator, l.From)
		if j := p.Find(prev); j >= 0 {
			sum, any = sum+p.Value(j), true
		}
	}
	return sum, any
}

// ordered flags an area where the first indicator exceeds the second in a
// period (ByArea).
type ordered struct{ A, B string }

func (ordered) Validate(*chiso.Catalogue, checks.RuleContext) []checks.FieldError { return nil }
func (ordered) Prepare() error                                                    { return nil }
func (ordered) Unit() checks.Unit                                                 { return checks.ByArea }
func (ordered) TimeDependent() bool                                               { return false }
func (o ordered) Indicators() []string                                            { return []string{o.A, o.B} }
func (o ordered) Evaluate(env checks.Env, s checks.Scope) ([]chiso.Finding, error) {
	var out []chiso.Finding
	for _, ar := range s.Areas {
		a, b := env.Data.Series(o.A, ar), env.Data.Series(o.B, ar)
		for i := range a.Len() {
			if j := b.Find(a.Period(i)); j >= 0 && a.Value(i) > b.Value(j) {
				out = append(out, finding(chiso.Inconsistent, a, i, b.Value(j)))
			}
		}
	}
	return out, nil
}

// peak flags, per indicator and period, values above three times the
// median of the areas in scope (ByIndicatorPeriod).
type peak struct{}

func (peak) Validate(*chiso.Catalogue, checks.RuleContext) []checks.FieldError { return nil }
func (peak) Prepare() error                                                    { return nil }
func (peak) Unit() checks.Unit                                                 { return checks.ByIndicatorPeriod }
func (peak) TimeDependent() bool                                               { return false }
func (peak) Evaluate(env checks.Env, s checks.Scope) ([]chiso.Finding, error) {
	var out []chiso.Finding
	for _, ind := range s.Indicators {
		byKey := map[int32][]float64{}
		for _, ar := range s.Areas {
			ser := env.Data.Series(ind, ar)
			for i := range ser.Len() {
				if s.Periods == nil || slices.Contains(s.Periods, ser.Period(i)) {
					byKey[ser.Key(i)] = append(byKey[ser.Key(i)], ser.Value(i))
				}
			}
		}
		for _, ar := range s.Areas {
			ser := env.Data.Series(ind, ar)
			for i := range ser.Len() {
				if vs := byKey[ser.Key(i)]; len(vs) >= 3 && ser.Value(i) > 3*median(vs) {
					out = append(out, finding(chiso.Outlier, ser, i, median(vs)))
				}
			}
		}
	}
	return out, nil
}

func median(vs []float64) float64 {
	s := slices.Clone(vs)
	slices.Sort(s)
	return s[len(s)/2]
}

// stale flags a series whose latest period ended more than a year before
// now (BySeries, time-dependent).
type stale struct{}

func (stale) Validate(*chiso.Catalogue, checks.RuleContext) []checks.FieldError { return nil }
func (stale) Prepare() error                                                    { return nil }
func (stale) Unit() checks.Unit                                                 { return checks.BySeries }
func (stale) TimeDependent() bool                                               { return true }
func (stale) Evaluate(env checks.Env, s checks.Scope) ([]chiso.Finding, error) {
	var out []chiso.Finding
	for _, ind := range s.Indicators {
		for _, ar := range s.Areas {
			ser := env.Data.Series(ind, ar)
			if ser.Len() == 0 {
				env.Skips.Add(checks.SkipNoData)
			}
			if n := ser.Len(); n > 0 && ser.Period(n-1).End().AddDate(1, 0, 0).Before(env.Now) {
				f := finding(chiso.Missing, ser, n-1, math.NaN())
				f.Period = chiso.Period{}
				out = append(out, f)
			}
		}
	}
	return out, nil
}

// boom panics.
type boom struct{}

func (boom) Validate(*chiso.Catalogue, checks.RuleContext) []checks.FieldError { return nil }
func (boom) Prepare() error                                                    { return nil }
func (boom) Unit() checks.Unit                                                 { return checks.BySeries }
func (boom) TimeDependent() bool                                               { return false }
func (boom) Evaluate(checks.Env, checks.Scope) ([]chiso.Finding, error)        { panic("boom") }

// testCatalogue has two indicators, a country, old provinces P1–P3 merged
// into N1 on 2025-07-01, and provinces Q1–Q4.
func testCatalogue() *chiso.Catalogue {
	cat := &chiso.Catalogue{
		Indicators: []chiso.Indicator{
			{Code: "a", Unit: "count", Kind: chiso.KindCount, Additive: true, Min: 0, Max: math.NaN()},
			{Code: "b", Unit: "count", Kind: chiso.KindCount, Additive: true, Min: 0, Max: math.NaN()},
		},
		Areas: []chiso.Area{{Code: "VN", Level: chiso.LevelCountry}},
	}
	merged := time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []string{"P1", "P2", "P3", "N1", "Q1", "Q2", "Q3", "Q4"} {
		a := chiso.Area{Code: c, Level: chiso.LevelProvince, Parent: "VN"}
		switch c[0] {
		case 'P':
			a.ValidTo = merged.AddDate(0, 0, -1)
			cat.Lineage = append(cat.Lineage, chiso.Lineage{From: c, To: "N1", Effective: merged, Kind: chiso.Merge})
		case 'N':
			a.ValidFrom = merged
		}
		cat.Areas = append(cat.Areas, a)
	}
	cat.Targets = []chiso.Target{
		{Indicator: "a", Area: chiso.AnyArea, Period: chiso.MustParsePeriod("2025"), Op: chiso.OpGE, Value: 10},
		{Indicator: "a", Area: chiso.AnyArea, Period: chiso.MustParsePeriod("2030"), Op: chiso.OpGE, Value: 20},
		{Indicator: "a", Area: "Q1", Period: chiso.MustParsePeriod("2025"), Op: chiso.OpGE, Value: 12},
	}
	return cat
}

// testGroups returns one group with a rule of each fake kind.
func testGroups(extra ...rules.Rule) []rules.Group {
	rs := []rules.Rule{
		{Alert: "Above", Check: "above", Indicators: []string{"a", "b"}, Areas: rules.AreaSelector{Level: chiso.LevelProvince}, Severity: chiso.Warning, Params: above{Max: 100}},
		{Alert: "Jump", Check: "jump", Indicators: []string{"a", "b"}, Severity: chiso.Warning, Params: jump{}},
		{Alert: "Ordered", Check: "ordered", Severity: chiso.Critical, Params: ordered{A: "a", B: "b"}},
		{Alert: "Peak", Check: "peak", Indicators: []string{"a"}, Areas: rules.AreaSelector{Level: chiso.LevelProvince}, Severity: chiso.Info, Params: peak{}},
		{Alert: "Stale", Check: "stale", Indicators: []string{"b"}, Severity: chiso.Info, Params: stale{}},
	}
	return []rules.Group{{Name: "g", Rules: append(rs, extra...)}}
}

func obs(ind, area, period string, v float64, rev int, id int64) chiso.Observation {
	return chiso.Observation{Indicator: ind, Area: area, Period: chiso.MustParsePeriod(period), Value: v,
		Revision: rev, ID: id, Source: "src-" + area}
}

// fragile finds every figure above 100, and panics while failing is set.
type fragile struct{ failing *atomic.Bool }

func (fragile) Validate(*chiso.Catalogue, checks.RuleContext) []checks.FieldError { return nil }
func (fragile) Prepare() error                                                    { return nil }
func (fragile) Unit() checks.Unit                                                 { return checks.BySeries }
func (fragile) TimeDependent() bool                                               { return false }
func (p fragile) Evaluate(env checks.Env, s checks.Scope) ([]chiso.Finding, error) {
	if p.failing.Load() {
		panic("fragile")
	}
	return above{Max: 100}.Evaluate(env, s)
}
