package engine

import (
	"slices"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/checks"
)

// change is one cell of the index that an Add changed.
type change struct {
	ind, area int32 // interned indicator and area
	key       int32 // period key
}

// changeLog records the cells changed since the oldest position a rule has
// not yet accounted for. Positions are sequence numbers that only grow;
// when the log would grow past its limit it collapses into "everything
// changed", and rules behind that point evaluate in full.
type changeLog struct {
	base    uint64 // position of entries[0]
	entries []change
	full    uint64 // a rule that has seen less than this evaluates in full
}

// end is the position after the last entry.
func (l *changeLog) end() uint64 { return l.base + uint64(len(l.entries)) }

// since returns the changes after position seq; ok is false when they are
// no longer known and a full evaluation is needed.
func (l *changeLog) since(seq uint64) ([]change, bool) {
	if seq < l.full || seq < l.base {
		return nil, false
	}
	return l.entries[seq-l.base:], true
}

// reset records that everything changed: the position moves on by one,
// so that even a rule that had seen every entry is now behind.
func (l *changeLog) reset() {
	l.full = l.end() + 1
	l.base, l.entries = l.full, nil
}

// compact drops the entries every rule has seen, and collapses the log when
// it holds more than limit entries.
func (l *changeLog) compact(oldest uint64, limit int) {
	if len(l.entries) > limit {
		l.reset()
		return
	}
	if oldest > l.base && oldest <= l.end() {
		n := int(oldest - l.base)
		l.entries = slices.Delete(l.entries, 0, n)
		l.base = oldest
	}
}

// plan is what one rule evaluates this time: the whole scope, or the units
// whose data changed.
type plan struct {
	full   bool
	scope  checks.Scope
	inds   map[string]bool // dirty indicators (nil when full)
	areas  map[string]bool // dirty areas
	keys   map[int32]bool  // dirty period keys (ByIndicatorPeriod)
	units  int             // units evaluated
	total  int             // units in the rule's scope
	logEnd uint64
}

// plan decides what the rule must evaluate at now; callers hold e.mu for
// reading.
func (e *Engine) plan(st *ruleState, now time.Time) plan {
	p := plan{scope: st.scope, logEnd: e.log.end(), total: e.unitsInScope(st)}
	changes, ok := e.log.since(st.seen)
	if !ok || !st.valid || (st.timeDep && !now.Equal(st.lastNow)) {
		p.full, p.units = true, p.total
		return p
	}
	p.inds, p.areas, p.keys = map[string]bool{}, map[string]bool{}, map[int32]bool{}
	for _, c := range changes {
		e.markDirty(st, c, &p)
	}
	p.scope = e.narrow(st, &p)
	return p
}

// markDirty adds the units a change touches within the rule's scope: for
// series and areas also the areas that descend from the changed one, whose
// lineage-aware checks read their predecessors.
func (e *Engine) markDirty(st *ruleState, c change, p *plan) {
	ind := e.ix.indicators.names[c.ind]
	if !st.inds[ind] {
		return
	}
	area := e.ix.areas.names[c.area]
	if st.unit == checks.ByIndicatorPeriod {
		if st.areas[area] {
			p.inds[ind], p.keys[c.key] = true, true
		}
		return
	}
	hit := false
	for _, a := range append([]string{area}, e.cat.successors[area]...) {
		if st.areas[a] {
			p.areas[a], hit = true, true
		}
	}
	if hit {
		p.inds[ind] = true
	}
}

// narrow returns the scope of the dirty units and counts them.
func (e *Engine) narrow(st *ruleState, p *plan) checks.Scope {
	s := checks.Scope{Indicators: sortedKeys(p.inds), Areas: sortedKeys(p.areas)}
	switch st.unit {
	case checks.ByArea:
		s.Indicators, p.units = st.scope.Indicators, len(s.Areas)
	case checks.ByIndicatorPeriod:
		s.Areas = st.scope.Areas
		for k := range p.keys {
			if per, ok := chiso.PeriodFromKey(k); ok {
				s.Periods = append(s.Periods, per)
			}
		}
		slices.SortFunc(s.Periods, chiso.Period.Compare)
		p.units = len(s.Indicators) * len(s.Periods)
	default:
		p.units = len(s.Indicators) * len(s.Areas)
	}
	return s
}

// covered reports whether a cached finding belongs to a unit the plan
// re-evaluates.
func (p *plan) covered(unit checks.Unit, f *chiso.Finding) bool {
	switch {
	case p.full:
		return true
	case unit == checks.ByArea:
		return p.areas[f.Area]
	case unit == checks.ByIndicatorPeriod:
		return p.inds[f.Indicator] && p.keys[f.Period.Key()]
	}
	return p.inds[f.Indicator] && p.areas[f.Area]
}

// empty reports whether nothing needs evaluating.
func (p *plan) empty() bool { return !p.full && p.units == 0 }

// unitsInScope counts the units of a rule's whole scope.
func (e *Engine) unitsInScope(st *ruleState) int {
	switch st.unit {
	case checks.ByArea:
		return len(st.scope.Areas)
	case checks.ByIndicatorPeriod:
		return len(st.scope.Indicators) * e.ix.periodCount()
	}
	return len(st.scope.Indicators) * len(st.scope.Areas)
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
