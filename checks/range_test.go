package checks

import (
	"strings"
	"testing"

	"github.com/chiso-vn/chiso"
)

func TestRange(t *testing.T) {
	tests := []struct {
		name     string
		params   RangeParams
		ob       chiso.Observation
		status   chiso.Status // empty: no finding
		expected float64
	}{
		{"share above 100", RangeParams{}, ob("rate", "A1", "2024", 101, ""), chiso.Fail, 100},
		{"over 100 percent", RangeParams{}, ob("rate", "A1", "2024", 100, "over"), chiso.Fail, 100},
		{"exactly 100 percent", RangeParams{}, ob("rate", "A1", "2024", 100, ""), "", 0},
		{"over 95 percent", RangeParams{}, ob("rate", "A1", "2024", 95, "over"), "", 0},
		{"nearly 0 stations", RangeParams{}, ob("stations", "A1", "2024", 0, "nearly"), "", 0},
		{"negative stations", RangeParams{}, ob("stations", "A1", "2024", -1, ""), chiso.Fail, 0},
		{"rule band: above", RangeParams{Max: ptr(4)}, ob("stations", "A1", "2024", 5, ""), chiso.Fail, 4},
		{"rule band: over 3.9 may exceed 4", RangeParams{Max: ptr(4)}, ob("stations", "A1", "2024", 3.9, "over"), chiso.Indeterminate, 4},
		{"rule band: inside", RangeParams{Min: ptr(1), Max: ptr(4)}, ob("stations", "A1", "2024", 3, ""), "", 0},
		{"rule band: below", RangeParams{Min: ptr(1), Max: ptr(4)}, ob("stations", "A1", "2024", 0.5, ""), chiso.Fail, 1},
		{"rule band: nearly the minimum is below it", RangeParams{Min: ptr(1)}, ob("stations", "A1", "2024", 1, "nearly"), chiso.Fail, 1},
		{"rule band: nearly just above the minimum", RangeParams{Min: ptr(1)}, ob("stations", "A1", "2024", 1.05, "nearly"), chiso.Indeterminate, 1},
		{"rule band on a share: over 95 within 0–100", RangeParams{Max: ptr(100)}, ob("rate", "A1", "2024", 95, "over"), "", 0},
		{"slack 0: over 3.9 is inside a band to 4", RangeParams{Max: ptr(4), Slack: ptr(0)}, ob("stations", "A1", "2024", 3.9, "over"), "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := synthEnv(tt.ob)
			got := evaluate(&tt.params, env, Scope{Indicators: []string{tt.ob.Indicator}, Areas: []string{"A1"}})
			if tt.status == "" {
				if len(got) != 0 {
					t.Fatalf("got %d findings, want none: %+v", len(got), got)
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("got %d findings, want 1", len(got))
			}
			f := got[0]
			if f.Status != tt.status || f.Diagnosis != chiso.OutOfRange || f.Expected != tt.expected || f.Value != tt.ob.Value {
				t.Errorf("got %s %s value %g expected %g; want %s expected %g", f.Status, f.Diagnosis, f.Value, f.Expected, tt.status, tt.expected)
			}
			if f.DataID != 1 || f.Source != "src-A1" || f.Period != tt.ob.Period {
				t.Errorf("provenance: DataID %d source %q period %s", f.DataID, f.Source, f.Period)
			}
		})
	}
}

func TestRangeMessage(t *testing.T) {
	env := synthEnv(ob("rate", "A1", "2024", 100, "over"))
	env.Lang = "vi"
	got := evaluate((&RangeParams{}), env, Scope{Indicators: []string{"rate"}, Areas: []string{"A1"}})
	if len(got) != 1 {
		t.Fatalf("got %d findings", len(got))
	}
	for _, want := range []string{"Tỷ lệ", "A1", "năm 2024", "trên 100%", "từ 0% đến 100%", "Nguồn: src-A1"} {
		if !strings.Contains(got[0].Text(), want) {
			t.Errorf("message %q lacks %q", got[0].Text(), want)
		}
	}
}

func TestRangeValidate(t *testing.T) {
	p := RangeParams{Min: ptr(5), Max: ptr(1), Slack: ptr(2)}
	errs := p.Validate(&chiso.Catalogue{}, oneIndicator)
	if len(errs) != 2 {
		t.Fatalf("got %v, want errors for min and slack", errs)
	}
}

// TestRangeDatedBounds: a figure is judged against the bounds valid on
// its period's last day: a DTI rank of 40 is possible among 63 provinces
// (up to 2025-H1) and impossible among the 34 of the year 2025.
func TestRangeDatedBounds(t *testing.T) {
	merger := day(2025, 7, 1)
	cat := smallCatalogue()
	cat.Indicators = append(cat.Indicators, chiso.Indicator{Code: "rank", NameEN: "DTI rank", Unit: "rank", Kind: chiso.KindRank, Min: 1, Max: 63})
	cat.Bounds = []chiso.DatedRange{
		{Indicator: "rank", Min: 1, Max: 63, ValidTo: merger.AddDate(0, 0, -1)},
		{Indicator: "rank", Min: 1, Max: 34, ValidFrom: merger},
	}
	tests := []struct {
		area, period string
		v            float64
		want         float64 // the bound crossed; 0: no finding
	}{
		{"A1", "2024", 40, 0},
		{"A1", "2025-H1", 40, 0},
		{"A1", "2025", 40, 34},
		{"A1", "2025", 34, 0},
		{"A1", "2026-Q1", 35, 34},
		{"A1", "2024", 64, 63},
		{"A1", "2025", 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.period, func(t *testing.T) {
			env := Env{Data: newFake(cat, []chiso.Observation{ob("rank", tt.area, tt.period, tt.v, "")}), Now: evalTime, Location: ict, Lang: "en", Skips: &Skips{}}
			got := evaluate((&RangeParams{}), env, Scope{Indicators: []string{"rank"}, Areas: []string{tt.area}})
			switch {
			case tt.want == 0 && len(got) != 0:
				t.Errorf("%g: want no finding, got %s", tt.v, got[0].Text())
			case tt.want != 0 && (len(got) != 1 || got[0].Expected != tt.want || got[0].Status != chiso.Fail):
				t.Errorf("%g: want one failure against %g, got %+v", tt.v, tt.want, got)
			case tt.want == 34 && !strings.Contains(got[0].Text(), "to rank 34"):
				t.Errorf("message does not give the bounds of the period: %s", got[0].Text())
			}
		})
	}
}
