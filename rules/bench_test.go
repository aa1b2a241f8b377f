package rules

import (
	"fmt"
	"strings"
	"testing"
)

// bigRuleFile returns a rule file of groups×rules rules with parameters
// and annotation templates.
func bigRuleFile(groups, rules int) []byte {
	var b strings.Builder
	b.WriteString("groups:\n")
	for g := 0; g < groups; g++ {
		fmt.Fprintf(&b, "  - name: group%d\n    schedule: \"%d 7 * * *\"\n    labels: {team: t%d}\n    rules:\n", g, g%60, g)
		for r := 0; r < rules; r++ {
			fmt.Fprintf(&b, "      - alert: Rule%d\n        check: t_bounds\n        indicator: bts_stations\n"+
				"        areas: {level: province}\n        for: 1h\n        min: 0\n        max: %d\n        bands: {low: 1, high: 4}\n"+
				"        annotations:\n          summary: \"{{ .Area.Name }}: {{ .Value }} ({{ .Period }})\"\n", r, 100+r)
		}
	}
	return []byte(b.String())
}

// BenchmarkParse parses a file of 1,000 rules.
func BenchmarkParse(b *testing.B) {
	src := bigRuleFile(50, 20)
	cat := testCatalogue()
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("big.yaml", src, cat); err != nil {
			b.Fatal(err)
		}
	}
}
