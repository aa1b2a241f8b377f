package daemon

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync/atomic"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/internal/panics"
	"github.com/chiso-vn/chiso/internal/timespec"

	"github.com/chiso-vn/chiso/config"
	"github.com/chiso-vn/chiso/rules"
	"github.com/go-co-op/gocron/v2"
)

// ruleGroup is a rule group with what the daemon derives from it: the
// indicators its rules read, so that an import triggers only the groups
// that read what changed.
type ruleGroup struct {
	rules.Group
	// Indicators read by the group's rules; nil with ReadsAll.
	Indicators map[string]bool
	// ReadsAll is set when a rule names no indicator of its own (it reads
	// whatever its parameters name), so any import triggers the group.
	ReadsAll bool
}

func newRuleGroup(g rules.Group) ruleGroup {
	rg := ruleGroup{Group: g, Indicators: map[string]bool{}}
	for _, r := range g.Rules {
		ind := r.Reads()
		if len(ind) == 0 {
			rg.ReadsAll = true
		}
		for _, code := range ind {
			rg.Indicators[code] = true
		}
	}
	return rg
}

func rawGroups(gs []ruleGroup) []rules.Group {
	out := make([]rules.Group, len(gs))
	for i, g := range gs {
		out[i] = g.Group
	}
	return out
}

// groupSet is the running set of groups, swapped whole on reload.
type groupSet struct {
	list []ruleGroup
}

func newGroupSet(gs []ruleGroup) *groupSet { return &groupSet{list: gs} }

// reading returns the names of the groups that read any of the indicators.
func (s *groupSet) reading(changed map[string]bool) []string {
	var out []string
	for _, g := range s.list {
		if g.ReadsAll {
			out = append(out, g.Name)
			continue
		}
		for ind := range changed {
			if g.Indicators[ind] {
				out = append(out, g.Name)
				break
			}
		}
	}
	return out
}

func (s *groupSet) byName(name string) (ruleGroup, bool) {
	for _, g := range s.list {
		if g.Name == name {
			return g, true
		}
	}
	return ruleGroup{}, false
}

// zeroFindings returns the chiso_rule_findings series each rule keeps at
// 0: its severity, each status.
func (s *groupSet) zeroFindings() []findingCount {
	var out []findingCount
	for _, g := range s.list {
		for _, r := range g.Rules {
			for _, st := range []chiso.Status{chiso.Fail, chiso.Indeterminate} {
				out = append(out, findingCount{group: g.Name, rule: r.Alert, severity: string(r.Severity), status: string(st)})
			}
		}
	}
	return out
}

// ruleNames returns the groups' rule names, group → rule → true.
func (s *groupSet) ruleNames() map[string]map[string]bool {
	out := make(map[string]map[string]bool, len(s.list))
	for _, g := range s.list {
		rs := make(map[string]bool, len(g.Rules))
		for _, r := range g.Rules {
			rs[r.Alert] = true
		}
		out[g.Name] = rs
	}
	return out
}

func (s *groupSet) names() []string {
	out := make([]string, len(s.list))
	for i, g := range s.list {
		out[i] = g.Name
	}
	sort.Strings(out)
	return out
}

// checkSchedule parses a cron spec as gocron will, turning the parser's
// panic on specs such as "TZ=" into an error.
func checkSchedule(spec string) (err error) {
	defer panics.Into(&err, "invalid cron schedule %q", spec)
	if _, err := timespec.ParseSchedule(spec); err != nil {
		return fmt.Errorf("invalid cron schedule %q: %w", spec, err)
	}
	return nil
}

// startScheduler creates the scheduler in the configured zone, with the
// job monitor, adds one job per group and starts it.
func (d *Daemon) startScheduler(cfg *config.Config, groups []ruleGroup) error {
	s, err := gocron.NewScheduler(
		gocron.WithLocation(cfg.Location),
		gocron.WithLogger(schedulerLogger{d.log}),
		gocron.WithMonitor(d.metrics.monitor),
		gocron.WithMonitorStatus(d.metrics.monitor),
		gocron.WithDistributedElector(&d.lead), // only the leader runs the groups
		gocron.WithStopTimeout(ShutdownTimeout/2),
	)
	if err != nil {
		return fmt.Errorf("create scheduler: %w", err)
	}
	d.sched = s
	if err := d.schedule(groups); err != nil {
		return err
	}
	d.metrics.retain(&groupSet{}, newGroupSet(groups))
	s.Start()
	return nil
}

// schedule replaces the jobs with one per group. The new jobs are made
// before the old ones are removed, so that on an error (unexpected: every
// spec has been checked by loadGroups) the old schedule stays whole.
func (d *Daemon) schedule(groups []ruleGroup) error {
	jobs := make(map[string]gocron.Job, len(groups))
	for _, g := range groups {
		j, err := d.newJob(g.Name, g.Schedule)
		if err != nil {
			d.removeJobs(jobs)
			return err
		}
		jobs[g.Name] = j
	}
	d.removeJobs(d.jobs)
	d.jobs = jobs
	specs := make(map[string]string, len(groups))
	for _, g := range groups {
		specs[g.Name] = g.Schedule
	}
	d.ops.schedule.set(specs)
	return nil
}

// removeJobs removes jobs from the scheduler. A job that cannot be removed
// is logged: should it still run, its evaluation finds its group gone and
// does nothing.
func (d *Daemon) removeJobs(jobs map[string]gocron.Job) {
	for name, j := range jobs {
		if err := d.sched.RemoveJob(j.ID()); err != nil && !errors.Is(err, gocron.ErrJobNotFound) {
			d.log.Warn("remove the job of a rule group", "group", name, "err", err)
		}
	}
}

func (d *Daemon) newJob(group, spec string) (j gocron.Job, err error) {
	defer panics.Into(&err, "schedule group %s: invalid cron schedule %q", group, spec)
	// Not gocron's singleton mode: it keeps a goroutine per job that ran
	// until the scheduler stops, so every reload (which replaces the jobs)
	// would leave some behind. scheduledRun skips a tick itself instead.
	task := gocron.NewTask(func(ctx context.Context) { d.scheduledRun(ctx, group) })
	j, err = d.sched.NewJob(gocron.CronJob(spec, false), task, gocron.WithName(group))
	if err != nil {
		return nil, fmt.Errorf("schedule group %s: %w", group, err)
	}
	return j, nil
}

// scheduledRun is a cron tick: the job decides the evaluation time and
// passes it down.
func (d *Daemon) scheduledRun(ctx context.Context, group string) {
	flag, _ := d.running.LoadOrStore(group, new(atomic.Bool))
	running := flag.(*atomic.Bool)
	if !running.CompareAndSwap(false, true) {
		d.metrics.missed.WithLabelValues(group).Inc() // the previous run is still going: skip this tick
		return
	}
	defer running.Store(false)
	now := d.opts.Now()
	if d.onScheduled != nil {
		d.onScheduled(ctx, group, now)
	}
	d.evaluate(ctx, group, now, "schedule")
	if _, leading := d.lead.current(); leading && d.shared {
		d.announceEvaluation(group, now)
	}
}

// followedRun is a follower's evaluation of a group the leader evaluated
// on schedule, at the leader's evaluation time; skipped while the group's
// previous evaluation still runs here.
func (d *Daemon) followedRun(ctx context.Context, group string, now time.Time) {
	flag, _ := d.running.LoadOrStore(group, new(atomic.Bool))
	running := flag.(*atomic.Bool)
	if !running.CompareAndSwap(false, true) {
		return
	}
	defer running.Store(false)
	d.evaluate(ctx, group, now, "leader_schedule")
}
