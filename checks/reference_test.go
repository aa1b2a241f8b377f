package checks

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"testing"

	"github.com/chiso-vn/chiso"
)

// The references below judge every figure by the full logic, one at a
// time: no fast path, no gathering, quantiles of sorted copies. The checks'
// Evaluate must give exactly their findings and skip counts.

// refChange is ChangeParams.Evaluate judging every figure in full.
func refChange(p *ChangeParams, env Env, scope Scope) []chiso.Finding {
	var out []chiso.Finding
	eachSeries(env, scope, func(ind chiso.Indicator, s Series) {
		for i := 0; i < s.Len(); i++ {
			cur := s.point(i)
			b, reason, ok := baseline(env, &ind, &s, i)
			switch {
			case !ok:
				env.skip(reason)
				continue
			case b.value <= 0 || b.value < orDefault(p.MinBase, 0):
				env.skip(SkipBelowMinBase)
				continue
			}
			if _, slip := slipFactor(cur.value/b.value, ind.Kind, orDefault(p.Tolerance, DefaultSlipTolerance)); slip {
				env.skip(SkipUnitSlip)
				continue
			}
			years := b.years(cur.period)
			rate := p.rates(&ind, &cur, &b, years)
			limit, v := p.limit(rate, cur.value >= b.value)
			if math.IsNaN(limit) || v == holds {
				continue
			}
			if !b.lineage && s.slipBeforeChange(i, ind.Kind, orDefault(p.Tolerance, DefaultSlipTolerance)) {
				env.skip(SkipUnitSlip)
				continue
			}
			out = append(out, p.finding(env, ind, s.Area, cur, b, years, limit, v))
		}
	})
	return out
}

// refScale is ScaleParams.Evaluate judging every figure in full.
func refScale(p *ScaleParams, env Env, scope Scope) []chiso.Finding {
	var out []chiso.Finding
	tol := orDefault(p.Tolerance, DefaultSlipTolerance)
	eachSeries(env, scope, func(ind chiso.Indicator, s Series) {
		var reported []int
		for i := 0; i < s.Len(); i++ {
			if f, ok := p.judge(env, &ind, &s, i, tol, &reported); ok {
				out = append(out, f)
			}
		}
	})
	return out
}

// refOutlier is OutlierParams.Evaluate gathering each cross-section by
// looking every area's figure and base up, with quantiles of sorted
// copies.
func refOutlier(p *OutlierParams, env Env, scope Scope) []chiso.Finding {
	var out []chiso.Finding
	for _, code := range scope.Indicators {
		ind, ok := env.Data.Indicator(code)
		if !ok {
			env.skip(SkipUnknown)
			continue
		}
		var series []Series
		for _, a := range scope.Areas {
			series = append(series, env.Data.Series(code, a))
		}
		periods := scope.Periods
		if periods == nil {
			periods = unionPeriods(series)
		}
		for _, per := range periods {
			cs := crossSection{ind: ind, areas: scope.Areas, series: series}
			var has []bool
			prev := per.PreviousLike()
			for a := range series {
				s := &series[a]
				i := s.Find(per)
				if i < 0 {
					continue
				}
				bv, ok := 0.0, false
				if j := s.Find(prev); j >= 0 {
					bv, ok = s.values[j], s.sameMethod(i, j)
				} else if len(env.Data.Predecessors(s.Area)) > 0 {
					if b, _, found := baseline(env, &ind, s, i); found && b.period == prev {
						bv, ok = b.value, true
					}
				}
				cs.at = append(cs.at, int32(a))
				cs.cur, cs.base, has = append(cs.cur, s.values[i]), append(cs.base, bv), append(has, ok)
			}
			out = append(out, refCrossSection(p, env, per, &cs, has)...)
		}
	}
	return out
}

func refCrossSection(p *OutlierParams, env Env, per chiso.Period, cs *crossSection, has []bool) []chiso.Finding {
	var hb, mad []chiso.Finding
	if p.Method != OutlierMAD {
		hb = refHB(p, env, per, cs, has)
	}
	if p.Method != OutlierHB {
		mad = refMAD(p, env, per, cs)
	}
	var out []chiso.Finding
	at := map[string]int{}
	for _, f := range hb {
		at[f.Area] = len(out)
		out = append(out, f)
	}
	for _, f := range mad {
		if i, ok := at[f.Area]; ok {
			out[i].Message += " " + f.Text()
			if f.Status == chiso.Fail {
				out[i].Status = chiso.Fail
			}
			continue
		}
		at[f.Area] = len(out)
		out = append(out, f)
	}
	return out
}

func refMAD(p *OutlierParams, env Env, per chiso.Period, cs *crossSection) []chiso.Finding {
	if len(cs.cur) < p.minAreas() {
		env.skip(SkipTooFewAreas)
		return nil
	}
	med := median(cs.cur)
	dev := make([]float64, len(cs.cur))
	var sum float64
	for i, x := range cs.cur {
		dev[i] = math.Abs(x - med)
		sum += dev[i]
	}
	scale := 1.2533 * sum / float64(len(dev))
	if mad := median(dev); mad > 0 {
		scale = 1.4826 * mad
	}
	if scale == 0 {
		return nil
	}
	var out []chiso.Finding
	ind := cs.ind
	for x, v := range cs.cur {
		z := (v - med) / scale
		if math.Abs(z) > orDefault(p.MaxZ, 3.5) {
			pr := cs.peer(env, x, per, false)
			msg := env.tr("%s của %s %s là %s, khác xa các địa phương khác (trung vị %s, điểm z vững = %s, ngưỡng %s).",
				"%s in %s, %s: %s is far from its peers (median %s, robust z-score %s, limit %s).",
				env.indName(ind.Code), env.areaName(pr.area), env.period(per), env.fig(pr.cur, ind), env.qty(med, ind),
				FormatNumber(z, env.Lang), FormatNumber(orDefault(p.MaxZ, 3.5), env.Lang))
			st := p.madStatus(pr, med, scale)
			out = append(out, outlierFinding(ind, pr, st, msg+qualifiedNote(env, st)+env.sourceNote(pr.cur.source), med, pr.cur.id))
		}
	}
	return out
}

// hbBounds is hbBoundsOf for effects not yet classified.
func (p *OutlierParams) hbBounds(effects []float64) (lo, hi float64) {
	nan, plain := classify(effects)
	return p.hbBoundsOf(effects, nan, plain)
}

// hbFinding builds one Hidiroglou–Berthelot finding with its own texts;
// lo and hi are the effects between which a ratio is not an outlier.
func (p *OutlierParams) hbFinding(env Env, ind chiso.Indicator, per chiso.Period, pr peer, r, rm, lo, hi float64) chiso.Finding {
	return p.hbFindingNamed(env, ind, pr, r, newHBNames(env, ind, per, rm, lo, hi))
}

func refHB(p *OutlierParams, env Env, per chiso.Period, cs *crossSection, has []bool) []chiso.Finding {
	var ratios, effects []float64
	var xs []int
	for x, ok := range has {
		if ok && cs.cur[x] > 0 && cs.base[x] > 0 {
			ratios, xs = append(ratios, cs.cur[x]/cs.base[x]), append(xs, x)
		}
	}
	if len(ratios) < p.minAreas() {
		env.skip(SkipTooFewAreas)
		return nil
	}
	rm := median(ratios)
	u := orDefault(p.U, 0.5)
	for n, x := range xs {
		r := ratios[n]
		s := r/rm - 1
		if r < rm {
			s = 1 - rm/r
		}
		effects = append(effects, s*math.Pow(math.Max(cs.cur[x], cs.base[x]), u))
	}
	q1, em, q3 := quantile(effects, 0.25), median(effects), quantile(effects, 0.75)
	a, c := orDefault(p.A, 0.05), orDefault(p.C, 4)
	d1 := math.Max(em-q1, math.Abs(a*em))
	d3 := math.Max(q3-em, math.Abs(a*em))
	lo, hi := em-c*d1, em+c*d3
	var out []chiso.Finding
	for n, x := range xs {
		if e := effects[n]; e < lo || e > hi {
			out = append(out, p.hbFinding(env, cs.ind, per, cs.peer(env, x, per, true), ratios[n], rm, lo, hi))
		}
	}
	return out
}

// randomCatalogue has indicators of every kind, bounded and not, areas
// R0…R{n-1}, and lineage: M merged from R0 and R1, N made from R2 alone,
// and S split from R3.
func randomCatalogue(n int) chiso.Catalogue {
	nan := math.NaN()
	cat := chiso.Catalogue{Indicators: []chiso.Indicator{
		{Code: "count", NameEN: "Count", Unit: "station", Kind: chiso.KindCount, Additive: true, Min: 0, Max: nan},
		{Code: "money", NameEN: "Money", Unit: "billion_vnd", Kind: chiso.KindMoney, Additive: true, Min: 0, Max: nan},
		{Code: "share", NameEN: "Share", Unit: "percent", Kind: chiso.KindPercent, Min: 0, Max: 100},
		{Code: "free", NameEN: "Free", Unit: "number", Kind: chiso.KindCount, Additive: false, Min: nan, Max: nan},
	}}
	for i := range n {
		cat.Areas = append(cat.Areas, chiso.Area{Code: "R" + strconv.Itoa(i), Name: "Area " + strconv.Itoa(i), Level: chiso.LevelProvince})
	}
	for _, c := range []string{"M", "N", "S"} {
		cat.Areas = append(cat.Areas, chiso.Area{Code: c, Name: "New " + c, Level: chiso.LevelProvince})
	}
	cat.Lineage = []chiso.Lineage{
		{From: "R0", To: "M", Effective: day(2020, 1, 1), Kind: chiso.Merge},
		{From: "R1", To: "M", Effective: day(2020, 1, 1), Kind: chiso.Merge},
		{From: "R2", To: "N", Effective: day(2020, 1, 1), Kind: chiso.Merge},
		{From: "R3", To: "S", Effective: day(2020, 1, 1), Kind: chiso.Split},
	}
	return cat
}

// edgeRatios are ratios to the previous figure at the checks' edges: the
// change bounds of randomChange's rules, the scale factors and their
// tolerances, and ratios just either side.
var edgeRatios = []float64{1, 1.5, 0.7, 3, 0.5, 2, 0.25, 1.25, 0.75, 1000, 800, 1200, 1e6, 1e-3, 1e-6,
	100, 0.01, 80, 120, 0.008, 0.012, 0.0008, 0.0012, 1.2e-3, 8e-4, 0, -1,
	// the same bounds for qualified figures, slack 0.1 and 0.3
	1.5 * 0.9 / 1.1, 0.7 * 1.1 / 0.9, 3 * 0.9 / 1.1, 0.5 * 1.1 / 0.9, 2 * 0.9 / 1.1, 0.75 * 1.3 / 0.7, 1.5 * 0.7 / 1.3}

// randomObservations makes series for every indicator and area: periods
// of mixed kinds with gaps, every qualifier, two methods, and values whose
// ratios to the previous like period often sit exactly on an edge.
func randomObservations(rng *rand.Rand, cat chiso.Catalogue) []chiso.Observation {
	quals := []chiso.Qualifier{chiso.Exact, chiso.Over, chiso.Nearly, chiso.About, chiso.Estimate, chiso.Preliminary, chiso.Derived}
	var out []chiso.Observation
	for _, ind := range cat.Indicators {
		for _, a := range cat.Areas {
			if rng.IntN(8) == 0 {
				continue
			}
			kinds := []chiso.PeriodKind{chiso.Month}
			switch rng.IntN(6) {
			case 0:
				kinds = []chiso.PeriodKind{chiso.Year}
			case 1:
				kinds = []chiso.PeriodKind{chiso.Quarter}
			case 2:
				kinds = []chiso.PeriodKind{chiso.Year, chiso.Half, chiso.Quarter, chiso.Month}
			case 3:
				kinds = []chiso.PeriodKind{chiso.Year, chiso.Half}
			}
			gaps := rng.IntN(3) == 0
			last := map[int]float64{}
			method := ""
			for y := 2016 + rng.IntN(3); y <= 2024; y++ {
				for _, k := range kinds {
					n := 12 / k.Months()
					if k == chiso.Year {
						n = 1
					}
					for i := 1; i <= n; i++ {
						if gaps && rng.IntN(4) == 0 {
							continue
						}
						per := chiso.Period{Kind: k, Year: y, N: i}
						if k == chiso.Year {
							per.N = 0
						}
						slot := int(k)*100 + i
						prev, ok := last[slot]
						v := 10 + 1000*rng.Float64()
						switch {
						case !ok:
						case rng.IntN(3) == 0:
							v = prev * edgeRatios[rng.IntN(len(edgeRatios))]
						default:
							v = prev * (0.9 + 0.3*rng.Float64())
						}
						if ind.Kind == chiso.KindPercent && rng.IntN(2) == 0 {
							v = math.Min(v, 100)
						}
						if rng.IntN(50) == 0 {
							v = -v
						}
						if rng.IntN(400) == 0 { // values no real figure has, for the selections' slow paths
							v = []float64{math.Inf(1), math.Copysign(0, -1), 1e308, -1e308, 5e-324}[rng.IntN(5)]
						}
						last[slot] = v
						if rng.IntN(20) == 0 {
							method = "m" + strconv.Itoa(rng.IntN(2))
						}
						q := chiso.Exact
						if rng.IntN(4) == 0 {
							q = quals[rng.IntN(len(quals))]
						}
						out = append(out, chiso.Observation{Indicator: ind.Code, Area: a.Code, Period: per, Value: v,
							Qualifier: q, Method: method, Source: "src" + strconv.Itoa(rng.IntN(3))})
					}
				}
			}
		}
	}
	return out
}

// sameAsReference evaluates the check and its reference on the same data
// and compares findings and skip counts.
func sameAsReference(t *testing.T, name string, env Env, scope Scope, eval func(Env, Scope) ([]chiso.Finding, error), ref func(Env, Scope) []chiso.Finding) {
	t.Helper()
	envA, envB := env, env
	envA.Skips, envB.Skips = &Skips{}, &Skips{}
	got, err := eval(envA, scope)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	want := ref(envB, scope)
	if len(got) != len(want) || !slices.EqualFunc(got, want, sameFinding) {
		n := min(len(got), len(want))
		for i := range n {
			if !sameFinding(got[i], want[i]) {
				t.Fatalf("%s: finding %d of %d/%d:\n got %+v\nwant %+v", name, i, len(got), len(want), got[i], want[i])
			}
		}
		t.Fatalf("%s: %d findings, want %d", name, len(got), len(want))
	}
	for _, r := range knownReasons {
		if a, b := envA.Skips.Count(r), envB.Skips.Count(r); a != b {
			t.Fatalf("%s: %d skips for %s, want %d", name, a, r, b)
		}
	}
}

// sameFinding reports whether two findings are the same, their numbers to
// the bit (NaN included).
func sameFinding(a, b chiso.Finding) bool {
	if math.Float64bits(a.Value) != math.Float64bits(b.Value) || math.Float64bits(a.Expected) != math.Float64bits(b.Expected) {
		return false
	}
	a.Value, a.Expected, b.Value, b.Expected = 0, 0, 0, 0
	return reflect.DeepEqual(a, b)
}

// TestFastPathsMatchReference: change, scale and outlier, whose Evaluate
// decide most figures from the columns, find exactly what judging every
// figure in full finds, on random data full of edge cases.
func TestFastPathsMatchReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	changes := []*ChangeParams{
		{MaxIncrease: ptr(0.5), MaxDecrease: ptr(0.3)},
		{MaxIncrease: ptr(2), MaxDecrease: ptr(0.5), MinBase: ptr(1)},
		{MaxIncrease: ptr(1)},
		{MaxDecrease: ptr(0.25), Slack: ptr(0.3), Tolerance: ptr(0.05)},
		{MaxDecrease: ptr(1), MaxIncrease: ptr(0)},
		{Mode: ModeAbsolute, MaxIncrease: ptr(200), MaxDecrease: ptr(100)},
		{Mode: ModePoints, MaxIncrease: ptr(10), MaxDecrease: ptr(5), Slack: ptr(0)},
		{MaxIncrease: ptr(0.5), MaxDecrease: ptr(0.3), Tolerance: ptr(3)},
	}
	scales := []*ScaleParams{{}, {Tolerance: ptr(0.1)}, {Tolerance: ptr(0.45)}}
	outliers := []*OutlierParams{{}, {Method: OutlierHB, U: ptr(0)}, {Method: OutlierMAD, MaxZ: ptr(1)},
		{U: ptr(1), C: ptr(1), A: ptr(0.5), MinAreas: intPtr(3)}, {U: ptr(0.3), MinAreas: intPtr(40)}}
	for trial := range 12 {
		cat := randomCatalogue(4 + 3*trial)
		env := Env{Data: newFake(cat, randomObservations(rng, cat)), Now: evalTime, Location: ict, Lang: []string{"en", "vi"}[trial%2]}
		scope := Scope{Indicators: []string{"count", "money", "share", "free", "unknown"}, Areas: allAreas(env.Data)}
		for k, p := range changes {
			sameAsReference(t, fmt.Sprintf("trial %d change %d", trial, k), env, scope, p.Evaluate,
				func(env Env, scope Scope) []chiso.Finding { return refChange(p, env, scope) })
		}
		for k, p := range scales {
			sameAsReference(t, fmt.Sprintf("trial %d scale %d", trial, k), env, scope, p.Evaluate,
				func(env Env, scope Scope) []chiso.Finding { return refScale(p, env, scope) })
		}
		periods := []chiso.Period{chiso.MustParsePeriod("2024"), chiso.MustParsePeriod("2023-03"), chiso.MustParsePeriod("1990"),
			chiso.MustParsePeriod("2024"), chiso.MustParsePeriod("2022-H2")}
		for k, p := range outliers {
			for _, ps := range [][]chiso.Period{nil, periods, {}} {
				sc := scope
				sc.Periods = ps
				sameAsReference(t, fmt.Sprintf("trial %d outlier %d periods %v", trial, k, ps), env, sc, p.Evaluate,
					func(env Env, scope Scope) []chiso.Finding { return refOutlier(p, env, scope) })
			}
		}
	}
}

// TestOutlierSpansManyYears: series that span more years than the table of
// keys covers give what the reference gives.
func TestOutlierSpansManyYears(t *testing.T) {
	var obs []chiso.Observation
	for a := range 8 {
		area := "A" + strconv.Itoa(a+1)
		for _, y := range []int{1900, 1901, 1990, 2023, 2024} {
			obs = append(obs, ob("stations", area, strconv.Itoa(y), float64(100+a*a+y%7), ""))
		}
		obs = append(obs, ob("stations", area, "2024-H1", float64(50+a), ""), ob("stations", area, "2023-H1", float64(40+a*a), ""))
	}
	env := synthEnv(obs...)
	scope := Scope{Indicators: []string{"stations"}, Areas: areasN(9)}
	for _, p := range []*OutlierParams{{}, {MinAreas: intPtr(3), MaxZ: ptr(0.5), C: ptr(0.5)}} {
		sameAsReference(t, "many years", env, scope, p.Evaluate,
			func(env Env, scope Scope) []chiso.Finding { return refOutlier(p, env, scope) })
		sc := scope
		sc.Periods = []chiso.Period{chiso.MustParsePeriod("1901"), chiso.MustParsePeriod("2024"), chiso.MustParsePeriod("2024-H1")}
		sameAsReference(t, "many years, some periods", env, sc, p.Evaluate,
			func(env Env, scope Scope) []chiso.Finding { return refOutlier(p, env, scope) })
		if got := evaluate(p, env, scope); len(got) == 0 && p.MaxZ != nil {
			t.Error("no finding to compare")
		}
	}
}

// TestKeyedLookupsMatchPeriods: latestBefore and the count of like periods
// judgeTrend starts with, read from the keys, agree with the same questions
// asked of the periods, on series of mixed kinds with gaps.
func TestKeyedLookupsMatchPeriods(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	cat := randomCatalogue(6)
	d := newFake(cat, randomObservations(rng, cat))
	var probes []chiso.Period
	for y := 2014; y <= 2026; y++ {
		probes = append(probes, chiso.Period{Kind: chiso.Year, Year: y}, chiso.Period{Kind: chiso.Half, Year: y, N: 2},
			chiso.Period{Kind: chiso.Quarter, Year: y, N: 1 + y%4}, chiso.Period{Kind: chiso.Month, Year: y, N: 1 + y%12})
	}
	for _, s := range d.series {
		for _, p := range probes {
			want := -1
			for i := s.Len() - 1; i >= 0; i-- {
				if q := s.Period(i); q.Kind == p.Kind && q.Before(p) {
					want = i
					break
				}
			}
			if got := s.latestBefore(p); got != want {
				t.Fatalf("%s %s: latestBefore(%s) = %d, want %d", s.Indicator, s.Area, p, got, want)
			}
			like, year, n, m := p.Key()%1000, int32(p.Year), 0, 0
			for i, k := range s.keys {
				if k%1000 == like && k/1000 <= year {
					n++
				}
				if q := s.Period(i); q.Kind == p.Kind && q.N == p.N && q.Compare(p) <= 0 {
					m++
				}
			}
			if n != m {
				t.Fatalf("%s %s: %d like periods up to %s from the keys, %d from the periods", s.Indicator, s.Area, n, p, m)
			}
		}
	}
}

// refRange is RangeParams.Evaluate judging every figure in full.
func refRange(p *RangeParams, env Env, scope Scope) []chiso.Finding {
	var out []chiso.Finding
	eachSeries(env, scope, func(ind chiso.Indicator, s Series) {
		for i := 0; i < s.Len(); i++ {
			if f, ok := p.judge(env, ind, s.point(i), s.Area); ok {
				out = append(out, f)
			}
		}
	})
	return out
}

// TestRangeMatchesReference: range, which passes most figures from the
// columns, finds what judging every figure finds, with qualifiers, bounds
// and bands of every kind, and slacks down to nothing.
func TestRangeMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	ranges := []*RangeParams{{}, {Min: ptr(50), Max: ptr(900)}, {Max: ptr(100), Slack: ptr(0.3)}, {Min: ptr(0), Slack: ptr(0)},
		{Min: ptr(-5), Max: ptr(95), Slack: ptr(1e-17)}, {Min: ptr(10)}}
	for trial := range 6 {
		cat := randomCatalogue(5 + trial)
		obs := randomObservations(rng, cat)
		for i := range obs {
			switch rng.IntN(10) {
			case 0:
				obs[i].Value = []float64{0, 100, 50, 900, 95, -5, 10, 1e300}[rng.IntN(8)]
			case 1:
				obs[i].Value = math.Nextafter(100, 200)
			}
		}
		env := Env{Data: newFake(cat, obs), Now: evalTime, Location: ict, Lang: []string{"en", "vi"}[trial%2]}
		scope := Scope{Indicators: []string{"count", "money", "share", "free", "unknown"}, Areas: allAreas(env.Data)}
		for k, p := range ranges {
			sameAsReference(t, fmt.Sprintf("trial %d range %d", trial, k), env, scope, p.Evaluate,
				func(env Env, scope Scope) []chiso.Finding { return refRange(p, env, scope) })
		}
	}
}
