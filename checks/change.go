package checks

import (
	"math"
	"strconv"

	"github.com/chiso-vn/chiso"
)

func init() {
	Register(Kind{Name: "change",
		Doc:       "Reports implausible changes against the previous like period (H1 with H1, a year with a year), annualised over gaps and compared with the predecessors' sum after a merger.",
		NewParams: func() Params { return &ChangeParams{} }})
}

// The modes of the change check.
const (
	ModeRelative = "relative" // fractions of the base value per year
	ModeAbsolute = "absolute" // the indicator's unit per year
	ModePoints   = "points"   // percentage points per year, for percent indicators
)

// ChangeParams configures the change check. Each figure is compared with
// the figure for the previous like period (2024-H1 with 2023-H1, never with
// the 2023 annual total); when that is missing, with the latest earlier like
// period, the change annualised over the gap. An area made by a merger is
// compared with the sum of its predecessors for additive indicators, and not
// at all for shares, ranks and ratios; figures measured by different methods
// are never compared. A change within tolerance of a power of a thousand is
// left to the scale check, which names the unit slip.
type ChangeParams struct {
	// Mode is how change is measured: relative (the default: max_increase
	// 0.5 means +50% a year, written as a fraction, not 50), absolute (in
	// the indicator's unit per year) or points (percentage points per year,
	// for percent indicators).
	Mode string `yaml:"mode" json:"mode,omitempty" jsonschema:"enum=relative,enum=absolute,enum=points"`
	// MaxIncrease is the largest plausible increase per year, in the mode's
	// measure; unset means increases are not checked.
	MaxIncrease *float64 `yaml:"max_increase" json:"max_increase,omitempty"`
	// MaxDecrease is the largest plausible decrease per year, as a positive
	// number in the mode's measure (0.3 in relative mode is a fall of 30%);
	// unset means decreases are not checked.
	MaxDecrease *float64 `yaml:"max_decrease" json:"max_decrease,omitempty"`
	// MinBase is the base value, in the indicator's unit, below which no
	// change is judged (small bases make wild ratios); unset means 0.
	MinBase *float64 `yaml:"min_base" json:"min_base,omitempty"`
	// Tolerance is how near, as a fraction, a ratio must be to a power of a
	// thousand (or ×100 for percent) to be left to the scale check as a unit
	// slip; unset means 0.2, the scale check's default.
	Tolerance *float64 `yaml:"tolerance" json:"tolerance,omitempty"`
	// Slack is how far, as a fraction of the figure, a qualified figure
	// may lie from the true value; unset means 0.1.
	Slack *float64 `yaml:"slack" json:"slack,omitempty"`
}

// Validate checks the mode, the bounds and, for points, that every
// indicator of the rule is a percent.
func (p *ChangeParams) Validate(cat *chiso.Catalogue, rule RuleContext) []FieldError {
	errs := validateSlack(p.Slack)
	errs = append(errs, needIndicators(rule)...)
	for _, f := range []struct {
		key string
		v   *float64
	}{{"max_increase", p.MaxIncrease}, {"max_decrease", p.MaxDecrease}, {"min_base", p.MinBase}, {"tolerance", p.Tolerance}} {
		errs = append(errs, nonNegative(f.key, f.v)...)
	}
	if p.MaxIncrease == nil && p.MaxDecrease == nil {
		errs = append(errs, fieldErr("", "set max_increase, max_decrease or both"))
	}
	switch p.Mode {
	case "", ModeRelative:
		if p.MaxDecrease != nil && *p.MaxDecrease > 1 {
			errs = append(errs, fieldErr("max_decrease", "a relative decrease is a fraction (0.3 for 30%%); %g would be a fall of more than 100%%", *p.MaxDecrease))
		}
	case ModeAbsolute:
	case ModePoints:
		errs = append(errs, percentOnly(cat, rule, "mode")...)
	default:
		errs = append(errs, fieldErr("mode", "unknown mode %q (want relative, absolute or points)", p.Mode))
	}
	return errs
}

// percentOnly reports each indicator of the rule that is not a percent.
func percentOnly(cat *chiso.Catalogue, rule RuleContext, field string) []FieldError {
	var errs []FieldError
	for _, code := range rule.Indicators {
		if ind, ok := cat.Indicator(code); ok && ind.Kind != chiso.KindPercent {
			errs = append(errs, fieldErr(field, "percentage points need a percent indicator; %s is a %s", code, ind.Kind))
		}
	}
	return errs
}

// Prepare does nothing: Evaluate reads the parameters as they are.
func (p *ChangeParams) Prepare() error { return nil }

// Unit is BySeries (and the predecessors' series, for merged areas).
func (p *ChangeParams) Unit() Unit { return BySeries }

// TimeDependent is false.
func (p *ChangeParams) TimeDependent() bool { return false }

// Evaluate judges every figure of the scope against its base. Most
// figures are decided from the columns: a figure without an earlier like
// period in an area without predecessors is too little history, and an
// exact figure whose own base is the previous like period by the same
// method is judged on the two values alone, by the arithmetic judge does.
// The others are judged in full.
func (p *ChangeParams) Evaluate(env Env, scope Scope) ([]chiso.Finding, error) {
	out := env.findings(0)
	noHistory := 0
	relative := p.Mode != ModeAbsolute && p.Mode != ModePoints
	minBase := orDefault(p.MinBase, 0)
	q := p.qualifiedZone()
	eachSeries(env, scope, func(ind chiso.Indicator, s Series) {
		zlo, zhi := noSlipZone(ind.Kind, orDefault(p.Tolerance, DefaultSlipTolerance))
		vlo, vhi := boundsOr(ind.Min, ind.Max)
		preds := len(env.Data.Predecessors(s.Area)) > 0
		w := s.likeWalk()
		for i := range s.keys {
			j, none := w.near(i)
			if j < 0 && !none {
				j = w.seek(i)
			}
			if none {
				if !preds {
					noHistory++
					continue
				}
			} else if j >= 0 && s.methods[i] == s.methods[j] {
				v, bv := s.values[i], s.values[j]
				if r := v / bv; bv > 0 && bv >= minBase && v >= vlo && v <= vhi && r > zlo && r < zhi {
					if s.quals[i].Bound() != chiso.Point || s.quals[j].Bound() != chiso.Point {
						if q.holds(v, bv, r) {
							continue
						}
					} else {
						x := v - bv // the change in a year
						if relative {
							x = r - 1
						}
						if v >= bv {
							if p.MaxIncrease == nil || x <= *p.MaxIncrease {
								continue
							}
						} else if p.MaxDecrease == nil || x >= -*p.MaxDecrease {
							continue
						}
					}
				}
			}
			if f, ok := p.judge(env, &ind, &s, i); ok {
				out = append(out, f)
			}
		}
	})
	env.Skips.add(SkipTooLittleHistory, noHistory)
	return out, nil
}

// qualifiedZone says which changes between two positive figures a year
// apart, either of them qualified, surely hold whatever values the
// qualifiers allow: the bounds are narrowed by the slack on both figures,
// with a margin far wider than rounding (relative to the rates' size).
type qualifiedZone struct {
	ok                 bool
	relative           bool
	slack              float64
	incSet, decSet     bool
	incRatio, decRatio float64 // relative: the ratios at the bounds, with the margin
	inc, dec           float64 // absolute: the bounds
}

// margin is the relative margin of the fast paths' bounds.
const margin = 1e-9

func (p *ChangeParams) qualifiedZone() qualifiedZone {
	s := slackOr(p.Slack)
	z := qualifiedZone{ok: s >= 0 && s < 0.5, relative: p.Mode != ModeAbsolute && p.Mode != ModePoints, slack: s,
		incSet: p.MaxIncrease != nil, decSet: p.MaxDecrease != nil}
	if z.incSet {
		z.inc = *p.MaxIncrease
		z.incRatio = (1 + z.inc) * (1 - margin) * (1 - s) / (1 + s)
	}
	if z.decSet {
		z.dec = *p.MaxDecrease
		z.decRatio = (1 - z.dec + margin) * (1 + s) / (1 - s) // rates near −1 are exact to about 1e-16
	}
	return z
}

// holds reports that the change from bv to v (both positive, r = v/bv,
// v within the indicator's bounds) holds for every value the figures'
// qualifiers allow; false means it may not, and the full logic decides.
func (z *qualifiedZone) holds(v, bv, r float64) bool {
	if !z.ok {
		return false
	}
	if z.relative {
		if v >= bv {
			return !z.incSet || r <= z.incRatio
		}
		return !z.decSet || r >= z.decRatio
	}
	wide := z.slack * (v + bv)
	if v >= bv {
		return !z.incSet || v-bv+wide <= z.inc-margin*(v+bv+math.Abs(z.inc))
	}
	return !z.decSet || v-bv-wide >= -z.dec+margin*(v+bv+math.Abs(z.dec))
}

// judge returns the finding for one figure, if any.
func (p *ChangeParams) judge(env Env, ind *chiso.Indicator, s *Series, i int) (chiso.Finding, bool) {
	if j := s.likeIndex(i); j >= 0 && s.sameMethod(i, j) && p.plausible(ind, s, i, j) {
		return chiso.Finding{}, false
	}
	cur := s.point(i)
	b, reason, ok := baseline(env, ind, s, i)
	switch {
	case !ok:
		env.skip(reason)
		return chiso.Finding{}, false
	case b.value <= 0 || b.value < orDefault(p.MinBase, 0):
		env.skip(SkipBelowMinBase)
		return chiso.Finding{}, false
	}
	if _, slip := slipFactor(cur.value/b.value, ind.Kind, orDefault(p.Tolerance, DefaultSlipTolerance)); slip {
		env.skip(SkipUnitSlip)
		return chiso.Finding{}, false
	}
	years := b.years(cur.period)
	rate := p.rates(ind, &cur, &b, years)
	up := cur.value >= b.value
	limit, v := p.limit(rate, up)
	if math.IsNaN(limit) || v == holds {
		return chiso.Finding{}, false
	}
	if !b.lineage && s.slipBeforeChange(i, ind.Kind, orDefault(p.Tolerance, DefaultSlipTolerance)) {
		env.skip(SkipUnitSlip) // a slip against the previous period: the scale check's
		return chiso.Finding{}, false
	}
	return p.finding(env, *ind, s.Area, cur, b, years, limit, v), true
}

// plausible reports whether judge finds nothing to say about point i
// against the area's own point j, by the same steps on the figures alone:
// false when it would report a finding or a skip.
func (p *ChangeParams) plausible(ind *chiso.Indicator, s *Series, i, j int) bool {
	v, bv := s.values[i], s.values[j]
	if bv <= 0 || bv < orDefault(p.MinBase, 0) {
		return false
	}
	if _, slip := slipFactor(v/bv, ind.Kind, orDefault(p.Tolerance, DefaultSlipTolerance)); slip {
		return false
	}
	cur := point{period: keyPeriod(s.keys[i]), value: v, qual: s.quals[i]}
	b := base{point: point{period: keyPeriod(s.keys[j]), value: bv, qual: s.quals[j]}}
	limit, verdict := p.limit(p.rates(ind, &cur, &b, b.years(cur.period)), v >= bv)
	return math.IsNaN(limit) || verdict == holds
}

// rates returns the annual changes the figures allow, in the mode's measure.
func (p *ChangeParams) rates(ind *chiso.Indicator, cur *point, b *base, years float64) interval {
	slack := slackOr(p.Slack)
	c, _ := figure(cur.value, cur.qual, slack).clipTo(ind.Min, ind.Max)
	o := b.interval(slack)
	if p.Mode == ModeAbsolute || p.Mode == ModePoints {
		return interval{lo: (c.lo - o.hi) / years, hi: (c.hi - o.lo) / years}
	}
	return interval{lo: annualRate(c.lo, o.hi, years), hi: annualRate(c.hi, o.lo, years)}
}

// annualRate is the relative change per year from v0 to v over the years:
// (v/v0)^(1/years) − 1.
func annualRate(v, v0, years float64) float64 {
	if v0 <= 0 {
		return math.Inf(1)
	}
	return math.Pow(math.Max(v, 0)/v0, 1/years) - 1
}

// limit judges the rates against the bound on the side of the change; it
// returns NaN when that side is not checked.
func (p *ChangeParams) limit(rate interval, up bool) (float64, verdict) {
	if up && p.MaxIncrease != nil {
		return *p.MaxIncrease, rate.atMost(*p.MaxIncrease)
	}
	if !up && p.MaxDecrease != nil {
		return -*p.MaxDecrease, rate.atLeast(-*p.MaxDecrease)
	}
	return math.NaN(), holds
}

// finding builds the implausible_change finding; limit is the breached
// annual bound (negative for a decrease).
func (p *ChangeParams) finding(env Env, ind chiso.Indicator, area string, cur point, b base, years, limit float64, v verdict) chiso.Finding {
	expected := b.value + limit*years
	if p.Mode == "" || p.Mode == ModeRelative {
		expected = b.value * math.Pow(1+limit, years)
	}
	// A threshold is said as precisely as the figures it comes from: 3.560
	// tỷ đồng growing 50% a year for 7 years is 60.826, not 60.825,9375.
	expected = roundToFigures(expected, cur.value, b.value)
	msg := env.trs("%s của %s: %s (%s) so với %s (%s): %s, vượt mức hợp lý %s.",
		"%s in %s: %s (%s) against %s (%s): %s, beyond the plausible %s.",
		env.indName(ind.Code), env.areaName(area), env.fig(cur, ind), env.period(cur.period),
		env.fig(b.point, ind), env.describe(b), p.describeChange(env, ind, cur.value, b.value, years), p.describeLimit(env, ind, limit))
	if v == unsure {
		msg += env.trs(" Vì số liệu có định tính (trên/gần/khoảng), chưa thể kết luận.",
			" The qualified figures (over/nearly/about) leave the verdict open.")
	} else if ratio := cur.value / b.value; ratio > 3 || ratio < 1.0/3 {
		msg += env.trs(" Mức thay đổi này thường do thay đổi phạm vi hoặc định nghĩa thống kê, không phải tăng trưởng thật.",
			" A change this large is usually a change of scope or definition, not real growth.")
	}
	msg += env.provisionalNote(cur) + env.sourceNote(cur.source, b.source)
	return chiso.Finding{Diagnosis: chiso.ImplausibleChange, Status: statusOf(v), Indicator: ind.Code, Area: area,
		Period: cur.period, Value: cur.value, Qualifier: cur.qual, Expected: expected, Message: msg, Source: cur.source, DataID: max(cur.id, b.id)}
}

// describeChange writes the change: "tăng 75,6%/năm (×51,4 trong 7 năm)".
func (p *ChangeParams) describeChange(env Env, ind chiso.Indicator, v, v0, years float64) string {
	if p.Mode == ModeAbsolute || p.Mode == ModePoints {
		d := (v - v0) / years
		s := p.signedAmount(env, ind, d)
		if years != 1 {
			return env.trs("%s/năm trong %s năm", "%s a year over %s years", s, FormatNumber(years, env.Lang))
		}
		return s
	}
	r := annualRate(v, v0, years)
	s := signed(FormatNumber(math.Round(1000*r)/10, env.Lang) + "%")
	if years == 1 {
		return s
	}
	return env.trs("%s/năm (×%s trong %s năm)", "%s a year (×%s over %s years)",
		s, FormatNumber(v/v0, env.Lang), FormatNumber(years, env.Lang))
}

// describeLimit writes the breached bound: "+50%/năm", "−3 điểm phần trăm/năm".
func (p *ChangeParams) describeLimit(env Env, ind chiso.Indicator, limit float64) string {
	if p.Mode == ModeAbsolute || p.Mode == ModePoints {
		return env.trs("%s/năm", "%s a year", p.signedAmount(env, ind, limit))
	}
	return env.trs("%s/năm", "%s a year", signed(FormatNumber(100*limit, env.Lang)+"%"))
}

// signedAmount writes an absolute change in the unit, or in percentage
// points.
func (p *ChangeParams) signedAmount(env Env, ind chiso.Indicator, d float64) string {
	if p.Mode == ModePoints {
		return signed(env.trs("%s điểm phần trăm", "%s percentage points", FormatNumber(d, env.Lang)))
	}
	return signed(env.qty(d, ind))
}

// signed puts a plus sign before a non-negative amount and a minus sign
// (−) for a negative one.
func signed(s string) string {
	if len(s) > 0 && s[0] == '-' {
		return "−" + s[1:]
	}
	return "+" + s
}

// roundToFigures rounds a value derived from published figures to the
// most decimals any of them was published with (none for 3560 or 183001,
// one for 81.7), so that derived thresholds read like the figures.
func roundToFigures(v float64, figures ...float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return v
	}
	d := 0
	for _, f := range figures {
		d = max(d, decimals(f))
	}
	r, err := strconv.ParseFloat(strconv.FormatFloat(v, 'f', d, 64), 64)
	if err != nil {
		return v
	}
	return r
}
