package daemon

import (
	"fmt"
	"sort"
	"sync/atomic"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/config"
	"github.com/chiso-vn/chiso/internal/timespec"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/robfig/cron/v3"
)

// The series an ops team needs to watch chiso itself and to join indicator
// values with their names: when each group runs next and how far apart its
// runs are, each rule's health, and the catalogue as info metrics, all read
// at scrape time from state the daemon keeps anyway, so that a reload or a
// removed group needs no bookkeeping here; and the findings counted by
// province and indicator (breakdown.go), counted once per evaluation.

// opsMetrics are the collectors below and the findings breakdown,
// registered in Start.
type opsMetrics struct {
	schedule *scheduleCollector
	// breakdown is nil until Start has read the catalogue.
	breakdown *breakdownCollector
}

// registerOpsMetrics registers the schedule, breakdown, rule health and
// catalogue collectors; the catalogue must have been read.
func (d *Daemon) registerOpsMetrics(cfg *config.Config) error {
	d.ops.breakdown = newBreakdownCollector(d.cat)
	for _, c := range []prometheus.Collector{d.ops.schedule, d.ops.breakdown, newHealthCollector(d),
		newCatalogueCollector(d.cat, cfg.Metrics.AreaLevels)} {
		if err := d.opts.Registry.Register(c); err != nil {
			return fmt.Errorf("register metrics: %w", err)
		}
	}
	return nil
}

// scheduleRunsAhead is how many coming runs of a group's schedule are
// looked at to find its longest gap: enough to see a weekend in a weekday
// schedule and a short month in a monthly one.
const scheduleRunsAhead = 16

// scheduleCollector exposes chiso_rule_group_next_evaluation_timestamp_seconds
// and chiso_rule_group_interval_seconds for the groups scheduled now,
// computed from their cron schedules in the configured zone as gocron
// computes them, without a round trip to the scheduler, which could hold a
// scrape up while it is busy or stopping.
type scheduleCollector struct {
	scheds   atomic.Pointer[map[string]cron.Schedule]
	loc      *time.Location
	now      func() time.Time
	next     *prometheus.Desc
	interval *prometheus.Desc
}

func newScheduleCollector(loc *time.Location, now func() time.Time) *scheduleCollector {
	c := &scheduleCollector{loc: loc, now: now,
		next: prometheus.NewDesc("chiso_rule_group_next_evaluation_timestamp_seconds",
			"Time of the group's next scheduled evaluation.", []string{"group"}, nil),
		interval: prometheus.NewDesc("chiso_rule_group_interval_seconds",
			"Longest gap between two consecutive scheduled evaluations of the group over its next 16 runs: how stale its last evaluation may become while the schedule is kept.",
			[]string{"group"}, nil)}
	c.scheds.Store(&map[string]cron.Schedule{})
	return c
}

// set replaces the scheduled groups: group name → cron spec.
func (c *scheduleCollector) set(specs map[string]string) {
	m := make(map[string]cron.Schedule, len(specs))
	for name, spec := range specs {
		s, err := timespec.ParseSchedule(spec)
		if err != nil {
			continue // unreachable: loadGroups checked every spec
		}
		m[name] = s
	}
	c.scheds.Store(&m)
}

// Describe implements prometheus.Collector.
func (c *scheduleCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.next
	ch <- c.interval
}

// Collect implements prometheus.Collector.
func (c *scheduleCollector) Collect(ch chan<- prometheus.Metric) {
	loc := c.loc
	if loc == nil {
		loc = time.Local
	}
	now := c.now().In(loc)
	for name, s := range *c.scheds.Load() {
		if next := s.Next(now); !next.IsZero() {
			ch <- prometheus.MustNewConstMetric(c.next, prometheus.GaugeValue, unixSeconds(next), name)
		}
		if gap := longestGap(s, now, scheduleRunsAhead); gap > 0 {
			ch <- prometheus.MustNewConstMetric(c.interval, prometheus.GaugeValue, gap.Seconds(), name)
		}
	}
}

// longestGap returns the longest time between two consecutive runs among
// the next n runs of s after from; zero if s stops firing.
func longestGap(s cron.Schedule, from time.Time, n int) time.Duration {
	var gap time.Duration
	prev := s.Next(from)
	for i := 0; i < n && !prev.IsZero(); i++ {
		next := s.Next(prev)
		if next.IsZero() {
			break
		}
		gap = max(gap, next.Sub(prev))
		prev = next
	}
	return gap
}

func unixSeconds(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

// The values of chiso_rule_health's health label.
var ruleHealths = []string{"ok", "err", "unknown"}

// healthCollector exposes chiso_rule_health: for every rule of the running
// set, 1 on the series of its health (ok, err, unknown before its first
// evaluation) and 0 on the other two, so that a sum by health counts every
// state, zero included.
type healthCollector struct {
	d    *Daemon
	desc *prometheus.Desc
}

func newHealthCollector(d *Daemon) *healthCollector {
	return &healthCollector{d: d, desc: prometheus.NewDesc("chiso_rule_health",
		"Health of a rule's last evaluation: 1 on the series of its state (ok, err, or unknown before the first evaluation), 0 on the others.",
		[]string{"group", "rule", "health"}, nil)}
}

// Describe implements prometheus.Collector.
func (c *healthCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

// Collect implements prometheus.Collector.
func (c *healthCollector) Collect(ch chan<- prometheus.Metric) {
	for _, g := range c.d.groups.Load().list {
		gs := c.d.state.group(g.Name)
		for _, r := range g.Rules {
			st := ruleStatus(r.Alert, r.Check, string(r.Severity), gs.rules[r.Alert])
			for _, h := range ruleHealths {
				v := 0.0
				if h == st.Health {
					v = 1
				}
				ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, v, g.Name, r.Alert, h)
			}
		}
	}
}

// catalogueCollector exposes the catalogue as info metrics, constant 1:
// chiso_indicator_info for every indicator and chiso_area_info for the
// areas of the levels whose values /metrics exports, so that a query can
// join a value with its names and unit. Their number is the catalogue's,
// which a scrape cannot grow.
type catalogueCollector struct {
	metrics []prometheus.Metric
	descs   []*prometheus.Desc
}

func newCatalogueCollector(cat *chiso.Catalogue, levels []chiso.AreaLevel) *catalogueCollector {
	ind := prometheus.NewDesc("chiso_indicator_info", "An indicator of the catalogue with its names, unit and kind (percent, count, money, rank, ratio: its family); constant 1.",
		[]string{"indicator", "name_vi", "name_en", "unit", "kind"}, nil)
	area := prometheus.NewDesc("chiso_area_info", "An area whose indicator values /metrics exports, with its name and level; constant 1.",
		[]string{"area", "name", "level"}, nil)
	c := &catalogueCollector{descs: []*prometheus.Desc{ind, area}}
	seen := map[string]bool{}
	for _, i := range cat.Indicators {
		if !seen[i.Code] {
			seen[i.Code] = true
			c.metrics = append(c.metrics, prometheus.MustNewConstMetric(ind, prometheus.GaugeValue, 1, i.Code, i.NameVI, i.NameEN, i.Unit, string(i.Kind)))
		}
	}
	want := map[chiso.AreaLevel]bool{}
	for _, l := range levels {
		want[l] = true
	}
	seenArea := map[string]bool{}
	areas := make([]chiso.Area, 0, len(cat.Areas))
	for _, a := range cat.Areas {
		if want[a.Level] && !seenArea[a.Code] {
			seenArea[a.Code] = true
			areas = append(areas, a)
		}
	}
	sort.Slice(areas, func(i, j int) bool { return areas[i].Code < areas[j].Code })
	for _, a := range areas {
		c.metrics = append(c.metrics, prometheus.MustNewConstMetric(area, prometheus.GaugeValue, 1, a.Code, a.Name, string(a.Level)))
	}
	return c
}

// Describe implements prometheus.Collector.
func (c *catalogueCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.descs {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *catalogueCollector) Collect(ch chan<- prometheus.Metric) {
	for _, m := range c.metrics {
		ch <- m
	}
}
