package checks

import (
	"strings"
	"testing"

	"github.com/chiso-vn/chiso"
)

func TestScale(t *testing.T) {
	tests := []struct {
		name   string
		params ScaleParams
		obs    []chiso.Observation
		area   string
		lang   string
		msg    string // empty: no finding
	}{
		{"tỷ written for nghìn tỷ", ScaleParams{}, []chiso.Observation{ob("revenue", "A1", "2023", 3500, ""), ob("revenue", "A1", "2024", 3.6, "")},
			"A1", "vi", "“tỷ” ghi nhầm thay cho “nghìn tỷ”"},
		{"×1000 in English", ScaleParams{}, []chiso.Observation{ob("revenue", "A1", "2023", 3.5, ""), ob("revenue", "A1", "2024", 3600, "")},
			"A1", "en", "trillion written for billion in this figure"},
		{"×1,000,000", ScaleParams{}, []chiso.Observation{ob("stations", "A1", "2023", 2, ""), ob("stations", "A1", "2024", 2100000, "")},
			"A1", "en", "millions written for units"},
		{"percent written as a fraction", ScaleParams{}, []chiso.Observation{ob("rate", "A1", "2023", 0.85, ""), ob("rate", "A1", "2024", 86, "")},
			"A1", "en", "fraction instead of a percent"},
		{"×100 on a count is growth", ScaleParams{}, []chiso.Observation{ob("stations", "A1", "2023", 1, ""), ob("stations", "A1", "2024", 100, "")},
			"A1", "en", ""},
		{"×1300 is outside the default tolerance", ScaleParams{}, []chiso.Observation{ob("revenue", "A1", "2023", 1, ""), ob("revenue", "A1", "2024", 1300, "")},
			"A1", "en", ""},
		{"×1300 inside a wider tolerance", ScaleParams{Tolerance: ptr(0.35)}, []chiso.Observation{ob("revenue", "A1", "2023", 1, ""), ob("revenue", "A1", "2024", 1300, "")},
			"A1", "en", "×1,300"},
		{"H1 not against the year", ScaleParams{}, []chiso.Observation{ob("revenue", "A1", "2022", 100000, ""), ob("revenue", "A1", "2023-H1", 100, "")},
			"A1", "en", ""},
		{"merged area against the predecessors' sum", ScaleParams{}, []chiso.Observation{ob("revenue", "PT", "2024", 2, ""), ob("revenue", "VP", "2024", 1, ""),
			ob("revenue", "HB", "2024", 1, ""), ob("revenue", "PT25", "2025", 4100, "")}, "PT25", "en", "the sum of PT, VP, HB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := synthEnv(tt.obs...)
			env.Lang = tt.lang
			got := tt.params.Evaluate(env, Scope{Indicators: []string{tt.obs[0].Indicator}, Areas: []string{tt.area}})
			if tt.msg == "" {
				if len(got) != 0 {
					t.Fatalf("want no finding, got %+v", got)
				}
				return
			}
			if len(got) != 1 || got[0].Diagnosis != chiso.UnitSlip || got[0].Status != chiso.Fail {
				t.Fatalf("got %+v, want one unit_slip", got)
			}
			if !strings.Contains(got[0].Text(), tt.msg) {
				t.Errorf("message %q lacks %q", got[0].Text(), tt.msg)
			}
			last := tt.obs[len(tt.obs)-1]
			if got[0].Period != last.Period || got[0].Value != last.Value {
				t.Errorf("finding is about %s %g, want %s %g", got[0].Period, got[0].Value, last.Period, last.Value)
			}
		})
	}
}

func TestScaleValidate(t *testing.T) {
	for _, tol := range []float64{0, 0.6, -1} {
		if errs := (&ScaleParams{Tolerance: ptr(tol)}).Validate(&chiso.Catalogue{}, oneIndicator); len(errs) != 1 {
			t.Errorf("tolerance %g: got %+v", tol, errs)
		}
	}
}
