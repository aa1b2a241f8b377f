package engine

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/checks"
)

// task is one call of a check: a rule over part of its plan's scope.
type task struct {
	rule  int // position in the evaluation's rules
	scope checks.Scope
	// outputs
	findings runs
	skips    checks.Skips
	err      error
	took     time.Duration
}

// Evaluate evaluates the rules of a group ("" for every group) at now and
// returns their findings. Only the units whose data changed since a rule's
// last evaluation run again, except that a time-dependent check runs over
// its whole scope whenever now differs from its last run. A check that
// panics is reported in its RuleStats and the others go on; the error is
// for an unknown group or a cancelled context, in which case no cached
// findings change.
func (e *Engine) Evaluate(ctx context.Context, group string, now time.Time) (Result, error) {
	e.evalMu.Lock()
	defer e.evalMu.Unlock()
	e.mu.RLock()
	defer e.mu.RUnlock()
	states := e.selectRules(group)
	if group != "" && !e.groups[group] {
		return Result{}, fmt.Errorf("evaluate: unknown rule group %q", group)
	}
	plans := make([]plan, len(states))
	var tasks []*task
	for i, st := range states {
		plans[i] = e.plan(st, now)
		tasks = append(tasks, e.split(i, st, &plans[i])...)
	}
	if err := e.run(ctx, states, tasks, now); err != nil {
		return Result{}, err
	}
	return e.merge(states, plans, tasks, now), nil
}

// selectRules returns the rules of the group, or all; callers hold e.mu.
func (e *Engine) selectRules(group string) []*ruleState {
	var out []*ruleState
	for _, st := range e.rules {
		if group == "" || st.id.Group == group {
			out = append(out, st)
		}
	}
	slices.SortStableFunc(out, func(a, b *ruleState) int {
		if a.id.Group != b.id.Group {
			return strings.Compare(a.id.Group, b.id.Group)
		}
		return strings.Compare(a.id.Rule, b.id.Rule)
	})
	return out
}

// split cuts a plan into tasks that the workers share: by areas when there
// are many, else by indicators, whose units are independent too, except
// that an area-wise check needs all its indicators at once and a
// cross-sectional one all its areas.
func (e *Engine) split(i int, st *ruleState, p *plan) []*task {
	s := p.scope
	if p.empty() || len(s.Indicators) == 0 || len(s.Areas) == 0 {
		return nil
	}
	parts := 4 * e.opts.Workers
	if st.unit == checks.ByArea || (st.unit == checks.BySeries && len(s.Areas) >= minSplit) {
		parts = min(parts, max(1, len(s.Areas)/(minSplit/4)))
		return cut(i, s, parts, len(s.Areas), func(s *checks.Scope, lo, hi int) { s.Areas = s.Areas[lo:hi] })
	}
	parts = min(parts, len(s.Indicators))
	return cut(i, s, parts, len(s.Indicators), func(s *checks.Scope, lo, hi int) { s.Indicators = s.Indicators[lo:hi] })
}

// cut makes parts tasks of a scope whose n areas or indicators narrow
// divides between them.
func cut(i int, scope checks.Scope, parts, n int, narrow func(s *checks.Scope, lo, hi int)) []*task {
	out := make([]*task, 0, parts)
	for k := range parts {
		s := scope
		narrow(&s, k*n/parts, (k+1)*n/parts)
		out = append(out, &task{rule: i, scope: s})
	}
	return out
}

// minSplit is the number of areas below which a rule is one task.
const minSplit = 256

// run executes the tasks on the worker pool; it returns early when the
// context ends. Callers hold e.evalMu.
func (e *Engine) run(ctx context.Context, states []*ruleState, tasks []*task, now time.Time) error {
	env := checks.Env{Now: now, Location: e.opts.Location, Lang: e.opts.Lang}
	next := make(chan *task)
	var wg sync.WaitGroup
	for k := range min(e.opts.Workers, len(tasks)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := &e.buffers[k] // the checks' findings, before runTask keeps them compactly
			for t := range next {
				env := env
				env.Data, env.Skips, env.Buffer = e.checksData(), &t.skips, buf
				runTask(states[t.rule], t, env)
			}
		}()
	}
	var err error
	for _, t := range tasks {
		if err = ctx.Err(); err != nil {
			break
		}
		next <- t
	}
	close(next)
	wg.Wait()
	if err != nil {
		return fmt.Errorf("evaluate: %w", err)
	}
	return nil
}

// runTask calls the check, turning a panic into the task's error, and
// keeps its findings compactly, with what the engine owns of them: the
// batches the check emits as it goes (checks.Env.Emit) and the findings it
// returns, each sorted and a run of its own when they follow each other,
// else all sorted into one. The findings the check returns are cleared,
// and so is what it wrote into env.Buffer before outgrowing it; the larger
// of the two (up to maxBuffer) becomes env.Buffer for the worker's next
// task.
func runTask(st *ruleState, t *task, env checks.Env) {
	start := time.Now()
	defer func() {
		t.took = time.Since(start)
		if r := recover(); r != nil {
			t.findings, t.err = runs{}, fmt.Errorf("check %s panicked: %v", st.rule.Check, r)
			if env.Buffer != nil { // the check may have written into it
				clear((*env.Buffer)[:cap(*env.Buffer)])
			}
		}
	}()
	h := st.head()
	ordered := true
	keep := func(fs []chiso.Finding) {
		if !sortedFindings(fs) {
			sortFindings(fs)
		}
		ordered = ordered && t.findings.precede(fs)
		t.findings.add(compact(fs, h))
	}
	env.Emit = func(batch []chiso.Finding) {
		keep(batch)
		clear(batch)
	}
	fs, err := st.eval.Evaluate(env, t.scope)
	if err != nil {
		// A check that could not run found nothing: its rule failed, and
		// whatever it wrote is dropped as after a panic.
		t.findings, t.err = runs{}, fmt.Errorf("check %s: %w", st.rule.Check, err)
		clear(fs)
		if env.Buffer != nil {
			clear((*env.Buffer)[:cap(*env.Buffer)])
		}
		return
	}
	keep(fs)
	if !ordered {
		all := make([]chiso.Finding, 0, t.findings.n)
		for _, r := range t.findings.runs {
			all = r.appendTo(all)
		}
		sortFindings(all)
		t.findings = runs{}
		t.findings.add(compact(all, h))
	}
	if env.Buffer != nil {
		buf := *env.Buffer
		clear(fs)
		if !sameArray(fs, buf) { // the check outgrew the buffer, having filled it first
			clear(buf[:min(len(fs), cap(buf))])
		}
		if cap(fs) > cap(buf) && cap(fs) <= maxBuffer {
			*env.Buffer = fs[:0]
		}
	}
}

// sameArray reports whether two slices start at the same element.
func sameArray(a, b []chiso.Finding) bool {
	return cap(a) > 0 && cap(b) > 0 && &a[:1][0] == &b[:1][0]
}

// maxBuffer is the most findings a worker's buffer keeps room for between
// evaluations (about 30 MB); a check that returns more allocates them.
const maxBuffer = 1 << 17

// merge folds the tasks' findings into each rule's cache and returns the
// result of the evaluation; callers hold e.evalMu.
func (e *Engine) merge(states []*ruleState, plans []plan, tasks []*task, now time.Time) Result {
	byRule := make([][]*task, len(states))
	for _, t := range tasks {
		byRule[t.rule] = append(byRule[t.rule], t)
	}
	res := Result{PerRule: make(map[RuleID]RuleStats, len(states))}
	for i, st := range states {
		p := &plans[i]
		stats, fresh := collect(p, byRule[i])
		covered := 0 // of the rule's last findings, those the plan evaluates again
		if p.full || p.units > 0 {
			covered = st.coveredCount(p)
		}
		if n := st.findings.n - covered + fresh.n; stats.Err == nil && st.limit > 0 && n > st.limit {
			stats.Err = fmt.Errorf("%d findings, over the group's limit of %d", n, st.limit)
		}
		// A rule that failed keeps the findings of its last evaluation, as
		// Prometheus keeps a failing rule's alerts: what it found is not
		// known to be gone. It runs in full next time (valid is false).
		switch {
		case stats.Err != nil:
		case p.full:
			st.findings = fromRuns(fresh)
			st.fullParts = len(st.findings.parts)
		case fresh.n > 0 || covered > 0:
			st.findings = st.update(p, fresh)
		}
		st.valid, st.seen, st.lastNow = stats.Err == nil, p.logEnd, now
		stats.Findings = st.findings.n
		res.PerRule[st.id] = stats
	}
	res.Findings = concat(states)
	return res
}

// runs are a rule's new findings as its tasks left them: each run sorted,
// n in all.
type runs struct {
	runs []part
	n    int
}

// add appends a run; empty ones are left out.
func (rs *runs) add(p part) {
	if n := len(p.recs); n > 0 {
		rs.runs = append(rs.runs, p)
		rs.n += n
	}
}

// precede reports whether the runs may come before fs, sorted findings of
// the same rule: fs is empty or its first finding does not sort before
// their last.
func (rs *runs) precede(fs []chiso.Finding) bool {
	if len(rs.runs) == 0 || len(fs) == 0 {
		return true
	}
	r := rs.runs[len(rs.runs)-1]
	last := r.finding(len(r.recs) - 1)
	return !lessInRule(&fs[0], &last)
}

// collect gathers a rule's tasks: its statistics and its new findings.
func collect(p *plan, tasks []*task) (stats RuleStats, fresh runs) {
	stats = RuleStats{Evaluated: p.units, NotEvaluated: p.total - p.units}
	for _, t := range tasks {
		stats.Duration += t.took
		if t.err != nil && stats.Err == nil {
			stats.Err = t.err
		}
		for _, r := range t.findings.runs {
			fresh.add(r)
		}
		for _, r := range t.skips.Reasons() {
			if stats.Skipped == nil {
				stats.Skipped = map[checks.SkipReason]int{}
			}
			stats.Skipped[r] += t.skips.Count(r)
		}
	}
	return stats, fresh
}

// mergeInto appends to out the merge of two sorted runs of findings,
// leaving out those of old that keep rejects.
func mergeInto(out, old, fresh []chiso.Finding, keep func(*chiso.Finding) bool) []chiso.Finding {
	j := 0
	for i := range old {
		if !keep(&old[i]) {
			continue
		}
		for j < len(fresh) && lessFinding(&fresh[j], &old[i]) {
			out = append(out, fresh[j])
			j++
		}
		out = append(out, old[i])
	}
	return append(out, fresh[j:]...)
}

// lessFloat orders numbers with NaN first.
func lessFloat(a, b float64) (less, differ bool) {
	an, bn := math.IsNaN(a), math.IsNaN(b)
	switch {
	case an || bn:
		return an && !bn, an != bn
	case a != b:
		return a < b, true
	}
	return false, false
}
