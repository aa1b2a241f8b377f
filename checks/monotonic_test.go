package checks

import (
	"strings"
	"testing"

	"github.com/chiso-vn/chiso"
)

func TestMonotonic(t *testing.T) {
	tests := []struct {
		name   string
		params MonotonicParams
		obs    []chiso.Observation
		area   string
		period string // of the one decrease; empty: none
		skip   SkipReason
	}{
		{"rises", MonotonicParams{}, []chiso.Observation{ob("stations", "A1", "2023", 100, ""), ob("stations", "A1", "2024", 120, "")}, "A1", "", ""},
		{"falls", MonotonicParams{}, []chiso.Observation{ob("stations", "A1", "2023", 100, ""), ob("stations", "A1", "2024", 90, "")}, "A1", "2024", ""},
		{"nearly 1900 after over 1890: maybe a fall, indeterminate", MonotonicParams{},
			[]chiso.Observation{ob("stations", "A1", "2023", 1890, "over"), ob("stations", "A1", "2024", 1900, "nearly")}, "A1", "2024", ""},
		{"over 1.3 million after 1,320,000: maybe a fall, indeterminate", MonotonicParams{},
			[]chiso.Observation{ob("stations", "A1", "2023", 1320000, ""), ob("stations", "A1", "2024", 1300000, "over")}, "A1", "2024", ""},
		{"over 1.32 million after 1,320,000: no fall", MonotonicParams{},
			[]chiso.Observation{ob("stations", "A1", "2023", 1320000, ""), ob("stations", "A1", "2024", 1320000, "over")}, "A1", "", ""},
		{"nearly 1800 after over 1890: certainly a fall", MonotonicParams{},
			[]chiso.Observation{ob("stations", "A1", "2023", 1890, "over"), ob("stations", "A1", "2024", 1690, "nearly")}, "A1", "2024", ""},
		{"fall within tolerance", MonotonicParams{Tolerance: ptr(0.02)},
			[]chiso.Observation{ob("stations", "A1", "2023", 1000, ""), ob("stations", "A1", "2024", 990, "")}, "A1", "", ""},
		{"H1 after a year is no fall", MonotonicParams{},
			[]chiso.Observation{ob("stations", "A1", "2023", 1000, ""), ob("stations", "A1", "2024-H1", 500, "")}, "A1", "", SkipTooLittleHistory},
		{"merged area above its predecessors' sum", MonotonicParams{},
			[]chiso.Observation{ob("stations", "PT", "2024", 100, ""), ob("stations", "VP", "2024", 100, ""), ob("stations", "HB", "2024", 100, ""), ob("stations", "PT25", "2025", 310, "")},
			"PT25", "", ""},
		{"merged area below its predecessors' sum", MonotonicParams{},
			[]chiso.Observation{ob("stations", "PT", "2024", 100, ""), ob("stations", "VP", "2024", 100, ""), ob("stations", "HB", "2024", 100, ""), ob("stations", "PT25", "2025", 150, "")},
			"PT25", "2025", ""},
		{"merged area above the old province alone is not compared with it", MonotonicParams{},
			[]chiso.Observation{ob("stations", "PT", "2024", 100, ""), ob("stations", "PT25", "2025", 150, "")},
			"PT25", "", SkipLineageIncomplete},
		{"across methods", MonotonicParams{},
			[]chiso.Observation{ob("stations", "A1", "2023", 100, ""), withMethod(ob("stations", "A1", "2024", 50, ""), "sites")}, "A1", "", SkipMethodChanged},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := synthEnv(tt.obs...)
			got := evaluate(&tt.params, env, Scope{Indicators: []string{"stations"}, Areas: []string{tt.area}})
			if tt.skip != "" && env.Skips.Count(tt.skip) == 0 {
				t.Errorf("skip %s not counted: %v", tt.skip, env.Skips.Reasons())
			}
			if tt.period == "" {
				if len(got) != 0 {
					t.Fatalf("want no finding, got %+v", got)
				}
				return
			}
			if len(got) != 1 || got[0].Diagnosis != chiso.Decrease || got[0].Period.String() != tt.period {
				t.Fatalf("got %+v, want one decrease in %s", got, tt.period)
			}
			// A fall the qualifiers only allow is indeterminate.
			maybe := strings.Contains(tt.name, "indeterminate")
			if want := map[bool]chiso.Status{true: chiso.Indeterminate, false: chiso.Fail}[maybe]; got[0].Status != want {
				t.Errorf("status %s, want %s", got[0].Status, want)
			}
			if !strings.Contains(got[0].Text(), "cumulative") {
				t.Errorf("message %q", got[0].Text())
			}
		})
	}
}
