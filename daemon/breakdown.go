package daemon

import (
	"iter"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/chiso-vn/chiso"
	"github.com/prometheus/client_golang/prometheus"
)

// breakdownCollector exposes the current findings counted by what they are
// about, for dashboards: chiso_findings_by_area{area, diagnosis, severity},
// where a district's or commune's finding counts under its province, and
// chiso_findings_by_indicator{indicator, diagnosis, severity}. Their label
// sets are bounded by the provinces, the indicators, the ten diagnoses and
// three severities, whatever the number of findings; both are counted once
// per evaluation of a group, not per scrape.
type breakdownCollector struct {
	byArea, byIndicator *prometheus.Desc
	province            map[string]string // area code → its province (or country) code

	mu   sync.Mutex
	per  map[string][]ruleBreakdown // group → its rules' counts
	snap atomic.Pointer[[]breakdownCount]
}

// ruleBreakdown is one rule's counts, kept so that a reload that removes
// the rule drops them.
type ruleBreakdown struct {
	rule   string
	counts map[breakdownKey]float64
}

type breakdownKey struct {
	byIndicator                  bool // else by area
	subject, diagnosis, severity string
}

type breakdownCount struct {
	breakdownKey
	n float64
}

func newBreakdownCollector(cat *chiso.Catalogue) *breakdownCollector {
	c := &breakdownCollector{per: map[string][]ruleBreakdown{}, province: provinces(cat),
		byArea: prometheus.NewDesc("chiso_findings_by_area",
			"Current findings about an area, by diagnosis and severity; a district's or commune's count under its province.",
			[]string{"area", "diagnosis", "severity"}, nil),
		byIndicator: prometheus.NewDesc("chiso_findings_by_indicator",
			"Current findings about an indicator, by diagnosis and severity.",
			[]string{"indicator", "diagnosis", "severity"}, nil)}
	c.snap.Store(&[]breakdownCount{})
	return c
}

// provinces maps every area to the province (or the country) that holds
// it, following parents; an area whose chain breaks maps to itself.
func provinces(cat *chiso.Catalogue) map[string]string {
	byCode := make(map[string]chiso.Area, len(cat.Areas))
	for _, a := range cat.Areas {
		byCode[a.Code] = a
	}
	out := make(map[string]string, len(cat.Areas))
	for _, a := range cat.Areas {
		cur := a
		for i := 0; i < 8 && cur.Level != chiso.LevelProvince && cur.Level != chiso.LevelCountry; i++ {
			p, ok := byCode[cur.Parent]
			if !ok {
				break
			}
			cur = p
		}
		out[a.Code] = cur.Code
	}
	return out
}

// set replaces a group's counts with those of its findings; a nil
// collector (before Start) ignores them.
func (c *breakdownCollector) set(group string, fs iter.Seq[chiso.Finding]) {
	if c == nil {
		return
	}
	// Findings come sorted by rule, then area, then indicator: runs of
	// one key are counted before they touch the maps, which makes a
	// million findings cost a few map writes per area and indicator.
	byRule := map[string]map[breakdownKey]float64{}
	var m map[breakdownKey]float64
	var rule, area, province string
	var runs [2]struct {
		key breakdownKey
		n   float64
	}
	flush := func() {
		for i := range runs {
			if runs[i].n > 0 {
				m[runs[i].key] += runs[i].n
				runs[i].n = 0
			}
		}
	}
	for f := range fs {
		if m == nil || f.Rule != rule {
			if m != nil {
				flush()
			}
			rule = f.Rule
			if m = byRule[rule]; m == nil {
				m = map[breakdownKey]float64{}
				byRule[rule] = m
			}
		}
		if f.Area != area {
			area, province = f.Area, f.Area
			if p, ok := c.province[area]; ok {
				province = p
			}
		}
		for i, k := range [2]breakdownKey{{false, province, string(f.Diagnosis), string(f.Severity)},
			{true, f.Indicator, string(f.Diagnosis), string(f.Severity)}} {
			if runs[i].n > 0 && runs[i].key != k {
				m[runs[i].key] += runs[i].n
				runs[i].n = 0
			}
			runs[i].key = k
			runs[i].n++
		}
	}
	if m != nil {
		flush()
	}
	list := make([]ruleBreakdown, 0, len(byRule))
	for r, m := range byRule {
		list = append(list, ruleBreakdown{rule: r, counts: m})
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.per[group] = list
	c.publish()
}

// retain drops the counts of the groups and rules not in live (group →
// rule → true); a nil collector ignores it.
func (c *breakdownCollector) retain(live map[string]map[string]bool) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for g, list := range c.per {
		kept := make([]ruleBreakdown, 0, len(list))
		for _, rb := range list {
			if live[g][rb.rule] {
				kept = append(kept, rb)
			}
		}
		if len(kept) == 0 {
			delete(c.per, g)
			continue
		}
		c.per[g] = kept
	}
	c.publish()
}

// publish sums every group's counts into the sorted snapshot; callers
// hold c.mu.
func (c *breakdownCollector) publish() {
	sum := map[breakdownKey]float64{}
	for _, list := range c.per {
		for _, rb := range list {
			for k, n := range rb.counts {
				sum[k] += n
			}
		}
	}
	all := make([]breakdownCount, 0, len(sum))
	for k, n := range sum {
		all = append(all, breakdownCount{k, n})
	}
	sort.Slice(all, func(i, j int) bool {
		a, b := all[i], all[j]
		if a.byIndicator != b.byIndicator {
			return !a.byIndicator
		}
		if a.subject != b.subject {
			return a.subject < b.subject
		}
		if a.diagnosis != b.diagnosis {
			return a.diagnosis < b.diagnosis
		}
		return a.severity < b.severity
	})
	c.snap.Store(&all)
}

// Describe implements prometheus.Collector.
func (c *breakdownCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.byArea
	ch <- c.byIndicator
}

// Collect implements prometheus.Collector.
func (c *breakdownCollector) Collect(ch chan<- prometheus.Metric) {
	for _, b := range *c.snap.Load() {
		desc := c.byArea
		if b.byIndicator {
			desc = c.byIndicator
		}
		ch <- prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, b.n, b.subject, b.diagnosis, b.severity)
	}
}
