package console

import (
	"io/fs"
	"math"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chiso-vn/chiso"
)

func TestValueRange(t *testing.T) {
	pct := chiso.Indicator{Unit: "percent", Kind: chiso.KindPercent, Min: 0, Max: 100}
	count := chiso.Indicator{Unit: "site", Kind: chiso.KindCount, Min: 0, Max: math.NaN()}
	for _, tc := range []struct {
		ind      chiso.Indicator
		v        float64
		q        chiso.Qualifier
		lo, hi   float64
		openHigh bool
	}{
		{pct, 95, chiso.Over, 95, 100, false},          // trên 95%: (95, 100]
		{pct, 100, chiso.Over, 100, 105, true},         // trên 100%: out of range, drawn open
		{count, 1900, chiso.Nearly, 1805, 1900, false}, // gần 1.900: just below
		{count, 1000, chiso.About, 950, 1050, false},
		{count, 2500, chiso.Over, 2500, 2625, true},
		{count, 2500, chiso.Exact, 2500, 2500, false},
		{count, 200, chiso.Estimate, 200, 200, false},
	} {
		lo, hi, open := valueRange(chiso.Observation{Value: tc.v, Qualifier: tc.q}, tc.ind)
		if math.Abs(lo-tc.lo) > 1e-9 || math.Abs(hi-tc.hi) > 1e-9 || open != tc.openHigh {
			t.Errorf("%v %g: [%g, %g] open %v, want [%g, %g] open %v", tc.q, tc.v, lo, hi, open, tc.lo, tc.hi, tc.openHigh)
		}
	}
}

func TestByPeriodKeepsRevisions(t *testing.T) {
	p22, p23 := chiso.MustParsePeriod("2022"), chiso.MustParsePeriod("2023-H1")
	got := byPeriod([]chiso.Observation{
		{Period: p22, Value: 1, Revision: 1}, {Period: p22, Value: 2, Revision: 2}, {Period: p22, Value: 3, Revision: 3},
		{Period: p23, Value: 9, Revision: 1},
	})
	if len(got) != 2 || got[0].Current.Value != 3 || len(got[0].Earlier) != 2 || got[0].Earlier[0].Value != 1 ||
		got[0].Earlier[1].Value != 2 || got[1].Current.Value != 9 || len(got[1].Earlier) != 0 {
		t.Errorf("byPeriod = %+v", got)
	}
}

func TestSumQualifier(t *testing.T) {
	o := func(q chiso.Qualifier) chiso.Observation { return chiso.Observation{Qualifier: q} }
	for _, tc := range []struct {
		parts []chiso.Observation
		want  chiso.Qualifier
	}{
		{[]chiso.Observation{o(chiso.Exact), o(chiso.Exact)}, chiso.Exact},
		{[]chiso.Observation{o(chiso.Over), o(chiso.Exact)}, chiso.Over},
		{[]chiso.Observation{o(chiso.Nearly), o(chiso.Exact)}, chiso.Nearly},
		{[]chiso.Observation{o(chiso.Nearly), o(chiso.Over)}, chiso.About},
		{[]chiso.Observation{o(chiso.Over), o(chiso.Preliminary)}, chiso.Estimate},
	} {
		if got := sumQualifier(tc.parts); got != tc.want {
			t.Errorf("sumQualifier(%v) = %v, want %v", tc.parts, got, tc.want)
		}
	}
}

func TestNiceStep(t *testing.T) {
	for raw, want := range map[float64]float64{0.3: 0.5, 1: 1, 1.2: 2, 3: 5, 7: 10, 45750: 50000, 183001.0 / 4: 50000} {
		if got := niceStep(raw); math.Abs(got-want) > 1e-9 {
			t.Errorf("niceStep(%g) = %g, want %g", raw, got, want)
		}
	}
}

// monthlySeries is ten years of monthly figures with what makes a chart
// heavy: qualifiers, a revision of every figure, a finding every year and
// a target.
func monthlySeries() *seriesData {
	ind := chiso.Indicator{Code: "village_fibre_coverage", NameVI: "Tỷ lệ thôn/bản có cáp quang", Unit: "percent",
		Kind: chiso.KindPercent, Min: 0, Max: 100}
	d := &seriesData{Indicator: ind, Area: chiso.Area{Code: "DB", Name: "Điện Biên"}}
	p := chiso.Period{Kind: chiso.Month, Year: 2016, N: 1}
	for i := range 120 {
		v := 40 + float64(i)/3
		cur := chiso.Observation{Period: p, Value: v, Qualifier: chiso.Qualifier(i % 6), Revision: 2,
			Raw: "đạt trên 88,5% thôn/bản", IngestedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
		old := cur
		old.Revision, old.Value, old.Qualifier = 1, v-1, chiso.Estimate
		d.Figures = append(d.Figures, periodFigures{Period: p, Current: cur, Earlier: []chiso.Observation{old}})
		if i%12 == 11 {
			d.Findings = append(d.Findings, chiso.Finding{Rule: "CoverageDrop", Period: p, Value: v, Severity: chiso.Warning,
				Diagnosis: chiso.Decrease, Message: "Tỷ lệ thôn/bản có cáp quang của Điện Biên giảm bất thường so với cùng kỳ năm trước."})
		}
		p = p.Next()
	}
	d.Targets = []chiso.Target{{Indicator: ind.Code, Area: chiso.AnyArea, Period: chiso.MustParsePeriod("2026"), Op: chiso.OpGE, Value: 100}}
	return d
}

// TestChartOfTenYearsMonthlyIsSmall holds the chart of a ten-year monthly
// series, revisions and all, to at most 50 KB.
func TestChartOfTenYearsMonthlyIsSmall(t *testing.T) {
	svg := string(drawChart(monthlySeries(), "vi"))
	t.Logf("the chart of 120 monthly figures with a revision each: %d bytes", len(svg))
	if n := len(svg); n > 50<<10 {
		t.Errorf("the chart of 120 monthly figures is %d bytes, want ≤ 50 KB", n)
	}
	if got := strings.Count(svg, `<circle class="pt`); got != 120 {
		t.Errorf("%d current points drawn, want 120", got)
	}
	if got := strings.Count(svg, `class="rev"`); got != 120 {
		t.Errorf("%d earlier revisions drawn, want 120", got)
	}
	if got := strings.Count(svg, `<g class="fnd`); got != 10 {
		t.Errorf("%d findings marked, want 10", got)
	}
	if !strings.Contains(svg, `class="tgt" data-period="2026"`) {
		t.Errorf("no target line to 2026")
	}
	if strings.Contains(svg, `data-kind="year"`) {
		t.Errorf("a year panel for a target alone: the target belongs in the chart, not in a panel of its own figures")
	}
}

// TestTemplatesNameKnownWords holds every {{t "word"}} of the templates,
// and the sort keys the findings page names, to the words table: an
// unknown word would print as its key.
func TestTemplatesNameKnownWords(t *testing.T) {
	re := regexp.MustCompile(`\{\{t "([^"]+)"\}\}`)
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil || len(files) == 0 {
		t.Fatal(files, err)
	}
	keys := append([]string{}, sortKeys...)
	for _, f := range files {
		b, _ := fs.ReadFile(templateFS, f)
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			keys = append(keys, m[1])
		}
	}
	for _, k := range keys {
		if _, ok := words[k]; !ok {
			t.Errorf("no word %q", k)
		}
	}
}
