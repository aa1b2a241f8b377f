package checks

import (
	"math"
	"strings"
	"testing"

	"github.com/chiso-vn/chiso"
)

// TestChangeSampleVinhPhuc: Vĩnh Phúc's ICT revenue 3,560 (2015) → 183,001
// (2022) billion VND is ×51 in seven years, +75.6% a year: an implausible
// change, not a unit slip; the 2023-H1 figure has no earlier H1 and is never
// compared with the 2022 annual total.
func TestChangeSampleVinhPhuc(t *testing.T) {
	env := sampleEnv(t, "vi")
	got := evaluate((&ChangeParams{MaxIncrease: ptr(0.5)}), env, Scope{Indicators: []string{"ict_revenue"}, Areas: []string{"VP"}})
	if len(got) != 1 {
		t.Fatalf("got %d findings, want 1: %+v", len(got), got)
	}
	f := got[0]
	if f.Diagnosis != chiso.ImplausibleChange || f.Status != chiso.Fail || f.Period.String() != "2022" || f.Value != 183001 {
		t.Errorf("got %s %s %s %g", f.Diagnosis, f.Status, f.Period, f.Value)
	}
	wantRate := math.Pow(183001.0/3560, 1.0/7) - 1 // 0.7556
	if math.Abs(wantRate-0.7556) > 0.001 {
		t.Fatalf("test arithmetic: %g", wantRate)
	}
	if want := math.Round(3560 * math.Pow(1.5, 7)); f.Expected != want { // 60825.9375, said like the figures
		t.Errorf("expected %g, want the bound %g", f.Expected, want)
	}
	for _, s := range []string{"+75,6%/năm", "×51,4 trong 7 năm", "183.001 tỷ đồng", "3.560 tỷ đồng", "năm 2015", "Vĩnh Phúc", "phạm vi"} {
		if !strings.Contains(f.Text(), s) {
			t.Errorf("message %q lacks %q", f.Text(), s)
		}
	}
	if slips := evaluate((&ScaleParams{}), env, Scope{Indicators: []string{"ict_revenue"}, Areas: []string{"VP"}}); len(slips) != 0 {
		t.Errorf("scale calls ×51 a unit slip: %+v", slips)
	}
}

func TestChangeCases(t *testing.T) {
	tests := []struct {
		name     string
		params   ChangeParams
		obs      []chiso.Observation
		area     string
		status   chiso.Status // empty: no finding
		period   string
		expected float64
		skip     SkipReason // counted at least once
		msg      string
	}{
		{"year on year increase", ChangeParams{MaxIncrease: ptr(0.5)},
			[]chiso.Observation{ob("stations", "A1", "2023", 100, ""), ob("stations", "A1", "2024", 200, "")},
			"A1", chiso.Fail, "2024", 150, "", "+100%"},
		{"plausible increase", ChangeParams{MaxIncrease: ptr(0.5)},
			[]chiso.Observation{ob("stations", "A1", "2023", 100, ""), ob("stations", "A1", "2024", 140, "")},
			"A1", "", "", 0, "", ""},
		{"gap annualised", ChangeParams{MaxIncrease: ptr(0.15)},
			[]chiso.Observation{ob("stations", "A1", "2015", 100, ""), ob("stations", "A1", "2017", 144, "")},
			"A1", chiso.Fail, "2017", 132, "", "+20%"}, // 100 × 1.15² = 132.25, said as precisely as the figures: 132
		{"gap annualised within bound", ChangeParams{MaxIncrease: ptr(0.25)},
			[]chiso.Observation{ob("stations", "A1", "2015", 100, ""), ob("stations", "A1", "2017", 144, "")},
			"A1", "", "", 0, "", ""},
		{"decrease", ChangeParams{MaxDecrease: ptr(0.3)},
			[]chiso.Observation{ob("stations", "A1", "2023", 100, ""), ob("stations", "A1", "2024", 50, "")},
			"A1", chiso.Fail, "2024", 70, "", "−50%"},
		{"decrease not checked", ChangeParams{MaxIncrease: ptr(0.3)},
			[]chiso.Observation{ob("stations", "A1", "2023", 100, ""), ob("stations", "A1", "2024", 50, "")},
			"A1", "", "", 0, "", ""},
		{"H1 never against the annual total", ChangeParams{MaxIncrease: ptr(0.1), MaxDecrease: ptr(0.1)},
			[]chiso.Observation{ob("revenue", "A1", "2022", 100, ""), ob("revenue", "A1", "2023-H1", 60, "")},
			"A1", "", "", 0, SkipTooLittleHistory, ""},
		{"H1 against the previous H1", ChangeParams{MaxIncrease: ptr(0.5)},
			[]chiso.Observation{ob("revenue", "A1", "2022-H1", 30, ""), ob("revenue", "A1", "2022", 100, ""), ob("revenue", "A1", "2023-H1", 60, "")},
			"A1", chiso.Fail, "2023-H1", 45, "", "H1 2022"},
		{"min base", ChangeParams{MaxIncrease: ptr(0.5), MinBase: ptr(10)},
			[]chiso.Observation{ob("stations", "A1", "2023", 2, ""), ob("stations", "A1", "2024", 8, "")},
			"A1", "", "", 0, SkipBelowMinBase, ""},
		{"methods differ", ChangeParams{MaxIncrease: ptr(0.1)},
			[]chiso.Observation{ob("rate", "A1", "2023", 10, ""), withMethod(ob("rate", "A1", "2024", 16, ""), "gso")},
			"A1", "", "", 0, SkipMethodChanged, ""},
		{"percentage points", ChangeParams{Mode: ModePoints, MaxIncrease: ptr(10)},
			[]chiso.Observation{ob("rate", "A1", "2023", 50, ""), ob("rate", "A1", "2024", 70, "")},
			"A1", chiso.Fail, "2024", 60, "", "+20 percentage points"},
		{"absolute", ChangeParams{Mode: ModeAbsolute, MaxDecrease: ptr(100)},
			[]chiso.Observation{ob("stations", "A1", "2022", 1000, ""), ob("stations", "A1", "2024", 600, "")},
			"A1", chiso.Fail, "2024", 800, "", "−200 stations a year over 2 years"},
		{"qualified figure straddles the bound", ChangeParams{MaxIncrease: ptr(0.5)},
			[]chiso.Observation{ob("stations", "A1", "2023", 100, ""), ob("stations", "A1", "2024", 140, "over")},
			"A1", chiso.Indeterminate, "2024", 150, "", "open"},
		{"×1000 left to scale", ChangeParams{MaxIncrease: ptr(0.5)},
			[]chiso.Observation{ob("revenue", "A1", "2023", 3.5, ""), ob("revenue", "A1", "2024", 3600, "")},
			"A1", "", "", 0, SkipUnitSlip, ""},
		{"merged area: sum of predecessors, plausible", ChangeParams{MaxIncrease: ptr(0.2)},
			[]chiso.Observation{ob("stations", "PT", "2024", 2000, ""), ob("stations", "VP", "2024", 1500, ""), ob("stations", "HB", "2024", 1000, ""),
				ob("stations", "PT25", "2025", 5000, "")},
			"PT25", "", "", 0, "", ""},
		{"merged area: sum of predecessors, implausible", ChangeParams{MaxIncrease: ptr(0.05)},
			[]chiso.Observation{ob("stations", "PT", "2024", 2000, ""), ob("stations", "VP", "2024", 1500, ""), ob("stations", "HB", "2024", 1000, ""),
				ob("stations", "PT25", "2025", 5000, "")},
			"PT25", chiso.Fail, "2025", 4500 * 1.05, "", "the sum of PT, VP, HB before the merger"},
		{"merged area: a predecessor lacks the period", ChangeParams{MaxIncrease: ptr(0.05)},
			[]chiso.Observation{ob("stations", "PT", "2024", 2000, ""), ob("stations", "VP", "2024", 1500, ""), ob("stations", "PT25", "2025", 5000, "")},
			"PT25", "", "", 0, SkipLineageIncomplete, ""},
		{"merged area: a share is not summed", ChangeParams{MaxIncrease: ptr(0.01), MaxDecrease: ptr(0.01)},
			[]chiso.Observation{ob("rate", "PT", "2024", 50, ""), ob("rate", "VP", "2024", 60, ""), ob("rate", "HB", "2024", 70, ""), ob("rate", "PT25", "2025", 90, "")},
			"PT25", "", "", 0, SkipNotAdditive, ""},
		{"merged area: its own like period first", ChangeParams{MaxIncrease: ptr(0.1)},
			[]chiso.Observation{ob("stations", "PT", "2025", 1, ""), ob("stations", "PT25", "2025", 5000, ""), ob("stations", "PT25", "2026", 7000, "")},
			"PT25", chiso.Fail, "2026", 5500, "", "+40%"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := synthEnv(tt.obs...)
			got := evaluate(&tt.params, env, Scope{Indicators: []string{tt.obs[0].Indicator}, Areas: []string{tt.area}})
			if tt.skip != "" && env.Skips.Count(tt.skip) == 0 {
				t.Errorf("skip %s not counted: %v", tt.skip, env.Skips.Reasons())
			}
			if tt.status == "" {
				if len(got) != 0 {
					t.Fatalf("want no finding, got %+v", got)
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("got %d findings, want 1: %+v", len(got), got)
			}
			f := got[0]
			if f.Status != tt.status || f.Diagnosis != chiso.ImplausibleChange || f.Period.String() != tt.period || math.Abs(f.Expected-tt.expected) > 1e-9 {
				t.Errorf("got %s %s %s expected %g; want %s %s %g", f.Status, f.Diagnosis, f.Period, f.Expected, tt.status, tt.period, tt.expected)
			}
			if !strings.Contains(f.Text(), tt.msg) {
				t.Errorf("message %q lacks %q", f.Text(), tt.msg)
			}
		})
	}
}

// TestChangeDataID: a lineage comparison's DataID is the highest of every
// figure used, the predecessors' included.
func TestChangeDataID(t *testing.T) {
	obs := []chiso.Observation{ob("stations", "PT25", "2025", 9000, ""), ob("stations", "PT", "2024", 2000, ""),
		ob("stations", "VP", "2024", 1500, ""), ob("stations", "HB", "2024", 1000, "")}
	obs[3].ID = 77
	env := synthEnv(obs...)
	got := evaluate((&ChangeParams{MaxIncrease: ptr(0.5)}), env, Scope{Indicators: []string{"stations"}, Areas: []string{"PT25"}})
	if len(got) != 1 || got[0].DataID != 77 {
		t.Fatalf("got %+v, want one finding with DataID 77", got)
	}
}

func withMethod(o chiso.Observation, m string) chiso.Observation {
	o.Method = m
	return o
}

func TestChangeValidate(t *testing.T) {
	cat := smallCatalogue()
	tests := []struct {
		p     ChangeParams
		field string
	}{
		{ChangeParams{}, ""},
		{ChangeParams{MaxDecrease: ptr(30)}, "max_decrease"},
		{ChangeParams{Mode: "ratio", MaxIncrease: ptr(1)}, "mode"},
		{ChangeParams{Mode: ModePoints, MaxIncrease: ptr(1)}, "mode"},
		{ChangeParams{MaxIncrease: ptr(-1)}, "max_increase"},
	}
	for _, tt := range tests {
		errs := tt.p.Validate(&cat, RuleContext{Indicators: []string{"stations"}})
		if len(errs) != 1 || errs[0].Field != tt.field {
			t.Errorf("%+v: got %+v, want one error on %q", tt.p, errs, tt.field)
		}
	}
	ok := ChangeParams{Mode: ModePoints, MaxIncrease: ptr(5)}
	if errs := ok.Validate(&cat, RuleContext{Indicators: []string{"rate"}}); len(errs) != 0 {
		t.Errorf("points on a percent: %+v", errs)
	}
}

// TestDerivedThresholdsReadLikeTheFigures: the expected value of a change
// finding has as many decimals as the figures it comes from.
func TestDerivedThresholdsReadLikeTheFigures(t *testing.T) {
	for _, tt := range []struct {
		v    float64
		figs []float64
		want float64
	}{
		{60825.9375, []float64{3560, 183001}, 60826},
		{89.123456, []float64{81.7, 74}, 89.1},
		{1.23456, []float64{1.25, 0.5}, 1.23},
	} {
		if got := roundToFigures(tt.v, tt.figs...); got != tt.want {
			t.Errorf("roundToFigures(%v, %v) = %v, want %v", tt.v, tt.figs, got, tt.want)
		}
	}
}
