package ruletest

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/chiso-vn/chiso"
)

// Compare matches findings with expectations as a set and returns the
// expectations no finding meets and the findings no expectation names.
// Expectations with a message substring are matched first, so that a
// looser expectation does not take the finding a stricter one needs.
func Compare(want []Expected, got []chiso.Finding) (missing []Expected, unexpected []chiso.Finding) {
	order := make([]int, len(want))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return want[order[a]].Message != "" && want[order[b]].Message == "" })
	used := make([]bool, len(got))
	met := make([]bool, len(want))
	for _, i := range order {
		for j, f := range got {
			if !used[j] && want[i].Matches(f) {
				used[j], met[i] = true, true
				break
			}
		}
	}
	for i, ok := range met {
		if !ok {
			missing = append(missing, want[i])
		}
	}
	for j, ok := range used {
		if !ok {
			unexpected = append(unexpected, got[j])
		}
	}
	return missing, unexpected
}

// Matches reports whether the finding meets the expectation. An empty
// Severity matches any severity; Run fills it with the rule's first.
func (e Expected) Matches(f chiso.Finding) bool {
	return e.Rule == f.Rule && e.Diagnosis == f.Diagnosis && e.Area == f.Area && e.Indicator == f.Indicator &&
		e.Period == f.Period && e.Status == f.Status && (e.Severity == "" || e.Severity == f.Severity) &&
		strings.Contains(f.Text(), e.Message)
}

// String writes the expectation in the notation of expected_findings.
func (e Expected) String() string {
	s := entry(e.Rule, string(e.Diagnosis), e.Area, e.Indicator, e.Period, string(e.Status), string(e.Severity))
	if e.Message != "" {
		s = strings.TrimSuffix(s, "}") + ", message: " + strconv.Quote(e.Message) + "}"
	}
	return s
}

// FormatFinding writes a finding in the notation of expected_findings, so
// that it can be pasted into a test file, followed by its message.
func FormatFinding(f chiso.Finding) string {
	s := entry(f.Rule, string(f.Diagnosis), f.Area, f.Indicator, f.Period, string(f.Status), string(f.Severity))
	if msg := f.Text(); msg != "" {
		s += "  # " + strings.ReplaceAll(msg, "\n", " ")
	}
	return s
}

// entry writes the identifying fields as a YAML flow mapping.
func entry(rule, diag, area, ind string, p chiso.Period, status, sev string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "{rule: %s, diagnosis: %s", rule, diag)
	for _, kv := range [][2]string{{"area", area}, {"indicator", ind}} {
		if kv[1] != "" {
			fmt.Fprintf(&b, ", %s: %s", kv[0], kv[1])
		}
	}
	if !p.IsZero() {
		fmt.Fprintf(&b, ", period: %q", p.String())
	}
	fmt.Fprintf(&b, ", status: %s", status)
	if sev != "" {
		fmt.Fprintf(&b, ", severity: %s", sev)
	}
	b.WriteString("}")
	return b.String()
}
