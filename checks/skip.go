package checks

import (
	"sort"
	"sync"
	"sync/atomic"
)

// SkipReason says why a check could not judge part of its scope. A skip is
// not a finding: it is counted so that an operator can tell "nothing wrong"
// from "nothing could be checked".
type SkipReason string

// The reasons a check skips a comparison.
const (
	// SkipTooLittleHistory: fewer points than the check needs (no
	// previous like period, fewer than two points for a projection).
	SkipTooLittleHistory SkipReason = "too_little_history"
	// SkipMethodChanged: the two figures were measured by different methods.
	SkipMethodChanged SkipReason = "method_changed"
	// SkipLineageIncomplete: the area's predecessors lack the base period.
	SkipLineageIncomplete SkipReason = "lineage_incomplete"
	// SkipNotAdditive: the area was merged or split and the indicator is a
	// share, rank or ratio, which cannot be summed over predecessors.
	SkipNotAdditive SkipReason = "lineage_not_additive"
	// SkipBelowMinBase: the base value is below the rule's min_base.
	SkipBelowMinBase SkipReason = "below_min_base"
	// SkipUnitSlip: left to the scale check, which names the slip.
	SkipUnitSlip SkipReason = "left_to_scale"
	// SkipMissingValues: an expression names an indicator without a value.
	SkipMissingValues SkipReason = "missing_values"
	// SkipTooFewAreas: a cross-sectional check has fewer areas than it needs.
	SkipTooFewAreas SkipReason = "too_few_areas"
	// SkipNoData: the series has no value the check could judge.
	SkipNoData SkipReason = "no_data"
	// SkipUnknown: an indicator or area is not in the catalogue.
	SkipUnknown SkipReason = "unknown_code"
)

// Skips counts skipped comparisons by reason. It is safe for concurrent use;
// a nil *Skips counts nothing.
type Skips struct {
	known [len(knownReasons)]atomic.Int64 // counts of the package's reasons, without a lock
	mu    sync.Mutex
	n     map[SkipReason]int // counts of other reasons
}

// knownReasons are the package's reasons, which Skips counts in an array.
var knownReasons = [...]SkipReason{SkipTooLittleHistory, SkipMethodChanged, SkipLineageIncomplete, SkipNotAdditive,
	SkipBelowMinBase, SkipUnitSlip, SkipMissingValues, SkipTooFewAreas, SkipNoData, SkipUnknown}

// known returns the index of r in knownReasons, or -1.
func known(r SkipReason) int {
	for i, k := range knownReasons {
		if r == k {
			return i
		}
	}
	return -1
}

// Add counts one skip for the reason.
func (s *Skips) Add(r SkipReason) {
	if s == nil {
		return
	}
	if i := known(r); i >= 0 {
		s.known[i].Add(1)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.n == nil {
		s.n = map[SkipReason]int{}
	}
	s.n[r]++
}

// add counts n skips for one of the package's reasons.
func (s *Skips) add(r SkipReason, n int) {
	if s == nil || n == 0 {
		return
	}
	if i := known(r); i >= 0 {
		s.known[i].Add(int64(n))
		return
	}
	for range n {
		s.Add(r)
	}
}

// Count returns how many skips were counted for the reason.
func (s *Skips) Count(r SkipReason) int {
	if s == nil {
		return 0
	}
	if i := known(r); i >= 0 {
		return int(s.known[i].Load())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n[r]
}

// Reasons returns the reasons counted so far, sorted.
func (s *Skips) Reasons() []SkipReason {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]SkipReason, 0, len(s.n))
	for r := range s.n {
		out = append(out, r)
	}
	for i, r := range knownReasons {
		if s.known[i].Load() > 0 {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func (e Env) skip(r SkipReason) { e.Skips.Add(r) }
