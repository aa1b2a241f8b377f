package ruletest

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/rules"
)

// TestRunFile runs a test file whose expectations hold.
func TestRunFile(t *testing.T) {
	res, err := RunFile(context.Background(), "testdata/rules_test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		name     string
		findings int
	}{{"revenue of Vĩnh Phúc", 2}, {"a unit slip is not a jump", 1}, {"shares and targets", 3}, {"only the range rule", 1}}
	if len(res.Results) != len(want) || !res.Passed() {
		t.Fatalf("results: %+v", res.Results)
	}
	for i, w := range want {
		if r := res.Results[i]; r.Name != w.name || r.Findings != w.findings || !r.Passed() {
			t.Errorf("test %d: %+v, want %s with %d findings", i, r, w.name, w.findings)
		}
	}
}

// TestRunFileFailing reports what is missing and what is unexpected.
func TestRunFileFailing(t *testing.T) {
	res, err := RunFile(context.Background(), "testdata/failing_test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Results) != 1 || res.Passed() {
		t.Fatalf("results: %+v", res.Results)
	}
	r := res.Results[0]
	var got []string
	for _, m := range r.Missing {
		got = append(got, "missing "+m.String())
	}
	for _, u := range r.Unexpected {
		got = append(got, "unexpected "+FormatFinding(u))
	}
	want := []string{
		`missing {rule: ShareOutOfRange, diagnosis: out_of_range, area: PT, indicator: village_mobile_broadband_coverage, period: "2023", status: fail, severity: critical}`,
		`missing {rule: ShareOutOfRange, diagnosis: out_of_range, area: PT, indicator: village_mobile_broadband_coverage, period: "2025", status: fail, severity: critical, message: "no such text"}`,
		`unexpected {rule: ShareOutOfRange, diagnosis: out_of_range, area: PT, indicator: village_mobile_broadband_coverage, period: "2025", status: fail, severity: critical}  # Villages covered by mobile broadband in Phú Thọ, 2025: 102% is impossible`,
	}
	if len(got) != len(want) {
		t.Fatalf("got:\n%s", strings.Join(got, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("line %d:\n%s\nwant prefix\n%s", i, got[i], want[i])
		}
	}
}

// TestRunFileErrors lists the problems of rule files and input series at
// once, with the rule files' paths from the test file's folder.
func TestRunFileErrors(t *testing.T) {
	_, err := RunFile(context.Background(), "testdata/unknown_test.yaml")
	var list rules.ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("err = %v", err)
	}
	want := `testdata/broken/bad.yaml:7:20: group "plausibility" rule "X": unknown indicator "nope"
testdata/unknown_test.yaml:5:13: series: unknown indicator "no_such_indicator"
testdata/unknown_test.yaml:7:13: series: unknown area "ZZ"`
	if err.Error() != want {
		t.Errorf("got\n%v\nwant\n%s", err, want)
	}
	_, err = RunFile(context.Background(), "testdata/none_test.yaml")
	if err == nil || !strings.Contains(err.Error(), "read test file") {
		t.Errorf("missing file: %v", err)
	}
}

// TestCheckSeries reports unknown indicators and areas at their values.
func TestCheckSeries(t *testing.T) {
	src := "rule_files: [x]\nevaluation_time: 2026-11-23T07:00:00+07:00\ninput_observations:\n" +
		"  - series: no_such_indicator{area=\"PT\"}\n    values: 2024=1\n" +
		"  - series: bts_stations{area=\"ZZ\"}\n    values: 2024=1 2025=2\n"
	f, err := Parse("t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	cat := &chiso.Catalogue{Indicators: []chiso.Indicator{{Code: "bts_stations"}}, Areas: []chiso.Area{{Code: "PT"}}}
	want := "t.yaml:5:13: series: unknown indicator \"no_such_indicator\"\nt.yaml:7:13: series: unknown area \"ZZ\""
	if err := checkSeries(f, cat); err == nil || err.Error() != want {
		t.Errorf("got\n%v\nwant\n%s", err, want)
	}
}

// TestRunFS runs a test file from a file system, rule files beside it.
func TestRunFS(t *testing.T) {
	rulesSrc, err := os.ReadFile("testdata/rules/plausibility.yaml")
	if err != nil {
		t.Fatal(err)
	}
	testSrc := "rule_files: [../plausibility.yaml]\nlang: en\nevaluation_time: 2026-11-23T07:00:00+07:00\n" +
		"input_observations:\n  - series: online_dossier_rate{area=\"PT\"}\n    values: 2024=120\n" +
		"expected_findings:\n  - {rule: ShareOutOfRange, diagnosis: out_of_range, area: PT, indicator: online_dossier_rate, period: \"2024\"}\n"
	fsys := fstest.MapFS{"pack/plausibility.yaml": {Data: rulesSrc}, "pack/tests/plausibility.yaml": {Data: []byte(testSrc)}}
	res, err := RunFS(context.Background(), fsys, "pack/tests/plausibility.yaml")
	if err != nil || !res.Passed() || len(res.Results) != 1 || res.Results[0].Findings != 1 {
		t.Errorf("RunFS = %+v, %v", res, err)
	}
	if _, err := RunFS(context.Background(), fsys, "pack/none_test.yaml"); err == nil {
		t.Error("missing file: no error")
	}
}

// TestOnlyRules keeps the named rules' findings and refuses unknown names.
func TestOnlyRules(t *testing.T) {
	groups := []rules.Group{{Name: "g", Rules: []rules.Rule{{Alert: "A"}, {Alert: "B"}}}}
	fs := []chiso.Finding{{Rule: "A"}, {Rule: "B"}, {Rule: "A"}}
	for _, tc := range []struct {
		names []string
		want  int
		err   string
	}{
		{nil, 3, ""},
		{[]string{"A"}, 2, ""},
		{[]string{"B", "A"}, 3, ""},
		{[]string{"C"}, 0, `no rule named "C"`},
	} {
		got, err := onlyRules(fs, tc.names, groups)
		if len(got) != tc.want || (err == nil) != (tc.err == "") || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("%v: %d findings, %v", tc.names, len(got), err)
		}
	}
}

// TestRunFileAbsoluteRuleFiles reads rule_files given as absolute paths
// from a test file elsewhere.
func TestRunFileAbsoluteRuleFiles(t *testing.T) {
	src, err := os.ReadFile("testdata/rules_test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	abs, err := filepath.Abs("testdata/rules/plausibility.yaml")
	if err != nil {
		t.Fatal(err)
	}
	moved := strings.Replace(string(src), "rule_files: [rules/plausibility.yaml]", "rule_files: ["+abs+"]", 1)
	if moved == string(src) {
		t.Fatal("the test file no longer names rules/plausibility.yaml")
	}
	path := filepath.Join(t.TempDir(), "moved_test.yaml")
	if err := os.WriteFile(path, []byte(moved), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := RunFile(context.Background(), path)
	if err != nil || !res.Passed() {
		t.Fatalf("RunFile = %+v, %v", res, err)
	}
}
