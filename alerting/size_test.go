package alerting

import (
	"regexp/syntax"
	"testing"
)

// TestRegexpSizeEstimatesTheProgram: the estimate, made without expanding
// repetitions, is never below the compiled program and close to it.
func TestRegexpSizeEstimatesTheProgram(t *testing.T) {
	for _, expr := range []string{"PT", "PT|VP|HN", "[a-z]{1000}", "(PT|VP){1000}", "(a|b)*c+d?", "x{2,5}", "x{3,}",
		"((a{10}){10}){10}", ".*Phú Thọ.*", "^(?:ab|cd)$", "", "(?i)hà nội", `\d{2,4}-\d+`} {
		got, err := regexpSize(expr, unlimited)
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		re, _ := syntax.Parse(expr, syntax.Perl)
		prog, err := syntax.Compile(re.Simplify())
		if err != nil {
			t.Fatal(err)
		}
		if real := len(prog.Inst); got < real || got > 2*real+8 {
			t.Errorf("%q: estimated %d instructions, compiled %d", expr, got, real)
		}
	}
}
