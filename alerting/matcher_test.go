package alerting

import (
	"strings"
	"testing"
)

func TestMatcherSemantics(t *testing.T) {
	labels := map[string]string{"area": "PT", "severity": "critical", "team": ""}
	tests := []struct {
		matcher string
		want    bool
	}{
		{`area="PT"`, true},
		{`area="pt"`, false},
		{`area!="PT"`, false},
		{`area!="VP"`, true},
		{`area=~"PT|VP"`, true},
		{`area=~"P"`, false}, // anchored: a prefix is not enough
		{`area=~"P."`, true},
		{`area!~"P."`, false},
		{`area!~"VP"`, true},
		{`missing=""`, true}, // a missing label is the empty string
		{`missing!=""`, false},
		{`missing=~".*"`, true},
		{`missing=~".+"`, false},
		{`team=""`, true},
		{`severity = critical`, true}, // bare values and spaces
		{`severity=~"crit.*"`, true},
	}
	for _, tt := range tests {
		m, err := ParseMatcher(tt.matcher)
		if err != nil {
			t.Fatalf("ParseMatcher(%q): %v", tt.matcher, err)
		}
		if got := m.Matches(labels); got != tt.want {
			t.Errorf("%s matches %v = %v, want %v", tt.matcher, labels, got, tt.want)
		}
	}
}

func TestParseMatcherErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{`="x"`, "want a label name first"},
		{`area`, "want =, !=, =~ or !~ after area"},
		{`area=~"("`, "invalid regular expression"},
		{`area="PT`, "bad quoted value"},
		{`area=P"T`, "unbalanced quote"},
		{`area<"PT"`, "want =, !=, =~ or !~"},
	}
	for _, tt := range tests {
		_, err := ParseMatcher(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseMatcher(%q) = %v, want an error containing %q", tt.in, err, tt.want)
		}
	}
}

func TestParseMatchersListsEveryProblem(t *testing.T) {
	ms, err := ParseMatchers(`{severity="critical", area=~"PT|VP", note="a, b"}`)
	if err != nil {
		t.Fatal(err)
	}
	if got := ms.String(); got != `{severity="critical", area=~"PT|VP", note="a, b"}` {
		t.Errorf("round trip = %s", got)
	}
	_, err = ParseMatchers(`a=~"(", ="x", ok="1"`)
	if err == nil || !strings.Contains(err.Error(), "invalid regular expression") || !strings.Contains(err.Error(), "label name first") {
		t.Errorf("want both problems, got %v", err)
	}
}

func FuzzParseMatchers(f *testing.F) {
	for _, s := range []string{`{a="b"}`, `a=~"x|y", b!="c"`, `a!~".*"`, `{`, `a="\"q\""`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ms, err := ParseMatchers(s)
		if err != nil {
			return
		}
		// What parses writes back to something that parses the same.
		again, err := ParseMatchers(ms.String())
		if err != nil {
			t.Fatalf("re-parse of %s (from %q): %v", ms, s, err)
		}
		if again.String() != ms.String() {
			t.Fatalf("round trip %q → %s → %s", s, ms, again)
		}
	})
}
