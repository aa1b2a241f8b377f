package daemon

import (
	"errors"
	"fmt"
	"iter"
	"runtime"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/engine"
	"github.com/chiso-vn/chiso/internal/bounded"
	"github.com/go-co-op/gocron/v2"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// metrics are the daemon's own series, registered on the injected
// registry. Per-group series are deleted when a reload removes the group.
type metrics struct {
	reloadOK, reloadTime prometheus.Gauge
	reloads              *prometheus.CounterVec
	lastEval, evalTime   *prometheus.GaugeVec
	iterations, missed   *prometheus.CounterVec
	ruleFailures         *prometheus.CounterVec
	findings             *findingCollector
	imports              *prometheus.CounterVec
	lastImport           prometheus.Gauge
	observations         prometheus.Gauge
	revisions            prometheus.Gauge
	alertErrors          prometheus.Counter
	monitor              *jobMonitor
	leader               prometheus.Gauge
	leaderChanges        *prometheus.CounterVec
	// templates counts annotation and e-mail templates cut at a bound or
	// failed, for the alerting packages that render them.
	templates *bounded.Errors

	mu sync.Mutex
	// live is the running rule set, group → rule → true, as of the last
	// retain; nil before it.
	live map[string]map[string]bool
	// lastImportAt is what chiso_import_last_success_timestamp_seconds
	// shows, in Unix seconds; 0 before any import.
	lastImportAt float64
}

func newMetrics(reg prometheus.Registerer, version, revision string) (*metrics, error) {
	m := &metrics{
		reloadOK:     gauge("chiso_config_last_reload_successful", "Whether the last configuration and rules reload succeeded (1) or failed (0)."),
		reloadTime:   gauge("chiso_config_last_reload_success_timestamp_seconds", "Time of the last successful configuration and rules reload."),
		reloads:      counterVec("chiso_config_reloads_total", "Configuration and rules reloads, by outcome (success, failure).", "outcome"),
		lastEval:     gaugeVec("chiso_rule_group_last_evaluation_timestamp_seconds", "Evaluation time of the group's last evaluation.", "group"),
		evalTime:     gaugeVec("chiso_rule_group_last_duration_seconds", "Duration of the group's last evaluation.", "group"),
		iterations:   counterVec("chiso_rule_group_iterations_total", "Scheduled evaluations of the group that ran.", "group"),
		missed:       counterVec("chiso_rule_group_iterations_missed_total", "Scheduled evaluations of the group skipped because the previous one was still running.", "group"),
		ruleFailures: counterVec("chiso_rule_evaluation_failures_total", "Evaluations of a rule that failed.", "group", "rule"),
		findings:     newFindingCollector(),
		imports:      counterVec("chiso_imports_total", "Imports of observation files, by channel (api, drop_folder, external) and outcome (success, failure, dry_run).", "channel", "outcome"),
		lastImport: gauge("chiso_import_last_success_timestamp_seconds",
			"Time the last import of observations that succeeded was committed, by any channel; from the store's import log at start, 0 when there is none."),
		observations: gauge("chiso_observations", "Cells (indicator, area, period) with a current observation in the store."),
		revisions:    gauge("chiso_observation_revisions", "Revisions of observations stored, old ones included."),
		alertErrors: prometheus.NewCounter(prometheus.CounterOpts{Name: "chiso_alerting_errors_total",
			Help: "Evaluations or reloads whose findings or rules the alerting manager refused."}),
	}
	m.monitor = &jobMonitor{m: m}
	m.leader = gauge("chiso_leader", "Whether this daemon leads (1): it runs the rule groups' schedules and delivers notifications. Followers (0) serve and import.")
	m.leaderChanges = counterVec("chiso_leader_changes_total", "Times this daemon became leader (to=leader) or stopped leading (to=follower).", "to")
	m.leaderChanges.WithLabelValues("leader")
	m.leaderChanges.WithLabelValues("follower")
	var err error
	if m.templates, err = bounded.NewErrors(reg); err != nil {
		return nil, err
	}
	// every channel and outcome from zero, so that rate() sees the first one
	for _, co := range [][2]string{{"api", "success"}, {"api", "failure"}, {"api", "dry_run"},
		{"drop_folder", "success"}, {"drop_folder", "failure"}, {"external", "success"}} {
		m.imports.WithLabelValues(co[0], co[1])
	}
	build := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "chiso_build_info",
		Help:        "A metric with a constant '1' value labelled by the version and revision of chiso and the Go version.",
		ConstLabels: prometheus.Labels{"version": version, "revision": revision, "goversion": runtime.Version()}},
		func() float64 { return 1 })
	for _, c := range []prometheus.Collector{m.reloadOK, m.reloadTime, m.reloads, m.lastEval, m.evalTime,
		m.iterations, m.missed, m.ruleFailures, m.findings, m.imports, m.lastImport, m.observations, m.revisions, m.alertErrors, build,
		m.leader, m.leaderChanges,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})} {
		if err := reg.Register(c); err != nil && !isAlreadyRegistered(err) {
			return nil, fmt.Errorf("register metrics: %w", err)
		}
	}
	return m, nil
}

func isAlreadyRegistered(err error) bool {
	var are prometheus.AlreadyRegisteredError
	return errors.As(err, &are)
}

func gauge(name, help string) prometheus.Gauge {
	return prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help})
}

func gaugeVec(name, help string, labels ...string) *prometheus.GaugeVec {
	return prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, labels)
}

func counterVec(name, help string, labels ...string) *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
}

func (m *metrics) reloaded(ok bool, now time.Time) {
	if !ok {
		m.reloadOK.Set(0)
		m.reloads.WithLabelValues("failure").Inc()
		return
	}
	m.reloadOK.Set(1)
	m.reloadTime.Set(float64(now.UnixNano()) / 1e9)
	m.reloads.WithLabelValues("success").Inc()
}

func (m *metrics) evaluated(group string, now time.Time, took time.Duration, res engine.Result) {
	m.lastEval.WithLabelValues(group).Set(float64(now.UnixNano()) / 1e9)
	m.evalTime.WithLabelValues(group).Set(took.Seconds())
	for id, st := range res.PerRule {
		c := m.ruleFailures.WithLabelValues(group, id.Rule)
		if st.Err != nil {
			c.Inc()
		}
	}
	m.findings.set(group, res.Findings.All())
}

// retain makes the per-group and per-rule series follow a reload from the
// rule set old to now: the series of removed groups and rules are deleted
// (a removed rule of a kept group too), the new groups' iteration counters
// start at zero, and series of groups outside now are no longer created by
// a job that was still running when its group was removed.
func (m *metrics) retain(old, now *groupSet) {
	m.mu.Lock()
	defer m.mu.Unlock()
	live := now.ruleNames()
	m.live = live
	for _, g := range old.list {
		if live[g.Name] == nil {
			l := prometheus.Labels{"group": g.Name}
			m.lastEval.DeletePartialMatch(l)
			m.evalTime.DeletePartialMatch(l)
			m.iterations.DeletePartialMatch(l)
			m.missed.DeletePartialMatch(l)
			m.ruleFailures.DeletePartialMatch(l)
			continue
		}
		for _, r := range g.Rules {
			if !live[g.Name][r.Alert] {
				m.ruleFailures.DeleteLabelValues(g.Name, r.Alert)
			}
		}
	}
	for _, g := range now.list {
		m.iterations.WithLabelValues(g.Name)
		m.missed.WithLabelValues(g.Name)
	}
	m.findings.retain(live, now.zeroFindings())
}

// imported moves chiso_import_last_success_timestamp_seconds to at, unless
// it already shows a later import.
func (m *metrics) imported(at time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if v := unixSeconds(at); v > m.lastImportAt {
		m.lastImportAt = v
		m.lastImport.Set(v)
	}
}

// isLive reports whether a group is in the running rule set; before the
// first retain every group is.
func (m *metrics) isLive(group string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.live == nil || m.live[group] != nil
}

// led records that this daemon began or stopped leading.
func (m *metrics) led(leading bool) {
	if leading {
		m.leader.Set(1)
		m.leaderChanges.WithLabelValues("leader").Inc()
		return
	}
	m.leader.Set(0)
	m.leaderChanges.WithLabelValues("follower").Inc()
}

// jobMonitor receives gocron's job events. It is registered with both
// WithMonitor and WithMonitorStatus: gocron calls IncrementJob only through
// the former.
type jobMonitor struct {
	m *metrics
	// follows reports whether the daemon follows; nil: it leads.
	follows func() bool
}

// IncrementJob counts a run or a skipped run of a group's job.
func (j *jobMonitor) IncrementJob(_ uuid.UUID, group string, _ []string, status gocron.JobStatus) {
	if !j.m.isLive(group) {
		return // the run of a job that a reload removed
	}
	switch status {
	case gocron.Success, gocron.Fail:
		j.m.iterations.WithLabelValues(group).Inc()
	case gocron.Skip, gocron.SingletonRescheduled:
		if status == gocron.Skip && j.follows != nil && j.follows() {
			return // a follower's tick: the leader runs it
		}
		j.m.missed.WithLabelValues(group).Inc()
	}
}

// RecordJobTiming is unused: the evaluation records its own duration.
func (j *jobMonitor) RecordJobTiming(time.Time, time.Time, uuid.UUID, string, []string) {}

// RecordJobTimingWithStatus is unused for the same reason.
func (j *jobMonitor) RecordJobTimingWithStatus(time.Time, time.Time, uuid.UUID, string, []string, gocron.JobStatus, error) {
}

// findingCollector exposes chiso_rule_findings from per-group counts,
// swapped whole after each evaluation. Every rule of the running set has a
// series at 0 for its own severity and each status, so that a sum reads 0
// rather than no data when nothing is wrong; other series vanish when their
// findings clear, and all of a rule's when the rule is removed.
type findingCollector struct {
	desc *prometheus.Desc
	mu   sync.Mutex // serialises writers; readers use the atomic snapshot
	per  map[string][]findingCount
	// zero are the series every rule keeps at 0 (n unset), one per status
	// at the rule's severity.
	zero []findingCount
	snap atomic.Pointer[[]findingCount]
}

type findingCount struct {
	group, rule, severity, status string
	n                             float64
}

func newFindingCollector() *findingCollector {
	c := &findingCollector{per: map[string][]findingCount{},
		desc: prometheus.NewDesc("chiso_rule_findings", "Current findings of a rule, by severity and status (fail, indeterminate).",
			[]string{"group", "rule", "severity", "status"}, nil)}
	c.snap.Store(&[]findingCount{})
	return c
}

func (c *findingCollector) set(group string, fs iter.Seq[chiso.Finding]) {
	counts := map[findingCount]float64{}
	for f := range fs {
		counts[findingCount{group: group, rule: f.Rule, severity: string(f.Severity), status: string(f.Status)}]++
	}
	list := make([]findingCount, 0, len(counts))
	for k, n := range counts {
		k.n = n
		list = append(list, k)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.per[group] = list
	c.publish()
}

// retain drops the counts of the groups and rules not in live (group →
// rule → true), as after a reload that removed or renamed them, and makes
// zero the series kept at 0.
func (c *findingCollector) retain(live map[string]map[string]bool, zero []findingCount) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.zero = zero
	for g, list := range c.per {
		if live[g] == nil {
			delete(c.per, g)
			continue
		}
		c.per[g] = slices.DeleteFunc(slices.Clone(list), func(f findingCount) bool { return !live[g][f.rule] })
	}
	c.publish()
}

// publish swaps in the sorted snapshot of every group's counts; callers
// hold c.mu.
func (c *findingCollector) publish() {
	var all []findingCount
	have := map[findingCount]bool{}
	for _, l := range c.per {
		all = append(all, l...)
		for _, f := range l {
			f.n = 0
			have[f] = true
		}
	}
	for _, z := range c.zero {
		if !have[z] {
			all = append(all, z)
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].less(all[j]) })
	c.snap.Store(&all)
}

func (a findingCount) less(b findingCount) bool {
	if a.group != b.group {
		return a.group < b.group
	}
	if a.rule != b.rule {
		return a.rule < b.rule
	}
	if a.severity != b.severity {
		return a.severity < b.severity
	}
	return a.status < b.status
}

// Describe implements prometheus.Collector.
func (c *findingCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

// Collect implements prometheus.Collector.
func (c *findingCollector) Collect(ch chan<- prometheus.Metric) {
	for _, f := range *c.snap.Load() {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, f.n, f.group, f.rule, f.severity, f.status)
	}
}
