package checks

import (
	"math"

	"github.com/chiso-vn/chiso"
)

func init() {
	Register(Kind{Name: "scale",
		Doc:       "Reports probable unit slips: a figure about 1,000 or 1,000,000 times (or ×100 for percent vs fraction) the previous like period's.",
		NewParams: func() Params { return &ScaleParams{} }})
}

// DefaultSlipTolerance is how near, as a fraction, a ratio must be to a
// power of a thousand to be called a unit slip when a rule sets none.
const DefaultSlipTolerance = 0.2

// ScaleParams configures the scale check. Each figure is compared with the
// previous like period's, as the change check does (lineage and method
// aware); a ratio within tolerance of 10³, 10⁶, 10⁻³ or 10⁻⁶ — or of 100 or
// 1/100 for a percent, a share written as a fraction — is a unit slip, and
// the message names the likely one ("tỷ written for nghìn tỷ").
type ScaleParams struct {
	// Tolerance is how near, as a fraction, the ratio must be to the factor:
	// 0.2 (the default) takes ratios from 800 to 1,200 as ×1,000.
	Tolerance *float64 `yaml:"tolerance" json:"tolerance,omitempty"`
}

// Validate checks the tolerance.
func (p *ScaleParams) Validate(cat *chiso.Catalogue, rule RuleContext) []FieldError {
	errs := needIndicators(rule)
	if p.Tolerance != nil && (*p.Tolerance <= 0 || *p.Tolerance >= 0.5 || math.IsNaN(*p.Tolerance)) {
		errs = append(errs, fieldErr("tolerance", "must be a fraction in (0, 0.5), e.g. 0.2; got %g", *p.Tolerance))
	}
	return errs
}

// Unit is BySeries (and the predecessors' series, for merged areas).
func (p *ScaleParams) Unit() Unit { return BySeries }

// TimeDependent is false.
func (p *ScaleParams) TimeDependent() bool { return false }

// Evaluate judges every figure of the scope against its base. Most
// figures are decided from the columns: a figure without an earlier like
// period in an area without predecessors is too little history, and one
// whose own base is the previous like period by the same method is no
// slip when the ratio of the two values is far from every factor. The
// others are judged in full.
func (p *ScaleParams) Evaluate(env Env, scope Scope) []chiso.Finding {
	out := env.findings(0)
	tol := orDefault(p.Tolerance, DefaultSlipTolerance)
	noHistory := 0
	eachSeries(env, scope, func(ind chiso.Indicator, s Series) {
		zlo, zhi := noSlipZone(ind.Kind, tol)
		preds := len(env.Data.Predecessors(s.Area)) > 0
		firstYear := s.keys[0] / 1000
		d := 1 // how far back the last previous like period was
		for i, k := range s.keys {
			if (k-1000)/1000 < firstYear { // no earlier like period
				if !preds {
					noHistory++
					continue
				}
			} else if j := s.back(i, k-1000, &d); j >= 0 && s.methods[i] == s.methods[j] {
				if v, bv := s.values[i], s.values[j]; bv <= 0 || v <= 0 {
					continue
				} else if r := v / bv; r > zlo && r < zhi {
					continue
				}
			}
			if f, ok := p.judge(env, &ind, &s, i, tol); ok {
				out = append(out, f)
			}
		}
	})
	env.Skips.add(SkipTooLittleHistory, noHistory)
	return out
}

// judge returns the finding for point i, if any, by the full logic.
func (p *ScaleParams) judge(env Env, ind *chiso.Indicator, s *Series, i int, tol float64) (chiso.Finding, bool) {
	if j := s.likeIndex(i); j >= 0 && s.sameMethod(i, j) {
		// the area's own base: what baseline returns, read from the columns
		if v, bv := s.values[i], s.values[j]; bv <= 0 || v <= 0 {
			return chiso.Finding{}, false
		} else if _, slip := slipFactor(v/bv, ind.Kind, tol); !slip {
			return chiso.Finding{}, false
		}
	}
	cur := s.point(i)
	b, reason, ok := baseline(env, ind, s, i)
	if !ok {
		env.skip(reason)
		return chiso.Finding{}, false
	}
	if b.value <= 0 || cur.value <= 0 {
		return chiso.Finding{}, false
	}
	if f, slip := slipFactor(cur.value/b.value, ind.Kind, tol); slip {
		return unitSlip(env, *ind, s.Area, cur, b, f), true
	}
	return chiso.Finding{}, false
}

// noSlipZone returns the open range of ratios that slipFactor surely finds
// near no factor, with a margin for rounding; it is empty when the
// tolerance is too wide for there to be one.
func noSlipZone(kind chiso.IndicatorKind, tol float64) (lo, hi float64) {
	const margin = 1e-9
	up, down := 1e3, 1e-3
	if kind == chiso.KindPercent {
		up, down = 100, 0.01
	}
	lo, hi = down*(1+tol)*(1+margin), up*(1-tol)*(1-margin)
	if !(tol >= 0 && tol < 0.9 && lo < 1 && hi > 1) {
		return 1, 1
	}
	return lo, hi
}

// boundsOr returns the catalogue's bounds of an indicator with infinities
// for the missing ones.
func boundsOr(lo, hi float64) (float64, float64) {
	if math.IsNaN(lo) {
		lo = math.Inf(-1)
	}
	if math.IsNaN(hi) {
		hi = math.Inf(1)
	}
	return lo, hi
}

// slipFactor returns the power of a thousand (or, for a percent, the 100)
// that ratio is within tol of.
func slipFactor(ratio float64, kind chiso.IndicatorKind, tol float64) (float64, bool) {
	factors := [...]float64{1e3, 1e6, 1e-3, 1e-6, 100, 0.01}
	n := 4
	if kind == chiso.KindPercent {
		n = len(factors)
	}
	for _, f := range factors[:n] {
		if math.Abs(ratio/f-1) <= tol {
			return f, true
		}
	}
	return 0, false
}

// unitSlip builds the unit_slip finding for a ratio near factor f.
func unitSlip(env Env, ind chiso.Indicator, area string, cur point, b base, f float64) chiso.Finding {
	msg := env.trs("%s của %s: %s (%s) gấp ×%s so với %s (%s), gần đúng ×%s — có thể nhầm đơn vị: %s. Cần kiểm tra lại số liệu gốc.",
		"%s in %s: %s (%s) is ×%s of %s (%s), close to ×%s — probably a unit slip: %s. Check the original figures.",
		env.indName(ind.Code), env.areaName(area), env.fig(cur, ind), env.period(cur.period),
		FormatNumber(cur.value/b.value, env.Lang), env.fig(b.point, ind), env.describe(b),
		FormatNumber(f, env.Lang), env.slipWords(ind, f))
	msg += env.sourceNote(cur.source, b.source)
	return chiso.Finding{Diagnosis: chiso.UnitSlip, Status: chiso.Fail, Indicator: ind.Code, Area: area,
		Period: cur.period, Value: cur.value, Expected: b.value, Message: msg, Source: cur.source, DataID: max(cur.id, b.id)}
}

// scaleNames are the scale words of a unit at ×1, ×10³ and ×10⁶.
func (e Env) scaleNames(unit string) [3]string {
	switch unit {
	case "billion_vnd", "billion_usd":
		return [3]string{e.trs("tỷ", "billion"), e.trs("nghìn tỷ", "trillion"), e.trs("triệu tỷ", "quadrillion")}
	case "million_vnd", "million_usd":
		return [3]string{e.trs("triệu", "million"), e.trs("tỷ", "billion"), e.trs("nghìn tỷ", "trillion")}
	}
	return [3]string{e.trs("đơn vị", "units"), e.trs("nghìn", "thousands"), e.trs("triệu", "millions")}
}

// slipWords names the likely slip behind a ratio near f.
func (e Env) slipWords(ind chiso.Indicator, f float64) string {
	if f == 100 || f == 0.01 {
		return e.trs("tỷ lệ ghi dạng số thập phân thay cho phần trăm (0,85 thay cho 85%%)",
			"a share written as a fraction instead of a percent (0.85 for 85%%)")
	}
	n := e.scaleNames(ind.Unit)
	big := n[1]
	if f == 1e6 || f == 1e-6 {
		big = n[2]
	}
	if f < 1 { // the figure fell: it was probably meant in the bigger word
		return e.trs("“%s” ghi nhầm thay cho “%s” ở số liệu này", "%s written for %s in this figure", n[0], big)
	}
	return e.trs("“%s” ghi nhầm thay cho “%s” ở số liệu này, hoặc “%s” thay cho “%s” ở số liệu trước",
		"%s written for %s in this figure, or %s written for %s in the earlier one", big, n[0], n[0], big)
}
