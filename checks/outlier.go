package checks

import (
	"math"
	"sort"

	"github.com/chiso-vn/chiso"
)

func init() {
	Register(Kind{Name: "outlier",
		Doc:       "Reports areas far from their peers in the same period: Hidiroglou–Berthelot on period-to-period ratios and robust z-scores (median, MAD) on levels.",
		NewParams: func() Params { return &OutlierParams{} }})
}

// The methods of the outlier check.
const (
	OutlierHB   = "hb"   // Hidiroglou–Berthelot on ratios to the previous like period
	OutlierMAD  = "mad"  // robust z-score of the level: (x − median) / (1.4826·MAD)
	OutlierBoth = "both" // either
)

// OutlierParams configures the outlier check, cross-sectional per
// (indicator, period) over the areas of the scope. Qualifiers are ignored:
// a figure ten times its peers' is an outlier whether or not it is "over".
type OutlierParams struct {
	// Method is hb, mad or both (the default).
	Method string `yaml:"method" json:"method,omitempty" jsonschema:"enum=hb,enum=mad,enum=both"`
	// C is the Hidiroglou–Berthelot width: a ratio is an outlier beyond C
	// quartile distances from the median effect; unset means 4.
	C *float64 `yaml:"c" json:"c,omitempty"`
	// U weighs the size of an area in the Hidiroglou–Berthelot effect
	// (0: ratios alone, 1: fully by size); unset means 0.5.
	U *float64 `yaml:"u" json:"u,omitempty"`
	// A keeps the Hidiroglou–Berthelot distances from vanishing when most
	// ratios are equal, as a fraction of the median effect; unset means 0.05.
	A *float64 `yaml:"a" json:"a,omitempty"`
	// MaxZ is the largest robust z-score of a level that is not an
	// outlier; unset means 3.5 (Iglewicz and Hoaglin).
	MaxZ *float64 `yaml:"max_z" json:"max_z,omitempty"`
	// MinAreas is the fewest areas with figures a verdict needs; unset
	// means 5, and fewer areas mean no finding.
	MinAreas *int `yaml:"min_areas" json:"min_areas,omitempty"`
}

// Validate checks the method and the constants.
func (p *OutlierParams) Validate(cat *chiso.Catalogue, rule RuleContext) []FieldError {
	errs := needIndicators(rule)
	switch p.Method {
	case "", OutlierHB, OutlierMAD, OutlierBoth:
	default:
		errs = append(errs, fieldErr("method", "unknown method %q (want hb, mad or both)", p.Method))
	}
	for _, f := range []struct {
		key string
		v   *float64
	}{{"c", p.C}, {"a", p.A}, {"max_z", p.MaxZ}} {
		if f.v != nil && !(*f.v > 0) {
			errs = append(errs, fieldErr(f.key, "must be above 0; got %g", *f.v))
		}
	}
	if p.U != nil && !(*p.U >= 0 && *p.U <= 1) {
		errs = append(errs, fieldErr("u", "must be in [0, 1]; got %g", *p.U))
	}
	if p.MinAreas != nil && *p.MinAreas < 3 {
		errs = append(errs, fieldErr("min_areas", "must be at least 3; got %d", *p.MinAreas))
	}
	return errs
}

// Unit is ByIndicatorPeriod: a verdict depends on every area's figure.
func (p *OutlierParams) Unit() Unit { return ByIndicatorPeriod }

// TimeDependent is false.
func (p *OutlierParams) TimeDependent() bool { return false }

// peer is one area's figure in a cross-section, with its base for ratios.
type peer struct {
	area string
	cur  point
	base base
	has  bool // base is set: the previous like period, same method
}

// Evaluate judges every (indicator, period) of the scope; Scope.Periods,
// when not nil, limits the periods.
func (p *OutlierParams) Evaluate(env Env, scope Scope) []chiso.Finding {
	var out []chiso.Finding
	for _, code := range scope.Indicators {
		ind, ok := env.Data.Indicator(code)
		if !ok {
			env.skip(SkipUnknown)
			continue
		}
		periods := scope.Periods
		if periods == nil {
			periods = scopePeriods(env, code, scope.Areas)
		}
		for _, per := range periods {
			out = append(out, p.crossSection(env, ind, per, peers(env, ind, scope.Areas, per))...)
		}
	}
	return out
}

// scopePeriods returns every period any area of the scope has a figure for.
func scopePeriods(env Env, code string, areas []string) []chiso.Period {
	series := make([]Series, 0, len(areas))
	for _, a := range areas {
		series = append(series, env.Data.Series(code, a))
	}
	return unionPeriods(series)
}

// peers collects the figures of the areas for the period.
func peers(env Env, ind chiso.Indicator, areas []string, per chiso.Period) []peer {
	var out []peer
	for _, a := range areas {
		s := env.Data.Series(ind.Code, a)
		i := s.Find(per)
		if i < 0 {
			continue
		}
		pr := peer{area: a, cur: s.point(i)}
		if b, _, ok := baseline(env, ind, s, i); ok && b.period == per.PreviousLike() {
			pr.base, pr.has = b, true
		}
		out = append(out, pr)
	}
	return out
}

func (p *OutlierParams) minAreas() int {
	if p.MinAreas == nil {
		return 5
	}
	return *p.MinAreas
}

// crossSection returns the findings of one (indicator, period): at most one
// per area, the Hidiroglou–Berthelot verdict completed by the z-score's.
func (p *OutlierParams) crossSection(env Env, ind chiso.Indicator, per chiso.Period, ps []peer) []chiso.Finding {
	byArea := map[string]*chiso.Finding{}
	var order []string
	add := func(f chiso.Finding, extra string) {
		if g, ok := byArea[f.Area]; ok {
			g.Message += " " + extra
			return
		}
		byArea[f.Area], order = &f, append(order, f.Area)
	}
	if p.Method != OutlierMAD {
		for _, f := range p.hb(env, ind, per, ps) {
			add(f, "")
		}
	}
	if p.Method != OutlierHB {
		for _, f := range p.mad(env, ind, per, ps) {
			add(f, f.Message)
		}
	}
	out := make([]chiso.Finding, 0, len(order))
	for _, a := range order {
		out = append(out, *byArea[a])
	}
	return out
}

// mad flags levels whose robust z-score exceeds MaxZ.
func (p *OutlierParams) mad(env Env, ind chiso.Indicator, per chiso.Period, ps []peer) []chiso.Finding {
	if len(ps) < p.minAreas() {
		env.skip(SkipTooFewAreas)
		return nil
	}
	xs := make([]float64, len(ps))
	for i, pr := range ps {
		xs[i] = pr.cur.value
	}
	med, scale := robustScale(xs)
	if scale == 0 {
		return nil
	}
	var out []chiso.Finding
	for _, pr := range ps {
		z := (pr.cur.value - med) / scale
		if math.Abs(z) > orDefault(p.MaxZ, 3.5) {
			msg := env.tr("%s của %s %s là %s, khác xa các địa phương khác (trung vị %s, điểm z vững = %s, ngưỡng %s).",
				"%s in %s, %s: %s is far from its peers (median %s, robust z-score %s, limit %s).",
				env.indName(ind.Code), env.areaName(pr.area), env.period(per), env.fig(pr.cur, ind), env.qty(med, ind),
				FormatNumber(z, env.Lang), FormatNumber(orDefault(p.MaxZ, 3.5), env.Lang))
			out = append(out, outlierFinding(ind, pr, msg+env.sourceNote(pr.cur.source), med, pr.cur.id))
		}
	}
	return out
}

// robustScale returns the median of xs and 1.4826·MAD, or, when more than
// half the values are equal (MAD 0), 1.2533 times the mean absolute
// deviation from the median.
func robustScale(xs []float64) (med, scale float64) {
	med = median(xs)
	dev := make([]float64, len(xs))
	var sum float64
	for i, x := range xs {
		dev[i] = math.Abs(x - med)
		sum += dev[i]
	}
	if mad := median(dev); mad > 0 {
		return med, 1.4826 * mad
	}
	return med, 1.2533 * sum / float64(len(xs))
}

// hb flags ratios to the previous like period by Hidiroglou–Berthelot.
func (p *OutlierParams) hb(env Env, ind chiso.Indicator, per chiso.Period, ps []peer) []chiso.Finding {
	var use []peer
	for _, pr := range ps {
		if pr.has && pr.cur.value > 0 && pr.base.value > 0 {
			use = append(use, pr)
		}
	}
	if len(use) < p.minAreas() {
		env.skip(SkipTooFewAreas)
		return nil
	}
	ratios := make([]float64, len(use))
	for i, pr := range use {
		ratios[i] = pr.cur.value / pr.base.value
	}
	rm := median(ratios)
	effects := make([]float64, len(use))
	for i, pr := range use {
		effects[i] = hbEffect(ratios[i], rm, math.Max(pr.cur.value, pr.base.value), orDefault(p.U, 0.5))
	}
	lo, hi := p.hbBounds(effects)
	var out []chiso.Finding
	for i, pr := range use {
		if effects[i] < lo || effects[i] > hi {
			out = append(out, p.hbFinding(env, ind, per, pr, ratios[i], rm))
		}
	}
	return out
}

// hbEffect is the Hidiroglou–Berthelot effect of a ratio r: its centred,
// symmetric distance from the median ratio rm, weighed by size^u.
func hbEffect(r, rm, size, u float64) float64 {
	s := r/rm - 1
	if r < rm {
		s = 1 - rm/r
	}
	return s * math.Pow(size, u)
}

// hbBounds returns the range of effects that are not outliers.
func (p *OutlierParams) hbBounds(effects []float64) (lo, hi float64) {
	q1, em, q3 := quantile(effects, 0.25), median(effects), quantile(effects, 0.75)
	a, c := orDefault(p.A, 0.05), orDefault(p.C, 4)
	d1 := math.Max(em-q1, math.Abs(a*em))
	d3 := math.Max(q3-em, math.Abs(a*em))
	return em - c*d1, em + c*d3
}

// hbFinding builds the finding for a ratio far from its peers'.
func (p *OutlierParams) hbFinding(env Env, ind chiso.Indicator, per chiso.Period, pr peer, r, rm float64) chiso.Finding {
	msg := env.tr("%s của %s: %s (%s) so với %s (%s) là ×%s, khác xa mức chung của các địa phương (×%s).",
		"%s in %s: %s (%s) against %s (%s) is ×%s, far from its peers' typical ×%s.",
		env.indName(ind.Code), env.areaName(pr.area), env.fig(pr.cur, ind), env.period(per),
		env.fig(pr.base.point, ind), env.describe(pr.base), FormatNumber(r, env.Lang), FormatNumber(rm, env.Lang))
	msg += env.sourceNote(pr.cur.source, pr.base.source)
	return outlierFinding(ind, pr, msg, pr.base.value*rm, max(pr.cur.id, pr.base.id))
}

func outlierFinding(ind chiso.Indicator, pr peer, msg string, expected float64, id int64) chiso.Finding {
	return chiso.Finding{Diagnosis: chiso.Outlier, Status: chiso.Fail, Indicator: ind.Code, Area: pr.area,
		Period: pr.cur.period, Value: pr.cur.value, Expected: expected, Message: msg, Source: pr.cur.source, DataID: id}
}

// median returns the median of xs (which it does not modify).
func median(xs []float64) float64 { return quantile(xs, 0.5) }

// quantile returns the q-quantile of xs by linear interpolation between
// order statistics (type 7, the default of R and NumPy).
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
