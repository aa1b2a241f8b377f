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
			got := tt.params.Evaluate(env, Scope{Indicators: []string{tt.ob.Indicator}, Areas: []string{"A1"}})
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
	got := (&RangeParams{}).Evaluate(env, Scope{Indicators: []string{"rate"}, Areas: []string{"A1"}})
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
