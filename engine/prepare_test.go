package engine

import (
	"errors"
	"fmt"
	"testing"

	"github.com/chiso-vn/chiso/checks"
	"github.com/chiso-vn/chiso/rules"
)

// consistencyRule loads one group with a consistency rule as a rule file
// would be loaded, its parameters prepared.
func consistencyRule(t *testing.T, expr string) []rules.Group {
	t.Helper()
	src := fmt.Sprintf("groups:\n  - name: g\n    schedule: \"@daily\"\n    rules:\n"+
		"      - {alert: Ordered, check: consistency, severity: warning, expr: %q}\n", expr)
	groups, err := rules.Parse("c.yaml", []byte(src), testCatalogue())
	if err != nil {
		t.Fatal(err)
	}
	return groups
}

// TestReloadUsesTheNewExpression: after a reload that changes a
// consistency rule's expression, the rule judges by the new one.
func TestReloadUsesTheNewExpression(t *testing.T) {
	e := newEngine(t, consistencyRule(t, "a <= b"))
	e.Add(obs("a", "Q1", "2024", 500, 1, 1), obs("b", "Q1", "2024", 5, 1, 2))
	if res := evaluate(t, e, "", now); res.Findings.Len() != 1 {
		t.Fatalf("a <= b: %d findings, want 1%s", res.Findings.Len(), dump(res.Findings))
	}
	if err := e.SetRules(consistencyRule(t, "b <= a")); err != nil {
		t.Fatal(err)
	}
	if res := evaluate(t, e, "", now); res.Findings.Len() != 0 {
		t.Fatalf("b <= a after the reload: %d findings, want none%s", res.Findings.Len(), dump(res.Findings))
	}
}

// TestReloadKeepsAnUnchangedConsistencyRule: a reload that leaves a
// consistency rule as written keeps its findings, though its parameters
// were prepared again (their compiled expression is a new one).
func TestReloadKeepsAnUnchangedConsistencyRule(t *testing.T) {
	e := newEngine(t, consistencyRule(t, "a <= b"))
	e.Add(obs("a", "Q1", "2024", 500, 1, 1), obs("b", "Q1", "2024", 5, 1, 2))
	evaluate(t, e, "", now)
	if err := e.SetRules(consistencyRule(t, "a <= b")); err != nil {
		t.Fatal(err)
	}
	res := evaluate(t, e, "", now)
	if s := res.PerRule[RuleID{"g", "Ordered"}]; s.Evaluated != 0 || s.Findings != 1 {
		t.Errorf("unchanged rule: %+v, want its cached finding kept", s)
	}
}

// TestUnpreparedRuleFails: parameters built by hand and never prepared
// make their rule fail, never report no findings.
func TestUnpreparedRuleFails(t *testing.T) {
	for _, params := range []checks.Params{&checks.ConsistencyParams{Expr: "a <= b"}, &checks.FreshnessParams{}} {
		r := rules.Rule{Alert: "Unprepared", Check: "c", Indicators: []string{"a", "b"}, Params: params}
		e := newEngine(t, []rules.Group{{Name: "g", Rules: []rules.Rule{r}}})
		e.Add(obs("a", "Q1", "2024", 500, 1, 1), obs("b", "Q1", "2024", 5, 1, 2))
		res := evaluate(t, e, "", now)
		var ue *checks.UnpreparedError
		if err := res.PerRule[RuleID{"g", "Unprepared"}].Err; !errors.As(err, &ue) {
			t.Errorf("%T: rule error %v, want the parameters named unprepared", params, err)
		}
	}
}
