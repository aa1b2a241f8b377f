package rules

import (
	"slices"

	"github.com/chiso-vn/chiso/checks"
)

// Reads returns the indicators a rule reads, sorted, each once: those it
// names (indicator:, indicators:) and those its check's parameters name
// (consistency expressions, a definition's alternatives). Empty means the
// rule names none of its own.
func (r Rule) Reads() []string {
	out := slices.Clone(r.Indicators)
	if l, ok := r.Params.(checks.IndicatorLister); ok {
		out = append(out, l.Indicators()...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}
