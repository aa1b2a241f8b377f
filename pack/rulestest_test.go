package pack

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/chiso-vn/chiso/rules/ruletest"
)

// TestRuleFiles runs every tests/*.yaml, as chiso test does: each case's
// findings must be exactly those listed.
func TestRuleFiles(t *testing.T) {
	names, err := filepath.Glob("tests/*.yaml")
	if err != nil || len(names) == 0 {
		t.Fatalf("no rule tests: %v", err)
	}
	for _, name := range names {
		res, err := ruletest.RunFile(context.Background(), name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		for _, r := range res.Results {
			if r.Err != nil {
				t.Errorf("%s: %s: %v", name, r.Name, r.Err)
			}
			for _, m := range r.Missing {
				t.Errorf("%s: %s: missing %s", name, r.Name, m)
			}
			for _, f := range r.Unexpected {
				t.Errorf("%s: %s: unexpected %s: %s", name, r.Name, ruletest.FormatFinding(f), f.Text())
			}
		}
	}
}
