package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// ruletestData is the ruletest package's test data, which holds passing,
// failing and broken test files.
var ruletestData = filepath.Join("..", "..", "rules", "ruletest", "testdata")

// TestTestPasses prints each test and the totals, and exits 0.
func TestTestPasses(t *testing.T) {
	file := filepath.Join(ruletestData, "rules_test.yaml")
	code, out, errs := runChiso(t, "test", file)
	want := file + `
  ok    revenue of Vĩnh Phúc (2 findings)
  ok    a unit slip is not a jump (1 finding)
  ok    shares and targets (3 findings)
  ok    only the range rule (1 finding)
4 tests in 1 file: OK
`
	if code != 0 || out != want || errs != "" {
		t.Errorf("exit %d\n%s\nwant\n%s\nstderr: %s", code, out, want, errs)
	}
}

// TestTestFails prints what is missing and unexpected, runs the other
// files, and exits 1.
func TestTestFails(t *testing.T) {
	failing := filepath.Join(ruletestData, "failing_test.yaml")
	broken := filepath.Join(ruletestData, "unknown_test.yaml")
	code, out, _ := runChiso(t, "test", failing, broken, filepath.Join(ruletestData, "rules_test.yaml"))
	for _, want := range []string{
		"  FAIL  main (" + failing + ":1)",
		`        missing:    {rule: ShareOutOfRange, diagnosis: out_of_range, area: PT, indicator: village_mobile_broadband_coverage, period: "2023", status: fail, severity: critical} (` + failing + ":9)",
		`        unexpected: {rule: ShareOutOfRange, diagnosis: out_of_range, area: PT, indicator: village_mobile_broadband_coverage, period: "2025", status: fail, severity: critical}  # `,
		broken + ": cannot run:\n  " + filepath.Join(ruletestData, "broken", "bad.yaml") + `:7:20: group "plausibility" rule "X": unknown indicator "nope"`,
		"  ok    shares and targets (3 findings)",
		"6 tests, 2 failed: FAILED",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks\n%s\ngot:\n%s", want, out)
		}
	}
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
}

// TestTestFlags refuses unknown flags.
func TestTestFlags(t *testing.T) {
	if code, _, errs := runChiso(t, "test", "--nope"); code != 2 || !strings.Contains(errs, "usage: chiso test") {
		t.Errorf("exit %d, %s", code, errs)
	}
}
