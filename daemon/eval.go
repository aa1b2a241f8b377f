package daemon

import (
	"context"
	"iter"
	"sort"
	"sync"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/engine"
	"github.com/chiso-vn/chiso/server"
)

// evalState is what the evaluations found: the current findings per group
// and each rule's health. It survives reloads; a reload drops only the
// groups and rules that are gone.
type evalState struct {
	mu     sync.RWMutex
	groups map[string]groupState
}

type groupState struct {
	findings engine.Findings
	lastRun  time.Time
	duration time.Duration
	rules    map[string]ruleState
	// live, when set by a reload, is the group's rules: findings of
	// other rules (removed since the evaluation) are left out.
	live map[string]bool
}

// all yields the group's findings of its current rules.
func (g groupState) all() iter.Seq[chiso.Finding] {
	return func(yield func(chiso.Finding) bool) {
		for f := range g.findings.All() {
			if g.live != nil && !g.live[f.Rule] {
				continue
			}
			if !yield(f) {
				return
			}
		}
	}
}

// len counts the group's findings of its current rules.
func (g groupState) len() int {
	if g.live == nil {
		return g.findings.Len()
	}
	n := 0
	for range g.all() {
		n++
	}
	return n
}

type ruleState struct {
	lastRun  time.Time
	duration time.Duration
	err      string
	findings int
	// evaluated and skipped are the units the last evaluation ran on and
	// the comparisons it could not make, by reason.
	evaluated int
	skipped   map[string]int
}

func newEvalState() *evalState { return &evalState{groups: map[string]groupState{}} }

// record keeps one evaluation of a group.
func (s *evalState) record(group string, now time.Time, took time.Duration, res engine.Result) {
	s.mu.Lock()
	defer s.mu.Unlock()
	gs := groupState{findings: res.Findings, lastRun: now, duration: took, rules: map[string]ruleState{}}
	for k, v := range s.groups[group].rules {
		gs.rules[k] = v
	}
	for id, st := range res.PerRule {
		rs := ruleState{lastRun: now, duration: st.Duration, findings: st.Findings, evaluated: st.Evaluated}
		for r, n := range st.Skipped {
			if rs.skipped == nil {
				rs.skipped = map[string]int{}
			}
			rs.skipped[string(r)] = n
		}
		if st.Err != nil {
			rs.err = st.Err.Error()
		}
		gs.rules[id.Rule] = rs
	}
	s.groups[group] = gs
}

// retain drops the state of the groups and rules not in live (group →
// rule → true): a kept group forgets the health of its removed rules, and
// their findings are left out until the group is evaluated again.
func (s *evalState) retain(live map[string]map[string]bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for g, gs := range s.groups {
		rules := live[g]
		if rules == nil {
			delete(s.groups, g)
			continue
		}
		kept := make(map[string]ruleState, len(gs.rules)) // readers hold the old map
		for r, st := range gs.rules {
			if rules[r] {
				kept[r] = st
			}
		}
		gs.rules, gs.live = kept, rules
		s.groups[g] = gs
	}
}

// count returns the number of current findings.
func (s *evalState) count() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	n := 0
	for _, g := range s.groups {
		n += g.len()
	}
	return n
}

// findings yields the current findings of every group, by group name.
func (s *evalState) findings() iter.Seq[chiso.Finding] {
	s.mu.RLock()
	names := make([]string, 0, len(s.groups))
	for g := range s.groups {
		names = append(names, g)
	}
	sort.Strings(names)
	fs := make([]groupState, len(names))
	for i, g := range names {
		fs[i] = s.groups[g]
	}
	s.mu.RUnlock()
	return func(yield func(chiso.Finding) bool) {
		for _, g := range fs {
			for x := range g.all() {
				if !yield(x) {
					return
				}
			}
		}
	}
}

func (s *evalState) group(name string) groupState {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.groups[name]
}

// evaluate runs one group at now and records the outcome. Errors are
// handled here, at the loop boundary: counted, logged, kept for the API.
// An evaluation overtaken by a reload publishes nothing: the reload
// evaluates every group again with the new rules.
func (d *Daemon) evaluate(ctx context.Context, group string, now time.Time, trigger string) {
	set := d.groups.Load()
	if _, ok := set.byName(group); !ok {
		return // the group of a job or an import that a reload removed
	}
	start := time.Now()
	res, err := d.eng.Evaluate(ctx, group, now)
	took := time.Since(start)
	d.publish.RLock()
	defer d.publish.RUnlock()
	if d.groups.Load() != set {
		d.log.Debug("evaluation overtaken by a reload; discarded", "group", group, "trigger", trigger)
		return
	}
	if err != nil {
		if ctx.Err() == nil {
			d.log.Error("evaluation failed", "group", group, "trigger", trigger, "err", err)
		}
		return
	}
	d.state.record(group, now, took, res)
	d.metrics.evaluated(group, now, took, res)
	d.ops.breakdown.set(group, res.Findings.All())
	d.sendAlerts(ctx, set, group, res.Findings.All(), now)
	for id, st := range res.PerRule {
		if st.Err != nil {
			d.log.Warn("rule failed", "group", group, "rule", id.Rule, "err", st.Err)
		}
	}
	d.log.Debug("evaluated", "group", group, "trigger", trigger, "findings", res.Findings.Len(), "took", took)
}

// evaluateAll runs every group at now, one after the other.
func (d *Daemon) evaluateAll(ctx context.Context, now time.Time, trigger string) {
	for _, name := range d.groups.Load().names() {
		if ctx.Err() != nil {
			return
		}
		d.evaluate(ctx, name, now, trigger)
	}
}

// Findings returns the current findings of every group.
func (d *Daemon) Findings() iter.Seq[chiso.Finding] { return d.state.findings() }

// Ready reports whether every group has been evaluated once and the
// engine is not behind the database (or not for ReadyLag yet).
func (d *Daemon) Ready() bool { return d.ready.Load() && d.lag.fresh(time.Now()) }

// Rules returns each group's and rule's health, last evaluation and next
// run.
func (d *Daemon) Rules() []server.GroupStatus {
	set := d.groups.Load()
	d.reloadMu.Lock()
	jobs := make(map[string]time.Time, len(d.jobs))
	for name, j := range d.jobs {
		jobs[name], _ = j.NextRun()
	}
	d.reloadMu.Unlock()
	out := make([]server.GroupStatus, 0, len(set.list))
	for _, g := range set.list {
		gs := d.state.group(g.Name)
		st := server.GroupStatus{Name: g.Name, Schedule: g.Schedule, File: g.Pos.File, NextRun: jobs[g.Name],
			LastRun: gs.lastRun, Duration: gs.duration.Seconds(), Labels: g.Labels}
		for _, r := range g.Rules {
			st.Rules = append(st.Rules, ruleStatus(r.Alert, r.Check, string(r.Severity), gs.rules[r.Alert]))
		}
		out = append(out, st)
	}
	return out
}

func ruleStatus(name, check, severity string, rs ruleState) server.RuleStatus {
	st := server.RuleStatus{Name: name, Check: check, Severity: severity, Health: "unknown",
		LastError: rs.err, LastRun: rs.lastRun, Duration: rs.duration.Seconds(), Findings: rs.findings,
		Evaluated: rs.evaluated, NotEvaluated: rs.skipped}
	switch {
	case rs.err != "":
		st.Health = "err"
	case !rs.lastRun.IsZero():
		st.Health = "ok"
	}
	return st
}

// sendAlerts hands a group's findings to the alert sink, if any, while
// the daemon leads; the hand-over is abandoned when the leadership ends.
func (d *Daemon) sendAlerts(ctx context.Context, set *groupSet, group string, findings iter.Seq[chiso.Finding], now time.Time) {
	if d.opts.Alerts == nil {
		return
	}
	g, ok := set.byName(group)
	if !ok {
		return
	}
	ctx, cancel, leading := d.leading(ctx)
	defer cancel()
	if !leading {
		return
	}
	if err := d.opts.Alerts.Process(ctx, g.Group, findings, now); err != nil {
		d.metrics.alertErrors.Inc()
		d.log.Error("alerting failed", "group", group, "err", err)
	}
}
