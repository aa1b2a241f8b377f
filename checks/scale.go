package checks

import (
	"math"
	"slices"
	"strconv"

	"github.com/chiso-vn/chiso"
)

func init() {
	Register(Kind{Name: "scale",
		Doc:       "Reports probable unit slips: a figure about 1,000 or 1,000,000 times (or ×100 for percent vs fraction) the previous like period's, or in a series' first year the previous period's; the finding is on the odd figure of the two.",
		NewParams: func() Params { return &ScaleParams{} }})
}

// DefaultSlipTolerance is how near, as a fraction, a ratio must be to a
// power of a thousand to be called a unit slip when a rule sets none.
const DefaultSlipTolerance = 0.2

// ScaleParams configures the scale check. Each figure is compared with the
// previous like period's, as the change check does (lineage and method
// aware), or, when there is none, with the previous period's of the same
// kind; a ratio within tolerance of 10³, 10⁶, 10⁻³ or 10⁻⁶ — or of 100 or
// 1/100 for a percent, a share written as a fraction — is a unit slip. The
// finding is on the figure that is odd (see oddOne), and the message says
// what it was probably meant to be ("3,6 tỷ đồng có lẽ là 3.600 tỷ đồng").
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

// Prepare does nothing: Evaluate reads the parameters as they are.
func (p *ScaleParams) Prepare() error { return nil }

// Unit is BySeries (and the predecessors' series, for merged areas).
func (p *ScaleParams) Unit() Unit { return BySeries }

// TimeDependent is false.
func (p *ScaleParams) TimeDependent() bool { return false }

// Evaluate judges every figure of the scope against the previous like
// period's figure and the previous figure of the same kind (in a series'
// first year, with no like period, that one only): a unit slip shows
// against any neighbour whatever the seasonality, and a year's growth can
// take its ratio to the like period out of tolerance. Most figures are
// decided from the columns: one whose bases are by the same method is no
// slip when the ratios of the values are far from every factor. The others
// are judged in full, and a slip is put on the odd one of the two figures
// alone (see oddOne), once however many comparisons show it.
func (p *ScaleParams) Evaluate(env Env, scope Scope) ([]chiso.Finding, error) {
	out := env.findings(0)
	tol := orDefault(p.Tolerance, DefaultSlipTolerance)
	noHistory := 0
	var reported []int // the series' figures already found to be slips
	eachSeries(env, scope, func(ind chiso.Indicator, s Series) {
		zlo, zhi := noSlipZone(ind.Kind, tol)
		preds := len(env.Data.Predecessors(s.Area)) > 0
		reported = reported[:0]
		w := s.likeWalk()
		for i := range s.keys {
			j, none := w.near(i)
			if j < 0 && !none {
				j = w.seek(i)
			}
			if none && !preds { // in the first year, the previous period
				if j = s.adjacentBefore(i); j < 0 {
					noHistory++
					continue
				}
			}
			if j >= 0 && s.methods[i] == s.methods[j] {
				v, bv := s.values[i], s.values[j]
				if v <= 0 {
					continue
				}
				if r := v / bv; bv <= 0 || r > zlo && r < zhi {
					// a year's growth may hide a slip that the previous
					// month shows
					a := i - 1
					if a < 0 || s.key(a).Kind() != s.key(i).Kind() {
						a = s.adjacentBefore(i)
					}
					if a < 0 || a == j || s.noSlip(i, a, zlo, zhi) {
						continue
					}
				}
			}
			if f, ok := p.judge(env, &ind, &s, i, tol, &reported); ok {
				out = append(out, f)
			}
		}
	})
	env.Skips.add(SkipTooLittleHistory, noHistory)
	return out, nil
}

// judge returns the finding for point i, if any, by the full logic; it
// adds the index of the figure it blames to reported, and says nothing of
// a figure already there. Point i is compared with its previous like
// period and then with the previous period of the same kind, which a
// year's growth cannot take away from a slip.
func (p *ScaleParams) judge(env Env, ind *chiso.Indicator, s *Series, i int, tol float64, reported *[]int) (chiso.Finding, bool) {
	j := s.likeIndex(i)
	if j < 0 && len(env.Data.Predecessors(s.Area)) > 0 {
		return p.judgeLineage(env, ind, s, i, tol)
	}
	a := s.adjacentBefore(i)
	switch {
	case j < 0 && a < 0:
		env.skip(SkipTooLittleHistory)
		return chiso.Finding{}, false
	case j < 0:
		j, a = a, -1
	case a == j:
		a = -1
	}
	if !s.sameMethod(i, j) {
		env.skip(SkipMethodChanged)
		return chiso.Finding{}, false
	}
	f, slip := s.slipBetween(j, i, ind.Kind, tol)
	if !slip && a >= 0 && s.sameMethod(i, a) {
		j = a
		f, slip = s.slipBetween(j, i, ind.Kind, tol)
	}
	if !slip {
		return chiso.Finding{}, false
	}
	odd := s.oddOne(ind.Kind, j, i, f, tol)
	blamed := odd
	if odd < 0 {
		blamed = i // undecided: the later figure carries the finding
	}
	if slices.Contains(*reported, blamed) {
		return chiso.Finding{}, false
	}
	*reported = append(*reported, blamed)
	return slipFinding(env, *ind, s, j, i, odd, f), true
}

// slipBetween returns the factor that point i's value is about, of point
// j's, if it is near one.
func (s *Series) slipBetween(j, i int, kind chiso.IndicatorKind, tol float64) (float64, bool) {
	v, bv := s.values[i], s.values[j]
	if bv <= 0 || v <= 0 {
		return 0, false
	}
	return slipFactor(v/bv, kind, tol)
}

// noSlip reports that points i and a have the same method, positive values
// and a ratio inside the no-slip zone (zlo, zhi).
func (s *Series) noSlip(i, a int, zlo, zhi float64) bool {
	v, av := s.values[i], s.values[a]
	return av > 0 && v > zlo*av && v < zhi*av && s.methods[i] == s.methods[a]
}

// slipBeforeChange reports whether point i of series s is a unit slip
// against the previous period of the same kind (tolerance tol): the change
// check leaves such a figure to the scale check even when a year's growth
// takes its ratio to the like period away from every factor.
func (s *Series) slipBeforeChange(i int, kind chiso.IndicatorKind, tol float64) bool {
	a := s.adjacentBefore(i)
	if a < 0 || !s.sameMethod(i, a) {
		return false
	}
	_, slip := s.slipBetween(a, i, kind, tol)
	return slip
}

// judgeLineage judges point i of an area made by a merger against the sum
// of its predecessors for the latest like period, as the change check
// does: the finding is on the area's own figure.
func (p *ScaleParams) judgeLineage(env Env, ind *chiso.Indicator, s *Series, i int, tol float64) (chiso.Finding, bool) {
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

// adjacentBefore returns the index of the latest point before i whose
// period is of the same kind (the previous month of a month), or -1.
func (s *Series) adjacentBefore(i int) int {
	kind := s.key(i).Kind()
	for j := i - 1; j >= 0; j-- {
		if s.key(j).Kind() == kind {
			return j
		}
	}
	return -1
}

// adjacentAfter returns the index of the earliest point after i whose
// period is of the same kind, or -1.
func (s *Series) adjacentAfter(i int) int {
	kind := s.key(i).Kind()
	for j := i + 1; j < len(s.keys); j++ {
		if s.key(j).Kind() == kind {
			return j
		}
	}
	return -1
}

// oddOne decides which of points j < i, whose values differ by about the
// factor f (value i ≈ f × value j), is the slip, as a statistician would:
//
//   - for a percent, a figure of at most 1 beside one above 1 is the share
//     written as a fraction (a share rarely moves ×100 in a period);
//   - the series' robust level around i (the median of up to seven figures
//     of the same kind and method, when there are three or more) is near
//     one of the two and far from the other;
//   - a spike comes back: if the figure after i is back at j's level, i is
//     the odd one; if the figure before j is at i's level, j is.
//
// The level comes before the neighbours: a correct figure between two
// slips looks like a spike. It returns -1 when nothing decides: with two
// figures only, either may be the wrong one.
func (s *Series) oddOne(kind chiso.IndicatorKind, j, i int, f, tol float64) int {
	vj, vi := s.values[j], s.values[i]
	if kind == chiso.KindPercent && (f == 100 || f == 0.01) {
		if lo, hi := min(vi, vj), max(vi, vj); lo <= 1 && hi > 1 {
			if vi == lo {
				return i
			}
			return j
		}
	}
	if m, ok := s.level(i); ok {
		near := math.Abs(math.Log(f)) / 3 // within ×10 of the level for ×1,000
		nearI, nearJ := math.Abs(math.Log(vi/m)) < near, math.Abs(math.Log(vj/m)) < near
		switch {
		case nearJ && !nearI:
			return i
		case nearI && !nearJ:
			return j
		}
	}
	at := func(a, b int, g float64) bool { // b's value is about g × a's
		return b >= 0 && s.sameMethod(a, b) && s.values[b] > 0 && nearFactor(s.values[b]/s.values[a], g, tol)
	}
	// after i, back at j's level; before j, at i's level
	iBack, jBack := at(i, s.adjacentAfter(i), 1/f), at(j, s.adjacentBefore(j), f)
	switch {
	case iBack && !jBack:
		return i
	case jBack && !iBack:
		return j
	}
	return -1
}

// nearFactor reports whether ratio is within tol of the factor f.
func nearFactor(ratio, f, tol float64) bool { return math.Abs(ratio/f-1) <= tol }

// levelReach is how many figures on each side of a point its level is
// the median of: a trend moves a wider window's median away from the
// point, and two slips among seven figures leave it in place.
const levelReach = 3

// level returns the median of the positive figures of point i's period
// kind and method nearest to it, up to levelReach on each side and i
// itself, when there are three or more.
func (s *Series) level(i int) (float64, bool) {
	var buf [2*levelReach + 1]float64
	vs := buf[:0]
	kind := s.key(i).Kind()
	take := func(k int) bool {
		if s.key(k).Kind() != kind || s.values[k] <= 0 || !s.sameMethod(i, k) {
			return false
		}
		vs = append(vs, s.values[k])
		return true
	}
	take(i)
	for k, n := i-1, 0; k >= 0 && n < levelReach; k-- {
		if take(k) {
			n++
		}
	}
	for k, n := i+1, 0; k < len(s.keys) && n < levelReach; k++ {
		if take(k) {
			n++
		}
	}
	if len(vs) < 3 {
		return 0, false
	}
	slices.Sort(vs)
	if n := len(vs); n%2 == 0 {
		return (vs[n/2-1] + vs[n/2]) / 2, true
	}
	return vs[len(vs)/2], true
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

// slipFinding builds the unit_slip finding for points j < i whose values
// differ by about the factor f (value i ≈ f × value j): on the odd one,
// or, when odd is -1 and either may be wrong, on i, saying so.
func slipFinding(env Env, ind chiso.Indicator, s *Series, j, i, odd int, f float64) chiso.Finding {
	if odd < 0 {
		return ambiguousSlip(env, ind, s, j, i, f)
	}
	other, g := j, f // g: the odd figure ≈ g × the other
	if odd == j {
		other, g = i, 1/f
	}
	bad, good := s.point(odd), s.point(other)
	msg := env.trs("%s của %s: %s (%s) %s (%s), gần đúng %s — %s. Cần kiểm tra lại số liệu gốc.",
		"%s in %s: %s (%s) %s (%s), close to %s — %s. Check the original figures.",
		env.indName(ind.Code), env.areaName(s.Area), env.fig(bad, ind), env.period(bad.period),
		env.compared(bad.value/good.value, env.fig(good, ind)), env.period(good.period),
		env.factor(g), env.slipGuess(ind, bad.value, g))
	msg += env.sourceNote(bad.source, good.source)
	return chiso.Finding{Diagnosis: chiso.UnitSlip, Status: chiso.Fail, Indicator: ind.Code, Area: s.Area,
		Period: bad.period, Value: bad.value, Qualifier: bad.qual, Expected: good.value, Message: msg, Source: bad.source, DataID: max(bad.id, good.id)}
}

// ambiguousSlip builds the finding for two figures a factor f apart when
// nothing says which is wrong: it is on the later one and names both.
func ambiguousSlip(env Env, ind chiso.Indicator, s *Series, j, i int, f float64) chiso.Finding {
	cur, prev := s.point(i), s.point(j)
	msg := env.trs("%s của %s: %s (%s) %s (%s), gần đúng %s — một trong hai số có lẽ nhầm đơn vị: %s, hoặc %s; chuỗi chưa đủ số liệu để biết số nào sai. Cần kiểm tra lại số liệu gốc.",
		"%s in %s: %s (%s) %s (%s), close to %s — one of the two is probably a unit slip: %s, or %s; the series has too few figures to tell which. Check the original figures.",
		env.indName(ind.Code), env.areaName(s.Area), env.fig(cur, ind), env.period(cur.period),
		env.compared(cur.value/prev.value, env.fig(prev, ind)), env.period(prev.period),
		env.factor(f), env.slipGuess(ind, cur.value, f), env.slipGuess(ind, prev.value, 1/f))
	msg += env.sourceNote(cur.source, prev.source)
	return chiso.Finding{Diagnosis: chiso.UnitSlip, Status: chiso.Fail, Indicator: ind.Code, Area: s.Area,
		Period: cur.period, Value: cur.value, Qualifier: cur.qual, Expected: prev.value, Message: msg, Source: cur.source, DataID: max(cur.id, prev.id)}
}

// unitSlip builds the unit_slip finding of a merged area's figure against
// its predecessors' sum, a ratio near factor f.
func unitSlip(env Env, ind chiso.Indicator, area string, cur point, b base, f float64) chiso.Finding {
	msg := env.trs("%s của %s: %s (%s) %s (%s), gần đúng %s — %s. Cần kiểm tra lại số liệu gốc.",
		"%s in %s: %s (%s) %s (%s), close to %s — %s. Check the original figures.",
		env.indName(ind.Code), env.areaName(area), env.fig(cur, ind), env.period(cur.period),
		env.compared(cur.value/b.value, env.fig(b.point, ind)), env.describe(b),
		env.factor(f), env.slipGuess(ind, cur.value, f))
	msg += env.sourceNote(cur.source, b.source)
	return chiso.Finding{Diagnosis: chiso.UnitSlip, Status: chiso.Fail, Indicator: ind.Code, Area: area,
		Period: cur.period, Value: cur.value, Qualifier: cur.qual, Expected: b.value, Message: msg, Source: cur.source, DataID: max(cur.id, b.id)}
}

// compared writes a figure's ratio to another: "gấp ×1.030 so với 3,5 tỷ
// đồng", or, below 1, "chỉ bằng 1/104 của 74%".
func (e Env) compared(ratio float64, other string) string {
	if ratio >= 1 {
		return e.trs("gấp ×%s so với %s", "is ×%s of %s", FormatNumber(threeFigures(ratio), e.Lang), other)
	}
	return e.trs("chỉ bằng 1/%s của %s", "is 1/%s of %s", FormatNumber(threeFigures(1/ratio), e.Lang), other)
}

// threeFigures rounds a ratio to three significant figures: a slip's ratio
// is read for its size (×1.030, 1/102), not its decimals.
func threeFigures(x float64) float64 { return significant(x, 3) }

// significant rounds x to the given number of significant digits.
func significant(x float64, digits int) float64 {
	r, err := strconv.ParseFloat(strconv.FormatFloat(x, 'g', digits, 64), 64)
	if err != nil {
		return x
	}
	return r
}

// factor writes a slip's factor: "×1.000" or "1/1.000".
func (e Env) factor(f float64) string {
	if f >= 1 {
		return "×" + FormatNumber(f, e.Lang)
	}
	return "1/" + FormatNumber(1/f, e.Lang)
}

// slipGuess says what a figure v, about g times what it should be, was
// probably meant to be, from the figure itself: "có lẽ là 71% viết dưới
// dạng phân số", "3,6 tỷ đồng có lẽ là 3.600 tỷ đồng (“tỷ” ghi nhầm
// thay cho “nghìn tỷ”)".
func (e Env) slipGuess(ind chiso.Indicator, v, g float64) string {
	meant := e.qty(meantValue(v, g), ind)
	switch {
	case g == 0.01:
		return e.trs("có lẽ là %s viết dưới dạng phân số", "probably %s written as a fraction", meant)
	case g == 100:
		return e.trs("%s có lẽ là %s bị nhân thêm 100", "%s is probably %s multiplied by 100 once too often",
			e.qty(v, ind), meant)
	}
	n := e.scaleNames(ind.Unit)
	small, big := n[0], n[1]
	if g == 1e6 || g == 1e-6 {
		big = n[2]
	}
	if g < 1 { // too small: written in the smaller word
		return e.trs("%s có lẽ là %s (“%s” ghi nhầm thay cho “%s”)", "%s is probably %s (%s written for %s)",
			e.qty(v, ind), meant, small, big)
	}
	return e.trs("%s có lẽ là %s (“%s” ghi nhầm thay cho “%s”)", "%s is probably %s (%s written for %s)",
		e.qty(v, ind), meant, big, small)
}

// meantValue is v/g without the binary noise of the division: 0.71 × 100
// is 71, not 70.99999999999999.
func meantValue(v, g float64) float64 { return significant(v/g, 12) }

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
