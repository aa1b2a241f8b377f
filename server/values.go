package server

import (
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

// Snapshot is the set of per-series values /metrics exposes. Values and
// Targets are sorted by indicator and area, then deadline, so a scrape is
// stable.
type Snapshot struct {
	Values  []SeriesValue
	Targets []TargetValue
}

// ValueCollector exposes a Snapshot as chiso_indicator_value,
// chiso_indicator_period_end_timestamp_seconds and chiso_indicator_target.
// Swap replaces the snapshot atomically: a series missing from the new one
// vanishes from the next scrape, and a scrape never sees half a swap.
type ValueCollector struct {
	snap                     atomic.Pointer[Snapshot]
	value, periodEnd, target *prometheus.Desc
}

// NewValueCollector returns a collector with an empty snapshot.
func NewValueCollector() *ValueCollector {
	c := &ValueCollector{
		value: prometheus.NewDesc("chiso_indicator_value",
			"Latest reported value of an indicator in an area, in the indicator's canonical unit.",
			[]string{"indicator", "area"}, nil),
		periodEnd: prometheus.NewDesc("chiso_indicator_period_end_timestamp_seconds",
			"End of the period of the latest reported value of an indicator in an area.",
			[]string{"indicator", "area"}, nil),
		target: prometheus.NewDesc("chiso_indicator_target",
			"Target an indicator must reach in an area by the deadline period, compared with op.",
			[]string{"indicator", "area", "deadline", "op"}, nil),
	}
	c.snap.Store(&Snapshot{})
	return c
}

// Swap installs a new snapshot; the collector keeps it, so the caller must
// not modify it afterwards.
func (c *ValueCollector) Swap(s *Snapshot) { c.snap.Store(s) }

// Len returns how many value series the current snapshot holds.
func (c *ValueCollector) Len() int { return len(c.snap.Load().Values) }

// Describe implements prometheus.Collector.
func (c *ValueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.value
	ch <- c.periodEnd
	ch <- c.target
}

// Collect implements prometheus.Collector.
func (c *ValueCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.snap.Load()
	for _, v := range s.Values {
		ch <- prometheus.MustNewConstMetric(c.value, prometheus.GaugeValue, v.Value, v.Indicator, v.Area)
		ch <- prometheus.MustNewConstMetric(c.periodEnd, prometheus.GaugeValue, v.PeriodEnd, v.Indicator, v.Area)
	}
	for _, t := range s.Targets {
		ch <- prometheus.MustNewConstMetric(c.target, prometheus.GaugeValue, t.Value, t.Indicator, t.Area, t.Deadline, t.Op)
	}
}
