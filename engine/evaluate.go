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
	findings []chiso.Finding
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
	return e.merge(group, states, plans, tasks, now), nil
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
// context ends.
func (e *Engine) run(ctx context.Context, states []*ruleState, tasks []*task, now time.Time) error {
	env := checks.Env{Now: now, Location: e.opts.Location, Lang: e.opts.Lang}
	next := make(chan *task)
	var wg sync.WaitGroup
	for range min(e.opts.Workers, len(tasks)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for t := range next {
				env := env
				env.Data, env.Skips = e.checksData(), &t.skips
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
// fills in what the engine owns of each finding.
func runTask(st *ruleState, t *task, env checks.Env) {
	start := time.Now()
	defer func() {
		t.took = time.Since(start)
		if r := recover(); r != nil {
			t.findings, t.err = nil, fmt.Errorf("check %s panicked: %v", st.rule.Check, r)
		}
	}()
	fs := st.eval.Evaluate(env, t.scope)
	for i := range fs {
		f := &fs[i]
		f.Rule, f.Group, f.Check, f.Severity = st.id.Rule, st.id.Group, st.rule.Check, st.rule.Severity
	}
	if !sortedFindings(fs) {
		sortFindings(fs)
	}
	t.findings = fs
}

// merge folds the tasks' findings into each rule's cache and returns the
// result of the evaluation; callers hold e.evalMu.
func (e *Engine) merge(group string, states []*ruleState, plans []plan, tasks []*task, now time.Time) Result {
	byRule := make([][]*task, len(states))
	for _, t := range tasks {
		byRule[t.rule] = append(byRule[t.rule], t)
	}
	res := Result{PerRule: make(map[RuleID]RuleStats, len(states))}
	fresh := make([]runs, len(states))
	changed := make([]bool, len(states))
	for i, st := range states {
		var stats RuleStats
		stats, fresh[i] = collect(&plans[i], byRule[i])
		p := &plans[i]
		if stats.Err == nil && st.limit > 0 {
			if n := st.countAfter(p, fresh[i].n); n > st.limit {
				stats.Err = fmt.Errorf("%d findings, over the group's limit of %d", n, st.limit)
			}
		}
		// A rule that failed keeps the findings of its last evaluation, as
		// Prometheus keeps a failing rule's alerts: what it found is not
		// known to be gone. It runs in full next time (valid is false).
		changed[i] = stats.Err == nil && (p.full || (p.units > 0 && (fresh[i].n > 0 || st.covers(p))))
		if changed[i] {
			e.gen++
		}
		st.valid, st.seen, st.lastNow = stats.Err == nil, p.logEnd, now
		res.PerRule[st.id] = stats
	}
	if c, ok := e.results[group]; ok && c.gen == e.gen {
		res.Findings = c.findings
	} else {
		res.Findings = rebuild(states, plans, fresh, changed, e.opts.Workers)
		e.results[group] = cachedResult{gen: e.gen, findings: res.Findings}
	}
	for _, st := range states {
		stats := res.PerRule[st.id]
		stats.Findings = len(st.findings)
		res.PerRule[st.id] = stats
	}
	return res
}

// cachedResult is the findings last returned for a group.
type cachedResult struct {
	gen      uint64 // e.gen when they were gathered
	findings []chiso.Finding
}

// runs are a rule's new findings as its tasks left them: each run sorted,
// n in all. They are merged only where they are copied anyway, into the
// evaluation's result.
type runs struct {
	runs [][]chiso.Finding
	n    int
}

// collect gathers a rule's tasks: its statistics and its new findings.
func collect(p *plan, tasks []*task) (stats RuleStats, fresh runs) {
	stats = RuleStats{Evaluated: p.units, NotEvaluated: p.total - p.units}
	for _, t := range tasks {
		stats.Duration += t.took
		if t.err != nil && stats.Err == nil {
			stats.Err = t.err
		}
		if len(t.findings) > 0 {
			fresh.runs = append(fresh.runs, t.findings)
			fresh.n += len(t.findings)
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

// appendSorted appends the runs to out in lessFinding order: one after the
// other when each run starts after the previous one ends (tasks split by
// areas), else merged.
func appendSorted(out []chiso.Finding, fresh runs) []chiso.Finding {
	rs := fresh.runs
	ordered := true
	for k := 1; k < len(rs) && ordered; k++ {
		ordered = !lessFinding(&rs[k][0], &rs[k-1][len(rs[k-1])-1])
	}
	if ordered {
		for _, r := range rs {
			out = append(out, r...)
		}
		return out
	}
	heads := slices.Clone(rs)
	for {
		m := -1
		for k, r := range heads {
			if len(r) > 0 && (m < 0 || lessFinding(&r[0], &heads[m][0])) {
				m = k
			}
		}
		if m < 0 {
			return out
		}
		out = append(out, heads[m][0])
		heads[m] = heads[m][1:]
	}
}

// countAfter returns how many findings the rule would have after the plan
// with fresh new ones: those of its last findings the plan does not
// re-evaluate, and the fresh.
func (st *ruleState) countAfter(p *plan, fresh int) int {
	if p.full {
		return fresh
	}
	n := fresh
	for i := range st.findings {
		if !p.covered(st.unit, &st.findings[i]) {
			n++
		}
	}
	return n
}

// covers reports whether the plan re-evaluates a unit that has findings.
func (st *ruleState) covers(p *plan) bool {
	for i := range st.findings {
		if p.covered(st.unit, &st.findings[i]) {
			return true
		}
	}
	return false
}

// rebuild writes every rule's findings, in the rules' order, into one new
// slice: the cache of a rule that changed is its old findings outside the
// plan merged with the fresh ones. Each rule's cache then shares the
// result's memory; neither is ever modified in place, so results handed out
// stay valid. One copy of everything is the whole cost, except that the
// fresh findings of a partial evaluation are merged first.
func rebuild(states []*ruleState, plans []plan, fresh []runs, changed []bool, workers int) []chiso.Finding {
	if out, ok := rebuildAtOnce(states, plans, fresh, changed, workers); ok {
		return out
	}
	n := 0
	for i, st := range states {
		n += fresh[i].n
		if !plans[i].full {
			n += len(st.findings)
		}
	}
	out := make([]chiso.Finding, 0, n)
	for i, st := range states {
		start := len(out)
		switch {
		case !changed[i]:
			out = append(out, st.findings...)
		case plans[i].full:
			out = appendSorted(out, fresh[i])
		default:
			var merged []chiso.Finding
			if len(fresh[i].runs) == 1 {
				merged = fresh[i].runs[0]
			} else {
				merged = appendSorted(make([]chiso.Finding, 0, fresh[i].n), fresh[i])
			}
			out = mergeInto(out, st.findings, merged, func(f *chiso.Finding) bool { return !plans[i].covered(st.unit, f) })
		}
		st.findings = out[start:len(out):len(out)]
	}
	return out
}

// parallelCopy is the number of findings from which rebuildAtOnce shares
// the copying between workers.
const parallelCopy = 16384

// rebuildAtOnce is rebuild by several workers at once, when there are
// enough findings and no rule's fresh findings are merged into its old
// ones (each rule is unchanged or evaluated in full, as in a scheduled
// evaluation or after a reload), so that each rule's place in the result
// is known before copying. ok is false otherwise.
func rebuildAtOnce(states []*ruleState, plans []plan, fresh []runs, changed []bool, workers int) (out []chiso.Finding, ok bool) {
	if workers < 2 {
		return nil, false
	}
	sizes := make([]int, len(states))
	n := 0
	for i, st := range states {
		switch {
		case !changed[i]:
			sizes[i] = len(st.findings)
		case plans[i].full:
			sizes[i] = fresh[i].n
		default:
			return nil, false
		}
		n += sizes[i]
	}
	if n < parallelCopy {
		return nil, false
	}
	offs := make([]int, len(states))
	for i := 1; i < len(states); i++ {
		offs[i] = offs[i-1] + sizes[i-1]
	}
	// The largest rules first, each to the worker with the least to copy.
	order := make([]int, len(states))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return sizes[b] - sizes[a] })
	loads, shares := make([]int, workers), make([][]int, workers)
	for _, i := range order {
		w := 0
		for k := range loads {
			if loads[k] < loads[w] {
				w = k
			}
		}
		loads[w] += sizes[i]
		shares[w] = append(shares[w], i)
	}
	out = make([]chiso.Finding, n)
	var wg sync.WaitGroup
	for _, share := range shares {
		wg.Go(func() {
			for _, i := range share {
				dst := out[offs[i] : offs[i] : offs[i]+sizes[i]]
				if !changed[i] {
					copy(out[offs[i]:offs[i]+sizes[i]], states[i].findings)
				} else {
					appendSorted(dst, fresh[i])
				}
			}
		})
	}
	wg.Wait()
	for i, st := range states {
		st.findings = out[offs[i] : offs[i]+sizes[i] : offs[i]+sizes[i]]
	}
	return out, true
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
