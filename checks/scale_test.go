package checks

import (
	"math"
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
		period string // the figures blamed, in order, separated by commas; empty: the last one
		msg    string // empty: no finding
	}{
		{"tỷ written for nghìn tỷ, two figures", ScaleParams{}, []chiso.Observation{ob("revenue", "A1", "2023", 3500, ""), ob("revenue", "A1", "2024", 3.6, "")},
			"A1", "vi", "", "3,6 tỷ đồng có lẽ là 3.600 tỷ đồng (“tỷ” ghi nhầm thay cho “nghìn tỷ”), hoặc 3.500 tỷ đồng có lẽ là 3,5 tỷ đồng (“nghìn tỷ” ghi nhầm thay cho “tỷ”); chuỗi chưa đủ số liệu"},
		{"×1000 in English, two figures", ScaleParams{}, []chiso.Observation{ob("revenue", "A1", "2023", 3.5, ""), ob("revenue", "A1", "2024", 3600, "")},
			"A1", "en", "", "one of the two is probably a unit slip: 3,600 billion VND is probably 3.6 billion VND (trillion written for billion)"},
		{"×1,000,000", ScaleParams{}, []chiso.Observation{ob("stations", "A1", "2023", 2, ""), ob("stations", "A1", "2024", 2100000, "")},
			"A1", "en", "", "(millions written for units)"},
		{"a share written as a fraction is the figure below 1", ScaleParams{}, []chiso.Observation{ob("rate", "A1", "2023", 0.85, ""), ob("rate", "A1", "2024", 86, "")},
			"A1", "en", "2023", "probably 85% written as a fraction"},
		{"a fraction then correct years: on the fraction", ScaleParams{}, []chiso.Observation{ob("rate", "A1", "2022", 0.71, ""),
			ob("rate", "A1", "2023", 74, ""), ob("rate", "A1", "2024", 78, "")},
			"A1", "vi", "2022", "0,71% (năm 2022) chỉ bằng 1/104 của 74% (năm 2023), gần đúng 1/100 — có lẽ là 71% viết dưới dạng phân số"},
		{"×1000 then correct years: on the slip", ScaleParams{}, []chiso.Observation{ob("revenue", "A1", "2021", 3500000, ""),
			ob("revenue", "A1", "2022", 3600, ""), ob("revenue", "A1", "2023", 3700, "")},
			"A1", "en", "2021", "3,500,000 billion VND is probably 3,500 billion VND (trillion written for billion)"},
		{"a slip on the last figure after correct years", ScaleParams{}, []chiso.Observation{ob("revenue", "A1", "2021", 3500, ""),
			ob("revenue", "A1", "2022", 3600, ""), ob("revenue", "A1", "2023", 3.7, "")},
			"A1", "en", "2023", "3.7 billion VND is probably 3,700 billion VND (billion written for trillion)"},
		{"a slip between correct years is one finding", ScaleParams{}, []chiso.Observation{ob("revenue", "A1", "2021", 3500, ""),
			ob("revenue", "A1", "2022", 3600000, ""), ob("revenue", "A1", "2023", 3700, "")},
			"A1", "en", "2022", "3,600,000 billion VND (2022) is ×1,030 of 3,500 billion VND (2021)"},
		{"a slip in a growing series", ScaleParams{}, []chiso.Observation{ob("stations", "A1", "2019", 100, ""), ob("stations", "A1", "2020", 110, ""),
			ob("stations", "A1", "2021", 121000, ""), ob("stations", "A1", "2022", 133, ""), ob("stations", "A1", "2023", 146, ""),
			ob("stations", "A1", "2024", 161, ""), ob("stations", "A1", "2025", 177, "")},
			"A1", "en", "2021", "121,000 stations is probably 121 stations"},
		{"a correct month between two slips is not the spike", ScaleParams{},
			months("revenue", "A1", "2020-01", 4345876.83, 4403.2, 4460880, 4514.65, 4559.16, 4603.65, 4659.05),
			"A1", "en", "2020-01,2020-03", "4,345,876.83 billion VND is probably 4,345.88 billion VND"},
		{"a like period between two slips is not the spike", ScaleParams{},
			append(months("rate", "A1", "2020-01", 31800, 32.5, 33.1, 33.6, 34.5, 35.6, 36.3, 36.8, 37, 37.3, 37.6, 38),
				months("rate", "A1", "2021-01", 38.1, 38653.4, 38.7, 39)...),
			"A1", "en", "2020-01,2021-02", "31,800% is probably 31.8%"},
		{"a monthly slip in the first year, against the month before", ScaleParams{},
			months("stations", "A1", "2020-01", 100, 101, 102, 103000, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113),
			"A1", "en", "2020-04", "103,000 stations (April 2020) is ×1,010 of 102 stations (March 2020), close to ×1,000 — 103,000 stations is probably 103 stations (thousands written for units)"},
		{"a slip on a series' first month", ScaleParams{},
			months("revenue", "A1", "2020-01", 100000, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113),
			"A1", "en", "2020-01", "100,000 billion VND is probably 100 billion VND"},
		{"a monthly slip that a year's growth hides from the like period", ScaleParams{}, growing("revenue", "A1", 12, 1000),
			"A1", "en", "2021-01", "122,420 billion VND (January 2021) is ×1,020 of 120.37 billion VND (December 2020)"},
		{"a quarterly slip in the first year", ScaleParams{},
			[]chiso.Observation{ob("revenue", "A1", "2020-Q1", 100, ""), ob("revenue", "A1", "2020-Q2", 0.11, ""), ob("revenue", "A1", "2020-Q3", 120, ""),
				ob("revenue", "A1", "2020-Q4", 130, ""), ob("revenue", "A1", "2021-Q1", 110, "")},
			"A1", "en", "2020-Q2", "0.11 billion VND is probably 110 billion VND"},
		{"×100 on a count is growth", ScaleParams{}, []chiso.Observation{ob("stations", "A1", "2023", 1, ""), ob("stations", "A1", "2024", 100, "")},
			"A1", "en", "", ""},
		{"a monthly ×100 on a count is no slip", ScaleParams{}, months("stations", "A1", "2020-01", 1, 100, 101, 102), "A1", "en", "", ""},
		{"×1300 is outside the default tolerance", ScaleParams{}, []chiso.Observation{ob("revenue", "A1", "2023", 1, ""), ob("revenue", "A1", "2024", 1300, "")},
			"A1", "en", "", ""},
		{"×1300 inside a wider tolerance", ScaleParams{Tolerance: ptr(0.35)}, []chiso.Observation{ob("revenue", "A1", "2023", 1, ""), ob("revenue", "A1", "2024", 1300, "")},
			"A1", "en", "", "×1,300"},
		{"H1 not against the year", ScaleParams{}, []chiso.Observation{ob("revenue", "A1", "2022", 100000, ""), ob("revenue", "A1", "2023-H1", 100, "")},
			"A1", "en", "", ""},
		{"merged area against the predecessors' sum", ScaleParams{}, []chiso.Observation{ob("revenue", "PT", "2024", 2, ""), ob("revenue", "VP", "2024", 1, ""),
			ob("revenue", "HB", "2024", 1, ""), ob("revenue", "PT25", "2025", 4100, "")}, "PT25", "en", "", "the sum of PT, VP, HB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := synthEnv(tt.obs...)
			env.Lang = tt.lang
			got := evaluate(&tt.params, env, Scope{Indicators: []string{tt.obs[0].Indicator}, Areas: []string{tt.area}})
			if tt.msg == "" {
				if len(got) != 0 {
					t.Fatalf("want no finding, got %+v", got)
				}
				return
			}
			periods := strings.Split(tt.period, ",")
			if tt.period == "" {
				periods = []string{tt.obs[len(tt.obs)-1].Period.String()}
			}
			if len(got) != len(periods) {
				t.Fatalf("got %+v, want %d unit_slip", got, len(periods))
			}
			if !strings.Contains(got[0].Text(), tt.msg) {
				t.Errorf("message %q lacks %q", got[0].Text(), tt.msg)
			}
			for k, f := range got {
				if f.Diagnosis != chiso.UnitSlip || f.Status != chiso.Fail {
					t.Errorf("finding %d: %s %s, want a failed unit_slip", k, f.Diagnosis, f.Status)
				}
				if f.Period.String() != periods[k] {
					t.Errorf("finding %d is about %s %g, want %s", k, f.Period, f.Value, periods[k])
				}
			}
		})
	}
}

// growing returns 18 months from January 2020 of a series growing 1.7% a
// month (22% a year), month n (from 0) multiplied by factor.
func growing(ind, area string, n int, factor float64) []chiso.Observation {
	vs := make([]float64, 18)
	for k := range vs {
		vs[k] = math.Round(100*math.Pow(1.017, float64(k))*100) / 100
	}
	vs[n] *= factor
	return months(ind, area, "2020-01", vs...)
}

// TestChangeLeavesAHiddenSlip: a figure ×1,000 the month before it, whose
// ratio to the like period a year's growth takes beyond the tolerance, is
// the scale check's, not an implausible change.
func TestChangeLeavesAHiddenSlip(t *testing.T) {
	obs := growing("revenue", "A1", 12, 1000)
	env := synthEnv(obs...)
	got := evaluate((&ChangeParams{MaxIncrease: ptr(0.5), MaxDecrease: ptr(0.5)}), env, Scope{Indicators: []string{"revenue"}, Areas: []string{"A1"}})
	if len(got) != 0 {
		t.Fatalf("want no change finding, got %+v", got)
	}
	if env.Skips.Count(SkipUnitSlip) == 0 {
		t.Error("the slip was not counted as left to the scale check")
	}
}

// months returns the observations of consecutive months from the first.
func months(ind, area, first string, vs ...float64) []chiso.Observation {
	var out []chiso.Observation
	p := chiso.MustParsePeriod(first)
	for _, v := range vs {
		out = append(out, ob(ind, area, p.String(), v, ""))
		p = p.Next()
	}
	return out
}

func TestScaleValidate(t *testing.T) {
	for _, tol := range []float64{0, 0.6, -1} {
		if errs := (&ScaleParams{Tolerance: ptr(tol)}).Validate(&chiso.Catalogue{}, oneIndicator); len(errs) != 1 {
			t.Errorf("tolerance %g: got %+v", tol, errs)
		}
	}
}
