package server

import (
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// SeriesValue is the latest value of one indicator in one area.
type SeriesValue struct {
	Indicator, Area string
	Value           float64 // in the indicator's canonical unit
	// PeriodEnd is the end of the latest period, in Unix seconds.
	PeriodEnd float64
}

// TargetValue is a target an indicator must reach in an area by a deadline.
type TargetValue struct {
	Indicator, Area string
	Deadline        string // the deadline period, e.g. 2025
	Op              string // >=, >, <=, < or ≈
	Value           float64
}

// Snapshot is the set of per-series values /metrics exposes. Values are
// sorted by area, then indicator, and Targets by area, deadline, then
// indicator: the order the registry sorts them in, which makes its sort a
// linear pass.
type Snapshot struct {
	Values  []SeriesValue
	Targets []TargetValue
}

// ValueCollector exposes a Snapshot as chiso_indicator_value,
// chiso_indicator_period_end_timestamp_seconds and chiso_indicator_target.
// Swap replaces the snapshot atomically: a series missing from the new one
// vanishes from the next scrape, and a scrape never sees half a swap.
//
// The constant metrics of a snapshot are built on the first scrape after a
// swap and reused by later scrapes until the next swap: data changes far
// less often than Prometheus scrapes.
type ValueCollector struct {
	cur                      atomic.Pointer[builtSnapshot]
	value, periodEnd, target *prometheus.Desc
}

type builtSnapshot struct {
	snap    *Snapshot
	once    sync.Once
	metrics []prometheus.Metric

	textOnce, gzipOnce sync.Once
	text, gzip         []byte // the exposition of the snapshot, plain and gzipped
}

const (
	valueName     = "chiso_indicator_value"
	valueHelp     = "Latest reported value of an indicator in an area, in the indicator's canonical unit."
	periodEndName = "chiso_indicator_period_end_timestamp_seconds"
	periodEndHelp = "End of the period of the latest reported value of an indicator in an area."
	targetName    = "chiso_indicator_target"
	targetHelp    = "Target an indicator must reach in an area by the deadline period, compared with op."
)

// NewValueCollector returns a collector with an empty snapshot.
func NewValueCollector() *ValueCollector {
	c := &ValueCollector{
		value:     prometheus.NewDesc(valueName, valueHelp, []string{"indicator", "area"}, nil),
		periodEnd: prometheus.NewDesc(periodEndName, periodEndHelp, []string{"indicator", "area"}, nil),
		target:    prometheus.NewDesc(targetName, targetHelp, []string{"indicator", "area", "deadline", "op"}, nil),
	}
	c.Swap(&Snapshot{})
	return c
}

// Swap installs a new snapshot; the collector keeps it, so the caller must
// not modify it afterwards.
func (c *ValueCollector) Swap(s *Snapshot) { c.cur.Store(&builtSnapshot{snap: s}) }

// Snapshot returns the snapshot installed last; the caller must not
// modify it.
func (c *ValueCollector) Snapshot() *Snapshot { return c.cur.Load().snap }

// Len returns how many value series the current snapshot holds.
func (c *ValueCollector) Len() int { return len(c.cur.Load().snap.Values) }

// Describe implements prometheus.Collector.
func (c *ValueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.value
	ch <- c.periodEnd
	ch <- c.target
}

// Collect implements prometheus.Collector.
func (c *ValueCollector) Collect(ch chan<- prometheus.Metric) {
	b := c.cur.Load()
	b.once.Do(func() { b.metrics = c.build(b.snap) })
	for _, m := range b.metrics {
		ch <- m
	}
}

func (c *ValueCollector) build(s *Snapshot) []prometheus.Metric {
	out := make([]prometheus.Metric, 0, 2*len(s.Values)+len(s.Targets))
	for _, v := range s.Values {
		out = append(out, prometheus.MustNewConstMetric(c.value, prometheus.GaugeValue, v.Value, v.Indicator, v.Area),
			prometheus.MustNewConstMetric(c.periodEnd, prometheus.GaugeValue, v.PeriodEnd, v.Indicator, v.Area))
	}
	for _, t := range s.Targets {
		out = append(out, prometheus.MustNewConstMetric(c.target, prometheus.GaugeValue, t.Value, t.Indicator, t.Area, t.Deadline, t.Op))
	}
	return out
}
