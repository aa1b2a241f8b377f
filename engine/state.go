package engine

import (
	"fmt"
	"slices"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/checks"
	"github.com/chiso-vn/chiso/rules"
)

// ruleState is a compiled rule with its cached findings.
type ruleState struct {
	id      RuleID
	rule    rules.Rule
	eval    checks.Evaluator
	unit    checks.Unit
	timeDep bool
	scope   checks.Scope    // the whole scope: indicators and areas, no periods
	inds    map[string]bool // scope.Indicators as a set
	areas   map[string]bool // scope.Areas as a set
	limit   int             // the group's limit on the rule's findings; 0: none

	// What the last evaluation left; written only during an evaluation.
	findings Findings // sorted by lessFinding
	// fullParts is how many parts the last full evaluation left (checks
	// that emit their findings in batches leave one per batch).
	fullParts int
	valid     bool      // findings cover the whole scope as of seen
	seen      uint64    // change-log position the findings account for
	lastNow   time.Time // the evaluation time of the last run
}

// head returns the fields the engine fills in of each of the rule's
// findings.
func (st *ruleState) head() head {
	return head{rule: st.id.Rule, group: st.id.Group, check: st.rule.Check, severity: st.rule.Severity}
}

// newRuleState resolves a rule's indicators and areas against the
// catalogue.
func (e *Engine) newRuleState(id RuleID, r rules.Rule) (*ruleState, error) {
	ev, ok := r.Params.(checks.Evaluator)
	if !ok {
		return nil, fmt.Errorf("%s: group %q rule %q: check %q cannot be evaluated (its parameters are %T)",
			position(r.Pos), id.Group, id.Rule, r.Check, r.Params)
	}
	inds := r.Reads()
	st := &ruleState{id: id, rule: r, eval: ev, unit: ev.Unit(), timeDep: ev.TimeDependent(),
		scope: checks.Scope{Indicators: inds, Areas: e.selectAreas(r.Areas)}}
	st.inds, st.areas = set(st.scope.Indicators), set(st.scope.Areas)
	return st, nil
}

// selectAreas returns the sorted codes of the catalogue's areas that the
// selector chooses.
func (e *Engine) selectAreas(sel rules.AreaSelector) []string {
	var codes []string
	if len(sel.Codes) > 0 {
		for _, c := range sel.Codes {
			if a, ok := e.cat.areas[c]; ok && matches(a, sel) {
				codes = append(codes, c)
			}
		}
	} else {
		for _, a := range e.cat.cat.Areas {
			if matches(a, sel) {
				codes = append(codes, a.Code)
			}
		}
	}
	slices.Sort(codes)
	return slices.Compact(codes)
}

func matches(a chiso.Area, sel rules.AreaSelector) bool {
	return (sel.Level == "" || a.Level == sel.Level) && (sel.Parent == "" || a.Parent == sel.Parent)
}

func set(xs []string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}
