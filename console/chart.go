package console

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/checks"
)

// The chart's geometry, in SVG user units: the SVG scales to the width of
// the page, and the text is sized to stay readable on a phone.
const (
	chartW      = 640.0
	chartLeft   = 100.0 // room for the value axis's labels, in a phone's larger type
	chartRight  = 14.0
	panelTitle  = 36.0 // the line above a panel that names its kind
	panelH      = 170.0
	panelGap    = 14.0
	axisH       = 30.0 // the time axis under the last panel
	pointR      = 6.0
	findingR    = 12.0
	rangeSpread = 0.05 // how far below "gần" and around "khoảng" a range is drawn, as a share of the value
)

// chart draws one series: a panel per kind of period, sharing the time
// axis, so that a half-year is never joined to years.
type chart struct {
	b          strings.Builder
	kinds      []chiso.PeriodKind
	d          *seriesData
	lang       string
	t0, t1     float64 // the time domain, Unix seconds
	findingsAt map[chiso.Period][]int
}

// drawChart returns the SVG of the series.
func drawChart(d *seriesData, lang string) template.HTML {
	kinds := chartKinds(d)
	if len(kinds) == 0 {
		return ""
	}
	c := &chart{d: d, lang: lang, kinds: kinds, findingsAt: map[chiso.Period][]int{}}
	for i, f := range d.Findings {
		c.findingsAt[f.Period] = append(c.findingsAt[f.Period], i+1)
	}
	c.domain()
	h := float64(len(kinds))*(panelTitle+panelH+panelGap) + axisH
	fmt.Fprintf(&c.b, `<svg class="chart" viewBox="0 0 %g %g" role="img" aria-label="%s" xmlns="http://www.w3.org/2000/svg">`,
		chartW, h, esc(d.Indicator.Name(lang)+" · "+d.Area.Name))
	top := 0.0
	for _, k := range kinds {
		c.panel(k, top)
		top += panelTitle + panelH + panelGap
	}
	c.timeAxis(top - panelGap)
	c.b.WriteString(`</svg>`)
	return template.HTML(c.b.String())
}

// chartKinds returns the kinds of period the chart has a panel for.
func chartKinds(d *seriesData) []chiso.PeriodKind {
	has := map[chiso.PeriodKind]bool{}
	for _, pf := range d.Figures {
		has[pf.Period.Kind] = true
	}
	for _, s := range d.Preds {
		has[s.Period.Kind] = true
	}
	for _, f := range d.Findings {
		if !f.Period.IsZero() {
			has[f.Period.Kind] = true
		}
	}
	var out []chiso.PeriodKind
	for _, k := range []chiso.PeriodKind{chiso.Year, chiso.Half, chiso.Quarter, chiso.Month} {
		if has[k] {
			out = append(out, k)
		}
	}
	return out
}

// targetPanel is the kind of panel a target is drawn in: its own kind's,
// or else the first panel's (a yearly target over monthly figures).
func targetPanel(t chiso.Target, kinds []chiso.PeriodKind) chiso.PeriodKind {
	for _, k := range kinds {
		if k == t.Period.Kind {
			return k
		}
	}
	return kinds[0]
}

// domain sets the time axis from the first period's start to the last
// period's or deadline's end.
func (c *chart) domain() {
	first, last := math.Inf(1), math.Inf(-1)
	see := func(p chiso.Period) {
		if p.IsZero() {
			return
		}
		first = math.Min(first, float64(p.Start().Unix()))
		last = math.Max(last, float64(p.End().Unix()))
	}
	for _, pf := range c.d.Figures {
		see(pf.Period)
	}
	for _, s := range c.d.Preds {
		see(s.Period)
	}
	for _, f := range c.d.Findings {
		see(f.Period)
	}
	for _, t := range c.d.Targets {
		see(t.Period)
	}
	c.t0, c.t1 = first, last
}

// x places a period at its middle.
func (c *chart) x(p chiso.Period) float64 {
	mid := float64(p.Start().Unix()+p.End().Unix()) / 2
	return c.xt(mid)
}

func (c *chart) xt(t float64) float64 {
	return chartLeft + (t-c.t0)/(c.t1-c.t0)*(chartW-chartLeft-chartRight)
}

// valueRange is the values a figure stands for: a qualifier is a range.
func valueRange(o chiso.Observation, ind chiso.Indicator) (lo, hi float64, open bool) {
	v := o.Value
	spread := math.Abs(v) * rangeSpread
	switch o.Qualifier.Bound() {
	case chiso.Lower: // trên 95%: (95, max], or open above
		if !math.IsNaN(ind.Max) && ind.Max > v {
			return v, ind.Max, false
		}
		return v, v + spread, true
	case chiso.Upper: // gần 1.900: just below
		return v - spread, v, false
	case chiso.Approximate:
		return v - spread, v + spread, false
	}
	return v, v, false
}

// scale is a panel's value axis.
type scale struct {
	lo, hi, step float64
	top          float64 // the panel's top, in user units
}

func (s scale) y(v float64) float64 {
	return s.top + panelH - (v-s.lo)/(s.hi-s.lo)*panelH
}

// panelScale fits the values of one kind, from zero (or below, for a
// negative value) to a round number above the highest.
func (c *chart) panelScale(k chiso.PeriodKind, top float64) scale {
	lo, hi := 0.0, math.Inf(-1)
	see := func(v float64) {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	for _, pf := range c.d.Figures {
		if pf.Period.Kind != k {
			continue
		}
		for _, o := range append(pf.Earlier, pf.Current) {
			a, b, _ := valueRange(o, c.d.Indicator)
			see(a)
			see(b)
		}
	}
	for _, s := range c.d.Preds {
		if s.Period.Kind == k {
			see(s.Value)
		}
	}
	for _, t := range c.d.Targets {
		if targetPanel(t, c.kinds) == k {
			see(t.Value)
		}
	}
	for _, f := range c.d.Findings {
		if f.Period.Kind == k {
			see(f.Value)
		}
	}
	if math.IsInf(hi, -1) || hi <= lo {
		hi = lo + 1
	}
	step := niceStep((hi - lo) / 4)
	return scale{lo: math.Floor(lo/step) * step, hi: math.Ceil(hi/step) * step, step: step, top: top}
}

// niceStep rounds a step up to 1, 2 or 5 times a power of ten.
func niceStep(raw float64) float64 {
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= raw {
			return m * p
		}
	}
	return 10 * p
}

// panel draws the figures of one kind of period.
func (c *chart) panel(k chiso.PeriodKind, top float64) {
	s := c.panelScale(k, top+panelTitle)
	fmt.Fprintf(&c.b, `<g class="panel" data-kind="%s">`, k)
	fmt.Fprintf(&c.b, `<text class="ptitle" x="%g" y="%g">%s</text>`, chartLeft, top+24, esc(kindText(k, c.lang)))
	for v := s.lo; v <= s.hi+s.step/2; v += s.step {
		y := s.y(v)
		fmt.Fprintf(&c.b, `<line class="grid" x1="%g" x2="%g" y1="%.0f" y2="%.0f"/>`, chartLeft, chartW-chartRight, y, y)
		fmt.Fprintf(&c.b, `<text class="ylab" x="%g" y="%.0f">%s</text>`, chartLeft-6, y+5, esc(checks.FormatNumber(v, c.lang)))
	}
	c.preds(k, s)
	c.line(k, s)
	c.targets(k, s)
	for _, pf := range c.d.Figures {
		if pf.Period.Kind == k {
			c.figure(pf, s)
		}
	}
	c.findingMarks(k, s)
	c.b.WriteString(`</g>`)
}

// line joins the current figures of one kind, period after period.
func (c *chart) line(k chiso.PeriodKind, s scale) {
	var pts []string
	for _, pf := range c.d.Figures {
		if pf.Period.Kind == k {
			pts = append(pts, fmt.Sprintf("%.0f,%.0f", c.x(pf.Period), s.y(pf.Current.Value)))
		}
	}
	if len(pts) > 1 {
		fmt.Fprintf(&c.b, `<polyline class="series" points="%s"/>`, strings.Join(pts, " "))
	}
}

// figure draws a period's current figure, its range and its earlier
// revisions.
func (c *chart) figure(pf periodFigures, s scale) {
	x := c.x(pf.Period)
	for _, e := range pf.Earlier {
		fmt.Fprintf(&c.b, `<circle class="rev" cx="%.0f" cy="%.0f" r="%g" data-period="%s"><title>%s</title></circle>`,
			x, s.y(e.Value), pointR, pf.Period, esc(c.pointTitle(e, true)))
	}
	o := pf.Current
	lo, hi, open := valueRange(o, c.d.Indicator)
	if lo != hi {
		fmt.Fprintf(&c.b, `<line class="rng" x1="%.0f" x2="%.0f" y1="%.0f" y2="%.0f" data-period="%s" data-lo="%s" data-hi="%s"/>`,
			x, x, s.y(lo), s.y(hi), pf.Period, short(lo), short(hi))
		if open {
			y := s.y(hi)
			fmt.Fprintf(&c.b, `<path class="rng" d="M%.0f %.0fl5 -6l5 6"/>`, x-5, y+6)
		}
	}
	class := "pt"
	if o.Qualifier.Provisional() {
		class += " prov"
	}
	if lo != hi {
		class += " bound" // the figure itself is an end the true value does not reach
	}
	fmt.Fprintf(&c.b, `<circle class="%s" cx="%.0f" cy="%.0f" r="%g" data-period="%s" data-value="%s"><title>%s</title></circle>`,
		class, x, s.y(o.Value), pointR, pf.Period, short(o.Value), esc(c.pointTitle(o, false)))
	if o.Qualifier.Provisional() {
		fmt.Fprintf(&c.b, `<text class="plab" x="%.0f" y="%.0f">%s</text>`, x, s.y(o.Value)-10, esc(provisionalWord(o.Qualifier, c.lang)))
	}
}

// short writes a value for a data attribute: at most nine significant
// digits.
func short(v float64) string { return strconv.FormatFloat(v, 'g', 9, 64) }

func provisionalWord(q chiso.Qualifier, lang string) string {
	if q == chiso.Estimate {
		return tr(lang, "ước", "est.")
	}
	return tr(lang, "sơ bộ", "prel.")
}

// pointTitle is a point's tooltip: the period and the figure as people
// write it; the raw text is in the table under the chart.
func (c *chart) pointTitle(o chiso.Observation, earlier bool) string {
	s := periodText(o.Period, c.lang) + ": " + checks.FormatFigure(o.Value, o.Qualifier, c.d.Indicator.Unit, c.lang)
	if earlier {
		s += tr(c.lang, " (lần ", " (revision ") + strconv.Itoa(o.Revision) + ")"
	}
	return s
}

// preds draws the predecessors' sums before the merger.
func (c *chart) preds(k chiso.PeriodKind, s scale) {
	for _, p := range c.d.Preds {
		if p.Period.Kind != k {
			continue
		}
		x, y := c.x(p.Period), s.y(p.Value)
		title := tr(c.lang, "Tổng các tỉnh trước sáp nhập, ", "Predecessors' sum, ") + periodText(p.Period, c.lang) + ": " +
			checks.FormatFigure(p.Value, p.Qualifier, c.d.Indicator.Unit, c.lang)
		fmt.Fprintf(&c.b, `<rect class="pred" x="%.0f" y="%.0f" width="11" height="11" transform="rotate(45 %.0f %.0f)" data-period="%s" data-value="%s"><title>%s</title></rect>`,
			x-5.5, y-5.5, x, y, p.Period, short(p.Value), esc(title))
	}
}

// targets draws each target of this kind of period as a line from the
// latest figure before its deadline to the target at the deadline.
func (c *chart) targets(k chiso.PeriodKind, s scale) {
	for _, t := range c.d.Targets {
		if targetPanel(t, c.kinds) != k {
			continue
		}
		x1, y1 := c.xt(c.t0), s.y(t.Value)
		for _, pf := range c.d.Figures {
			if pf.Period.Kind == k && pf.Period.End().Before(t.Period.End()) {
				x1, y1 = c.x(pf.Period), s.y(pf.Current.Value)
			}
		}
		x2, y2 := c.x(t.Period), s.y(t.Value)
		label := opText(t.Op) + " " + checks.FormatQuantity(t.Value, c.d.Indicator.Unit, c.lang) + " · " + strconv.Itoa(t.Period.Year)
		fmt.Fprintf(&c.b, `<g class="tgt" data-period="%s" data-value="%g"><title>%s</title>`, t.Period, t.Value,
			esc(tr(c.lang, "Mục tiêu: ", "Target: ")+label+" — "+t.Source))
		fmt.Fprintf(&c.b, `<line x1="%.0f" y1="%.0f" x2="%.0f" y2="%.0f"/>`, x1, y1, x2, y2)
		fmt.Fprintf(&c.b, `<path d="M%.0f %.0fL%.0f %.0fL%.0f %.0fZ"/>`, x2, y2-7, x2+7, y2, x2, y2+7)
		fmt.Fprintf(&c.b, `<text class="tlab" x="%.0f" y="%.0f">%s</text></g>`, x2-6, y2-9, esc(label))
	}
}

// findingMarks rings the points the findings concern and numbers them as
// the list under the chart does; a finding on a period without a figure
// (a missing value) is marked at the panel's foot.
func (c *chart) findingMarks(k chiso.PeriodKind, s scale) {
	figures := map[chiso.Period]chiso.Observation{}
	for _, pf := range c.d.Figures {
		figures[pf.Period] = pf.Current
	}
	for p, ns := range c.findingsAt {
		if p.Kind != k {
			continue
		}
		f := c.d.Findings[ns[0]-1]
		x, y := c.x(p), s.top+panelH
		o, ok := figures[p]
		switch {
		case ok:
			y = s.y(o.Value)
		case !math.IsNaN(f.Value) && f.Value != 0:
			y = s.y(f.Value)
		}
		worst := 0
		var titles, nums []string
		for _, n := range ns {
			fd := c.d.Findings[n-1]
			worst = max(worst, fd.Severity.Rank())
			titles = append(titles, strconv.Itoa(n)+". "+c.d.message(n-1))
			nums = append(nums, strconv.Itoa(n))
		}
		fmt.Fprintf(&c.b, `<a href="#f-%d"><g class="fnd %s" data-period="%s"><title>%s</title>`, ns[0], severityClass(worst), p, esc(strings.Join(titles, "\n")))
		fmt.Fprintf(&c.b, `<circle cx="%.0f" cy="%.0f" r="%g"/>`, x, y, findingR)
		fmt.Fprintf(&c.b, `<text x="%.0f" y="%.0f">%s</text></g></a>`, x+findingR+2, y-findingR+2, strings.Join(nums, ","))
	}
}

// timeAxis labels years along the bottom of the last panel.
func (c *chart) timeAxis(bottom float64) {
	y0 := time.Unix(int64(c.t0), 0).UTC().Year()
	y1 := time.Unix(int64(c.t1)-1, 0).UTC().Year()
	step := 1
	for _, st := range []int{1, 2, 5, 10, 20, 50, 100} {
		step = st
		if (y1-y0)/st <= 6 {
			break
		}
	}
	for yr := y0; yr <= y1; yr++ {
		if (yr-y0)%step != 0 && yr != y1 {
			continue
		}
		mid := float64(time.Date(yr, 7, 1, 0, 0, 0, 0, time.UTC).Unix())
		x := min(c.xt(mid), chartW-chartRight-24) // the last year's label stays inside
		fmt.Fprintf(&c.b, `<text class="xlab" x="%.0f" y="%.0f">%d</text>`, x, bottom+24, yr)
	}
}

// opText writes a comparator as people read it.
func opText(op chiso.Op) string {
	switch op {
	case chiso.OpGE:
		return "≥"
	case chiso.OpLE:
		return "≤"
	}
	return string(op)
}

func esc(s string) string { return template.HTMLEscapeString(s) }

// legend explains the chart's marks that this chart uses.
func legend(d *seriesData, lang string) []legendItem {
	has := map[string]bool{"cur": len(d.Figures) > 0, "preds": len(d.Preds) > 0, "finding": len(d.Findings) > 0,
		"target": len(d.Targets) > 0 && len(d.Figures) > 0}
	for _, pf := range d.Figures {
		has["rev"] = has["rev"] || len(pf.Earlier) > 0
		has["prov"] = has["prov"] || pf.Current.Qualifier.Provisional()
		has["range"] = has["range"] || pf.Current.Qualifier.Bound() != chiso.Point
	}
	var out []legendItem
	for _, e := range []struct{ key, class, word string }{
		{"cur", "lg-cur", "lg_current"}, {"prov", "lg-prov", "lg_provisional"}, {"range", "lg-range", "lg_range"},
		{"rev", "lg-rev", "lg_revision"}, {"preds", "lg-pred", "lg_preds"}, {"target", "lg-tgt", "lg_target"},
		{"finding", "lg-fnd", "lg_finding"},
	} {
		if has[e.key] {
			w := words[e.word]
			out = append(out, legendItem{e.class, tr(lang, w[0], w[1])})
		}
	}
	return out
}
