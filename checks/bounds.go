package checks

import (
	"math"

	"github.com/chiso-vn/chiso"
)

// DefaultSlack is how far, as a fraction of the figure, a "nearly" or
// "about" figure may be from the true value, and how far above an "over"
// figure the true value may lie, when a rule sets no slack of its own.
const DefaultSlack = 0.1

// interval is the set of true values a published figure allows.
type interval struct {
	lo, hi         float64
	loOpen, hiOpen bool // the bound itself is excluded
}

// figure returns the true values a figure v with qualifier q allows:
//
//   - exact, estimate, preliminary, derived: v itself (provisional figures
//     are judged as published; the message says so);
//   - over (trên, hơn): above v, strictly, up to v + slack·|v|;
//   - nearly (gần): just below v, from v − slack·|v| up to v excluded:
//     "gần 80%" has not reached 80% (a "nearly 0" is taken as 0, as every
//     figure without slack);
//   - about (khoảng): within slack·|v| either side.
func figure(v float64, q chiso.Qualifier, slack float64) interval {
	d := slack * math.Abs(v)
	if d == 0 { // no slack (or a zero figure): the figure is taken as the value
		return interval{lo: v, hi: v}
	}
	switch q.Bound() {
	case chiso.Lower:
		return interval{lo: v, hi: v + d, loOpen: true}
	case chiso.Upper:
		return interval{lo: v - d, hi: v, hiOpen: true}
	case chiso.Approximate:
		return interval{lo: v - d, hi: v + d}
	}
	return interval{lo: v, hi: v}
}

// clip narrows iv to the values the indicator can take (its catalogue
// [Min, Max]); ok is false when none is left, i.e. the figure is impossible.
// An "over" figure whose slack reaches past the maximum is thus judged on
// what it can be: "over 95%" is (95, 100].
func (iv interval) clip(ind chiso.Indicator) (interval, bool) { return iv.clipTo(ind.Min, ind.Max) }

// clipTo is clip to [lo, hi], where NaN is no bound.
func (iv interval) clipTo(lo, hi float64) (interval, bool) {
	if !math.IsNaN(lo) && iv.lo < lo {
		iv.lo, iv.loOpen = lo, false
	}
	if !math.IsNaN(hi) && iv.hi > hi {
		iv.hi, iv.hiOpen = hi, false
	}
	if iv.lo > iv.hi || (iv.lo == iv.hi && (iv.loOpen || iv.hiOpen)) {
		return iv, false
	}
	return iv, true
}

// verdict is the answer to "does the true value satisfy the condition?"
// over every value the figure allows.
type verdict uint8

const (
	holds  verdict = iota // for every allowed value
	fails                 // for none
	unsure                // for some: the qualifiers make it indeterminate
)

func mixed(all, none bool) verdict {
	switch {
	case all:
		return holds
	case none:
		return fails
	}
	return unsure
}

// atLeast judges x ≥ t.
func (iv interval) atLeast(t float64) verdict {
	return mixed(iv.lo >= t, iv.hi < t || (iv.hi == t && iv.hiOpen))
}

// above judges x > t.
func (iv interval) above(t float64) verdict {
	return mixed(iv.lo > t || (iv.lo == t && iv.loOpen), iv.hi <= t)
}

// atMost judges x ≤ t.
func (iv interval) atMost(t float64) verdict {
	return mixed(iv.hi <= t, iv.lo > t || (iv.lo == t && iv.loOpen))
}

// below judges x < t.
func (iv interval) below(t float64) verdict {
	return mixed(iv.hi < t || (iv.hi == t && iv.hiOpen), iv.lo >= t)
}

// within judges |x − t| ≤ d.
func (iv interval) within(t, d float64) verdict {
	return mixed(iv.lo >= t-d && iv.hi <= t+d,
		iv.hi < t-d || (iv.hi == t-d && iv.hiOpen) || iv.lo > t+d || (iv.lo == t+d && iv.loOpen))
}

// meets judges the comparator of a target; tol is the relative tolerance of ≈.
func (iv interval) meets(op chiso.Op, t, tol float64) verdict {
	switch op {
	case chiso.OpGE:
		return iv.atLeast(t)
	case chiso.OpGT:
		return iv.above(t)
	case chiso.OpLE:
		return iv.atMost(t)
	case chiso.OpLT:
		return iv.below(t)
	case chiso.OpApprox:
		return iv.within(t, tol*math.Abs(t))
	}
	return unsure
}

// slackOr returns the rule's slack, or DefaultSlack when unset.
func slackOr(p *float64) float64 {
	if p == nil {
		return DefaultSlack
	}
	return *p
}

// validateSlack reports a slack outside [0, 1).
func validateSlack(p *float64) []FieldError {
	if p != nil && (*p < 0 || *p >= 1 || math.IsNaN(*p)) {
		return []FieldError{fieldErr("slack", "must be a fraction in [0, 1), e.g. 0.1 for 10%%; got %g", *p)}
	}
	return nil
}
