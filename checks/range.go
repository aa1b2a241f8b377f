package checks

import (
	"math"

	"github.com/chiso-vn/chiso"
)

func init() {
	Register(Kind{Name: "range",
		Doc:       "Reports values outside the possible range of the indicator (from the catalogue) or outside the rule's own plausible band.",
		NewParams: func() Params { return &RangeParams{} }})
}

// RangeParams configures the range check. Every figure is first judged
// against the catalogue's [Min, Max], the values the indicator can take
// (for its period, when the catalogue dates them: Indicator.At):
// "over 100%" is out of range, "nearly 0" stations is not below 0. Then,
// when the rule sets min or max, against that plausible band, where a
// qualified figure that may or may not lie inside is indeterminate.
type RangeParams struct {
	// Min is the lowest plausible value, in the indicator's unit; unset
	// means only the catalogue's minimum applies.
	Min *float64 `yaml:"min" json:"min,omitempty"`
	// Max is the highest plausible value, in the indicator's unit; unset
	// means only the catalogue's maximum applies.
	Max *float64 `yaml:"max" json:"max,omitempty"`
	// Slack is how far, as a fraction of the figure, a qualified figure
	// ("over", "nearly", "about") may lie from the true value; unset means
	// 0.1.
	Slack *float64 `yaml:"slack" json:"slack,omitempty"`
}

// Validate reports a band whose minimum exceeds its maximum.
func (p *RangeParams) Validate(cat *chiso.Catalogue, rule RuleContext) []FieldError {
	errs := validateSlack(p.Slack)
	errs = append(errs, needIndicators(rule)...)
	if p.Min != nil && p.Max != nil && *p.Min > *p.Max {
		errs = append(errs, fieldErr("min", "min %g is above max %g", *p.Min, *p.Max))
	}
	for _, f := range []struct {
		key string
		v   *float64
	}{{"min", p.Min}, {"max", p.Max}} {
		if f.v != nil && (math.IsNaN(*f.v) || math.IsInf(*f.v, 0)) {
			errs = append(errs, fieldErr(f.key, "must be a finite number; got %g", *f.v))
		}
	}
	return errs
}

// Prepare does nothing: Evaluate reads the parameters as they are.
func (p *RangeParams) Prepare() error { return nil }

// Unit is BySeries: each figure is judged alone.
func (p *RangeParams) Unit() Unit { return BySeries }

// TimeDependent is false.
func (p *RangeParams) TimeDependent() bool { return false }

// Evaluate judges every figure of the scope.
func (p *RangeParams) Evaluate(env Env, scope Scope) ([]chiso.Finding, error) {
	out := env.findings(0)
	slack := slackOr(p.Slack)
	eachSeries(env, scope, func(ind chiso.Indicator, s Series) {
		at := &ind // the indicator with the bounds of the figure's period
		lo, hi := p.band(at)
		var dated chiso.Indicator
		for i, v := range s.values {
			if len(ind.Bounds) > 0 { // ranks 1–63 until 2025-06-30, 1–34 after
				dated = ind.At(s.Period(i))
				at = &dated
				lo, hi = p.band(at)
			}
			if q := s.quals[i]; q.Bound() == chiso.Point {
				if v >= lo && v <= hi {
					continue // the figure is its value, inside both bands: what judge finds without building the point
				}
			} else if iv := figure(v, q, slack); iv.lo >= lo && iv.hi <= hi && (iv.lo < iv.hi || !iv.loOpen && !iv.hiOpen) {
				continue // every value the figure allows is inside both bands
			}
			if f, ok := p.judge(env, *at, s.point(i), s.Area); ok {
				out = append(out, f)
			}
		}
	})
	return out, nil
}

// band returns the values an exact figure may take without a finding:
// the intersection of the catalogue's range and the rule's band.
func (p *RangeParams) band(ind *chiso.Indicator) (lo, hi float64) {
	lo, hi = math.Inf(-1), math.Inf(1)
	if !math.IsNaN(ind.Min) {
		lo = ind.Min
	}
	if !math.IsNaN(ind.Max) {
		hi = ind.Max
	}
	if p.Min != nil && *p.Min > lo {
		lo = *p.Min
	}
	if p.Max != nil && *p.Max < hi {
		hi = *p.Max
	}
	return lo, hi
}

// judge returns the finding for one figure, if any.
func (p *RangeParams) judge(env Env, ind chiso.Indicator, pt point, area string) (chiso.Finding, bool) {
	raw := figure(pt.value, pt.qual, slackOr(p.Slack))
	iv, possible := raw.clip(ind)
	if !possible {
		bound := ind.Min
		if !math.IsNaN(ind.Max) && raw.lo >= ind.Max {
			bound = ind.Max
		}
		return p.finding(env, ind, pt, area, chiso.Fail, bound, ind.Min, ind.Max, true), true
	}
	lo, hi := orDefault(p.Min, math.NaN()), orDefault(p.Max, math.NaN())
	if !math.IsNaN(lo) {
		if v := iv.atLeast(lo); v != holds {
			return p.finding(env, ind, pt, area, statusOf(v), lo, lo, hi, false), true
		}
	}
	if !math.IsNaN(hi) {
		if v := iv.atMost(hi); v != holds {
			return p.finding(env, ind, pt, area, statusOf(v), hi, lo, hi, false), true
		}
	}
	return chiso.Finding{}, false
}

// finding builds an out_of_range finding; bound is the bound crossed.
func (p *RangeParams) finding(env Env, ind chiso.Indicator, pt point, area string, st chiso.Status, bound, lo, hi float64, hard bool) chiso.Finding {
	band := env.band(ind, lo, hi)
	var msg string
	switch {
	case hard:
		msg = env.trs("%s của %s %s là %s: không thể có, vì giá trị hợp lệ là %s.",
			"%s in %s, %s: %s is impossible; valid values are %s.",
			env.indName(ind.Code), env.areaName(area), env.period(pt.period), env.fig(pt, ind), band)
	case st == chiso.Indeterminate:
		msg = env.trs("%s của %s %s là %s: có thể nằm ngoài khoảng hợp lý %s, tùy giá trị thật.",
			"%s in %s, %s: %s may lie outside the plausible band %s, depending on the true value.",
			env.indName(ind.Code), env.areaName(area), env.period(pt.period), env.fig(pt, ind), band)
	default:
		msg = env.trs("%s của %s %s là %s, ngoài khoảng hợp lý %s.",
			"%s in %s, %s: %s is outside the plausible band %s.",
			env.indName(ind.Code), env.areaName(area), env.period(pt.period), env.fig(pt, ind), band)
	}
	return chiso.Finding{Diagnosis: chiso.OutOfRange, Status: st, Indicator: ind.Code, Area: area,
		Period: pt.period, Value: pt.value, Qualifier: pt.qual, Expected: bound,
		Message: msg + env.provisionalNote(pt) + env.sourceNote(pt.source), Source: pt.source, DataID: pt.id}
}

// band writes a range of values: "0–100%", "≥ 0 trạm", "≤ 4".
func (e Env) band(ind chiso.Indicator, lo, hi float64) string {
	switch {
	case math.IsNaN(lo) && math.IsNaN(hi):
		return e.trs("không giới hạn", "unbounded")
	case math.IsNaN(hi):
		return "≥ " + e.qty(lo, ind)
	case math.IsNaN(lo):
		return "≤ " + e.qty(hi, ind)
	}
	return e.trs("từ %s đến %s", "from %s to %s", e.qty(lo, ind), e.qty(hi, ind))
}
