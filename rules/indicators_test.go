package rules

import (
	"slices"
	"testing"
)

func TestIndicatorsMatching(t *testing.T) {
	for _, tc := range []struct {
		sel  string
		want []string
	}{
		{"{kind: count}", []string{"bts_stations", "communes"}},
		{"{kind: count, except: [communes]}", []string{"bts_stations"}},
		{"{additive: true}", []string{"ict_revenue", "bts_stations", "communes"}},
		{"{additive: false}", []string{"village_mobile_broadband_coverage"}},
		{"{unit: billion_vnd}", []string{"ict_revenue"}},
	} {
		src := "groups:\n  - name: g\n    schedule: \"@daily\"\n    rules:\n      - alert: A\n        check: t_bounds\n        indicators_matching: " + tc.sel + "\n"
		groups, err := Parse("m.yaml", []byte(src), testCatalogue())
		if err != nil {
			t.Fatalf("%s: %v", tc.sel, err)
		}
		if got := groups[0].Rules[0].Indicators; !slices.Equal(got, tc.want) {
			t.Errorf("%s selects %v, want %v", tc.sel, got, tc.want)
		}
	}
}
