// Package engine evaluates rules against an in-memory, columnar index of
// every series' current observations. The index is loaded once from the
// store and kept current as observations arrive; findings are cached per
// rule and per unit of data (a series, an area, an indicator's period), so
// that after a change only the units that read it are evaluated again.
package engine

import (
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"sort"
	"sync"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/checks"
	"github.com/chiso-vn/chiso/rules"
)

// Options configure how findings are worded and calendars read.
type Options struct {
	// Lang is the language of messages, "vi" or "en"; empty means "vi".
	Lang string
	// Location is the time zone of calendars (due dates); nil means UTC.
	Location *time.Location
	// Workers is how many rules or parts of a rule are evaluated at once;
	// zero means GOMAXPROCS.
	Workers int
}

// RuleID names a rule: its group and its alert name.
type RuleID struct {
	Group, Rule string
}

// String returns group/rule.
func (id RuleID) String() string { return id.Group + "/" + id.Rule }

// MarshalText writes group/rule, so that RuleID can key a JSON object.
func (id RuleID) MarshalText() ([]byte, error) { return []byte(id.String()), nil }

// RuleStats says what one evaluation of one rule did.
type RuleStats struct {
	// Evaluated counts the units (series, areas or indicator periods, by
	// the check's checks.Unit) the check ran on.
	Evaluated int
	// NotEvaluated counts the units of the rule's scope whose cached
	// findings were reused because their data had not changed.
	NotEvaluated int
	// Findings counts the rule's findings after the evaluation.
	Findings int
	// Duration is the time spent evaluating the rule, summed over workers.
	Duration time.Duration
	// Skipped counts, by reason, the comparisons the check could not make
	// in the units it evaluated this time; nil when none.
	Skipped map[checks.SkipReason]int
	// Err is why the rule failed (its check panicked); nil when it ran.
	// A failed rule is evaluated in full next time.
	Err error
}

// Result is the outcome of an evaluation.
type Result struct {
	// Findings are those of the evaluated groups, sorted by group, rule,
	// area, indicator, period, diagnosis and message.
	Findings Findings
	// PerRule has one entry per evaluated rule.
	PerRule map[RuleID]RuleStats
}

// Engine evaluates rule groups over an index of the current observations.
// Its methods are safe for concurrent use; evaluations run one at a time,
// and an Add waits for a running evaluation to end.
type Engine struct {
	opts Options
	cat  *catalogue

	evalMu sync.Mutex   // one evaluation or rule swap at a time
	loadMu sync.Mutex   // one Load or Refresh at a time, so that lastID matches the index
	mu     sync.RWMutex // guards ix, log and rules: Add writes, Evaluate reads
	ix     *index
	log    changeLog
	rules  []*ruleState
	groups map[string]bool // names of the groups, even those without rules
	lastID int64           // highest store sequence number loaded
	// buffers are the workers' reusable slices for the findings of a
	// check; guarded by evalMu.
	buffers [][]chiso.Finding
}

// New returns an engine for the catalogue and rule groups, with an empty
// index. It returns every problem with the rules at once.
func New(cat *chiso.Catalogue, groups []rules.Group, opts Options) (*Engine, error) {
	if cat == nil {
		cat = &chiso.Catalogue{}
	}
	if opts.Lang == "" {
		opts.Lang = "vi"
	}
	if opts.Location == nil {
		opts.Location = time.UTC
	}
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	e := &Engine{opts: opts, cat: newCatalogue(cat), ix: newIndex(), buffers: make([][]chiso.Finding, opts.Workers)}
	states, err := e.compile(groups, nil)
	if err != nil {
		return nil, err
	}
	e.rules, e.groups = states, groupNames(groups)
	return e, nil
}

// SetRules replaces the rule groups, keeping the index. A rule whose group,
// name, check, indicators, areas, severity and parameters are unchanged
// keeps its cached findings. On an error nothing changes.
func (e *Engine) SetRules(groups []rules.Group) error {
	e.evalMu.Lock()
	defer e.evalMu.Unlock()
	e.mu.RLock()
	old := e.rules
	e.mu.RUnlock()
	states, err := e.compile(groups, old)
	if err != nil {
		return err
	}
	e.mu.Lock()
	e.rules, e.groups = states, groupNames(groups)
	e.mu.Unlock()
	return nil
}

func groupNames(groups []rules.Group) map[string]bool {
	m := make(map[string]bool, len(groups))
	for _, g := range groups {
		m[g.Name] = true
	}
	return m
}

// compile resolves every rule into its evaluation state, reusing the state
// of an unchanged rule among old.
func (e *Engine) compile(groups []rules.Group, old []*ruleState) ([]*ruleState, error) {
	prev := map[RuleID]*ruleState{}
	for _, st := range old {
		prev[st.id] = st
	}
	var states []*ruleState
	var errs []error
	seen := map[RuleID]bool{}
	for _, g := range groups {
		for _, r := range g.Rules {
			id := RuleID{Group: g.Name, Rule: r.Alert}
			if seen[id] {
				errs = append(errs, fmt.Errorf("%s: rule %q defined twice in group %q", position(r.Pos), r.Alert, g.Name))
				continue
			}
			seen[id] = true
			if p, ok := prev[id]; ok && sameRule(p.rule, r) {
				states = append(states, p)
				continue
			}
			st, err := e.newRuleState(id, r)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			states = append(states, st)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	limits := make(map[string]int, len(groups))
	for _, g := range groups {
		limits[g.Name] = g.Limit
	}
	for _, st := range states {
		st.limit = limits[st.id.Group]
	}
	return states, nil
}

func position(p rules.Position) string {
	if p.File == "" {
		return "rule"
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Column)
}

// sameRule reports whether two versions of a rule produce the same
// findings: labels, annotations and alerting durations do not matter.
func sameRule(a, b rules.Rule) bool {
	return a.Check == b.Check && a.Severity == b.Severity &&
		reflect.DeepEqual(a.Indicators, b.Indicators) && reflect.DeepEqual(a.Areas, b.Areas) &&
		sameParams(a.Params, b.Params)
}

// sameParams reports whether two rules' parameters are the same as
// written: their exported fields. What Prepare made of them is left out
// (a compiled expression holds functions, never deeply equal).
func sameParams(a, b checks.Params) bool {
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	if !va.IsValid() || !vb.IsValid() || va.Type() != vb.Type() {
		return !va.IsValid() && !vb.IsValid()
	}
	for va.Kind() == reflect.Pointer {
		if va.IsNil() || vb.IsNil() {
			return va.IsNil() == vb.IsNil()
		}
		va, vb = va.Elem(), vb.Elem()
	}
	if va.Kind() != reflect.Struct {
		return reflect.DeepEqual(a, b)
	}
	for i := range va.NumField() {
		if va.Type().Field(i).IsExported() && !reflect.DeepEqual(va.Field(i).Interface(), vb.Field(i).Interface()) {
			return false
		}
	}
	return true
}

// sortFindings orders findings deterministically.
func sortFindings(fs []chiso.Finding) {
	sort.Slice(fs, func(i, j int) bool { return lessFinding(&fs[i], &fs[j]) })
}

// sortedFindings reports whether findings are in lessFinding order.
func sortedFindings(fs []chiso.Finding) bool {
	for i := 1; i < len(fs); i++ {
		if lessFinding(&fs[i], &fs[i-1]) {
			return false
		}
	}
	return true
}

func lessFinding(a, b *chiso.Finding) bool {
	if a.Group != b.Group {
		return a.Group < b.Group
	}
	if a.Rule != b.Rule {
		return a.Rule < b.Rule
	}
	return lessInRule(a, b)
}

// lessInRule is lessFinding for findings of one rule, whose group and rule
// fields it does not read.
func lessInRule(a, b *chiso.Finding) bool {
	if a.Area != b.Area {
		return a.Area < b.Area
	}
	if a.Indicator != b.Indicator {
		return a.Indicator < b.Indicator
	}
	if a.Period != b.Period {
		return a.Period.Compare(b.Period) < 0
	}
	if a.Diagnosis != b.Diagnosis {
		return a.Diagnosis < b.Diagnosis
	}
	if at, bt := a.Text(), b.Text(); at != bt {
		return at < bt
	}
	return lessDetail(a, b)
}

// lessDetail breaks the ties lessFinding leaves, so that the order is the
// same however the findings were computed.
func lessDetail(a, b *chiso.Finding) bool {
	if a.Status != b.Status {
		return a.Status < b.Status
	}
	if less, differ := lessFloat(a.Value, b.Value); differ {
		return less
	}
	if less, differ := lessFloat(a.Expected, b.Expected); differ {
		return less
	}
	if a.Source != b.Source {
		return a.Source < b.Source
	}
	return a.DataID < b.DataID
}

// checksData returns a view for one task; callers hold e.mu for reading.
func (e *Engine) checksData() checks.Data { return &view{cat: e.cat, ix: e.ix} }
