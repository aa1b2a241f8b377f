package checks

import (
	"slices"
	"time"

	"github.com/chiso-vn/chiso"
)

// Series is a read-only, columnar view of one series' current observations
// (one indicator, one area), sorted by period in chiso.Period.Compare order.
// It shares memory with the index that made it: never modify it, and do not
// keep it past the evaluation that received it.
type Series struct {
	Indicator, Area string
	keys            []int32           // chiso.Period.Key of each point
	values          []float64         // in the indicator's canonical unit
	quals           []chiso.Qualifier // qualifier of each point
	methods         []uint16          // index into strings; 0 is ""
	sources         []uint32          // index into strings; 0 is ""
	ids             []int64           // store sequence number of each point's revision
	maxID           int64             // the highest of ids, when known; 0: not known
	strings         []string          // the index's string table
}

// SeriesColumns are the columns NewSeries wraps; all slices have one entry
// per point, and Strings is the string table Methods and Sources index
// (entry 0 must be "").
type SeriesColumns struct {
	Keys       []int32
	Values     []float64
	Qualifiers []chiso.Qualifier
	Methods    []uint16
	Sources    []uint32
	IDs        []int64
	// MaxID is the highest of IDs when the caller knows it, else 0.
	MaxID   int64
	Strings []string
}

// NewSeries wraps columns as a Series; the index calls it.
func NewSeries(indicator, area string, c SeriesColumns) Series {
	return Series{Indicator: indicator, Area: area, keys: c.Keys, values: c.Values, quals: c.Qualifiers,
		methods: c.Methods, sources: c.Sources, ids: c.IDs, maxID: c.MaxID, strings: c.Strings}
}

// Len returns the number of points.
func (s Series) Len() int { return len(s.keys) }

// Period returns the period of point i.
func (s Series) Period(i int) chiso.Period {
	p, _ := chiso.PeriodFromKey(s.keys[i])
	return p
}

// Key returns the chiso.Period.Key of point i.
func (s Series) Key(i int) int32 { return s.keys[i] }

// Value returns the value of point i.
func (s Series) Value(i int) float64 { return s.values[i] }

// Qualifier returns the qualifier of point i.
func (s Series) Qualifier(i int) chiso.Qualifier { return s.quals[i] }

// Method returns the method tag of point i; empty means the default.
func (s Series) Method(i int) string { return s.str(int(s.methods[i])) }

// Source returns the source of point i.
func (s Series) Source(i int) string { return s.str(int(s.sources[i])) }

// ID returns the store sequence number of point i.
func (s Series) ID(i int) int64 { return s.ids[i] }

// source is Source without copying the series.
func (s *Series) source(i int) string {
	if k := int(s.sources[i]); k > 0 && k < len(s.strings) {
		return s.strings[k]
	}
	return ""
}

func (s Series) str(i int) string {
	if i <= 0 || i >= len(s.strings) {
		return ""
	}
	return s.strings[i]
}

// Find returns the index of the point for period p, or -1. It searches
// by bisection, the points being in Period.Compare order.
func (s Series) Find(p chiso.Period) int { return s.find(p.Key(), periodOrder(p)) }

// find returns the index of the point with key k, or -1; o is the
// period's periodOrder.
func (s Series) find(k, o int32) int {
	lo := s.firstFrom(o)
	if lo < len(s.keys) && s.keys[lo] == k {
		return lo
	}
	return -1
}

// firstFrom returns the index of the first point whose periodOrder is o or
// more: len(s.keys) if none is.
func (s Series) firstFrom(o int32) int {
	lo, hi := 0, len(s.keys)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if keyOrder(s.keys[m]) < o {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// periodOrder maps a period to a number that sorts as chiso.Period.Compare
// does: by the month the period ends, then the longer period first.
func periodOrder(p chiso.Period) int32 {
	months := p.Kind.Months()
	start := p.Year * 12
	if p.Kind != chiso.Year {
		start += (p.N - 1) * months
	}
	return int32((start+months)*16 + 12 - months)
}

// keyOrder is periodOrder of the period with key k.
func keyOrder(k int32) int32 {
	return chiso.PeriodKey(k).Order()
}

// Data is what a check reads: the catalogue and the current observations.
// Implementations are safe for concurrent reads during an evaluation.
type Data interface {
	Indicator(code string) (chiso.Indicator, bool)
	Area(code string) (chiso.Area, bool)
	// Areas returns every area of the catalogue.
	Areas() []chiso.Area
	// Predecessors returns the lineage entries whose To is the area.
	Predecessors(area string) []chiso.Lineage
	// Targets returns the targets that apply to the indicator in the area
	// (the area's own, and national ones it does not override).
	Targets(indicator, area string) []chiso.Target
	// Series returns the series; its Len is 0 when there is none.
	Series(indicator, area string) Series
	// AreasWith returns the codes of the areas that have at least one point
	// for the indicator, sorted.
	AreasWith(indicator string) []string
}

// SeriesLister is Data that returns the series of many areas at once,
// faster than a Series call each; checks that read an indicator across
// areas use it when the Data has it (see appendSeries).
type SeriesLister interface {
	// AppendSeries appends to out the series of the indicator in each of
	// the areas, in their order, with Len 0 where there is none.
	AppendSeries(out []Series, indicator string, areas []string) []Series
}

// appendSeries appends the series of the indicator in each of the areas.
func appendSeries(d Data, out []Series, indicator string, areas []string) []Series {
	if l, ok := d.(SeriesLister); ok {
		return l.AppendSeries(out, indicator, areas)
	}
	for _, a := range areas {
		out = append(out, d.Series(indicator, a))
	}
	return out
}

// Env is what an evaluation passes to a check besides its parameters.
type Env struct {
	Data Data
	// Now is the evaluation time decided by the scheduler; checks never read
	// the clock.
	Now time.Time
	// Location is the configured time zone for calendars (due dates).
	Location *time.Location
	// Lang is the language of messages: "vi" or "en".
	Lang string
	// Skips, when not nil, counts the comparisons checks could not make and
	// why (too little history, a method change, incomplete lineage …), so
	// that "no finding" can be told from "not evaluated".
	Skips *Skips
	// Buffer, when not nil, holds a slice of zero findings that a check may
	// return its findings in, writing into it only by appending them (see
	// Env.findings), so that evaluations reuse memory; the caller copies
	// the findings out and clears what was written before the next check
	// runs with the same buffer.
	Buffer *[]chiso.Finding
	// Emit, when not nil, takes findings a batch at a time while a check
	// runs (see Env.spill), in the order the check finds them, before the
	// ones it returns; it clears the batch. A check with many findings then
	// writes them into the same few thousand, still in the processor's
	// cache, instead of holding them all.
	Emit func(batch []chiso.Finding)

	batch int // findings per emitted batch; zero means spillBatch (tests make it small)
}

// spillBatch is how many findings a check holds before it hands them to
// Env.Emit.
const spillBatch = 4096

// batchSize is how many findings a check holds before it hands them to
// Env.Emit.
func (env Env) batchSize() int {
	if env.batch > 0 {
		return env.batch
	}
	return spillBatch
}

// findings returns an empty slice for at least n findings (at most
// spillBatch when the findings are emitted in batches): the buffer, if
// there is one, else a new slice (nil for none).
func (env Env) findings(n int) []chiso.Finding {
	if env.Emit != nil {
		n = min(n, env.batchSize())
	}
	if env.Buffer == nil {
		if n == 0 {
			return nil
		}
		return make([]chiso.Finding, 0, n)
	}
	return slices.Grow((*env.Buffer)[:0], n)
}

// spill hands out's findings to Env.Emit when there are a batch of them
// or out is full, and returns out emptied; otherwise, or without Emit, it
// returns out as it is. Checks call it before appending a finding.
func (env Env) spill(out []chiso.Finding) []chiso.Finding {
	if env.Emit == nil || len(out) == 0 || (len(out) < env.batchSize() && len(out) < cap(out)) {
		return out
	}
	env.Emit(out)
	return out[:0]
}

// Scope is the part of the data one evaluation covers. The engine resolves a
// rule's indicators and area selector into it, and narrows it to what
// changed for an incremental evaluation.
type Scope struct {
	Indicators []string // the rule's indicators (for consistency, the ones its expressions name)
	Areas      []string // area codes
	// Periods, when not nil, limits a cross-sectional check (Unit
	// ByIndicatorPeriod) to these periods.
	Periods []chiso.Period
}

// Unit is the smallest part of the data a check's findings depend on: the
// engine caches findings per unit and re-evaluates only the units whose data
// changed.
type Unit uint8

// The units.
const (
	// BySeries: findings for (indicator, area) depend on that series (and
	// on the series of the area's predecessors, for lineage-aware checks).
	BySeries Unit = iota
	// ByArea: findings for an area depend on several indicators of that
	// area (consistency, definition).
	ByArea
	// ByIndicatorPeriod: findings for (indicator, period) depend on every
	// area's value for it (cross-sectional outliers).
	ByIndicatorPeriod
)

// Evaluator is implemented by every check kind's Params.
type Evaluator interface {
	Params
	// Prepare readies the parameters for evaluation, once, after Validate
	// has found no problem: what Evaluate needs of them (a compiled
	// expression, a parsed due date) is made here and kept in the
	// parameters, so that a reload with changed parameters is never judged
	// with the old ones. An error means the rule cannot run: rule loading
	// refuses it like any other problem. Prepare must not run while the
	// same parameters are being evaluated.
	Prepare() error
	// Unit says what the findings depend on.
	Unit() Unit
	// TimeDependent reports whether findings may change with Now alone
	// (freshness, targets with deadlines), so the engine re-runs the whole
	// scope on a scheduled evaluation.
	TimeDependent() bool
	// Evaluate returns the findings for the scope. It fills Diagnosis,
	// Status, Indicator, Area, Period, Value, Expected, Message, Source and
	// DataID; the engine fills Rule, Group, Check and Severity. An error
	// means the check could not run (parameters never prepared, say): the
	// engine marks the rule failed; no findings never stands for that.
	Evaluate(env Env, scope Scope) ([]chiso.Finding, error)
}

// UnpreparedError is what Evaluate returns for parameters whose Prepare
// has not run (or failed).
type UnpreparedError struct {
	Check string // the check kind, e.g. consistency
}

// Error says which check was not prepared.
func (e *UnpreparedError) Error() string {
	return "check " + e.Check + ": parameters not prepared (Prepare must succeed before Evaluate)"
}
