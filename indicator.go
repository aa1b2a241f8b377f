package chiso

import (
	"fmt"
	"math"
	"time"
)

// IndicatorKind is what sort of quantity an indicator measures.
type IndicatorKind string

// The indicator kinds.
const (
	KindPercent IndicatorKind = "percent" // a share in 0–100
	KindCount   IndicatorKind = "count"   // a number of things, ≥ 0
	KindMoney   IndicatorKind = "money"   // an amount in the unit's currency and scale
	KindRank    IndicatorKind = "rank"    // a position among provinces, 1 is best
	KindRatio   IndicatorKind = "ratio"   // a quotient of two quantities
)

// Valid reports whether k is one of the known kinds.
func (k IndicatorKind) Valid() bool {
	switch k {
	case KindPercent, KindCount, KindMoney, KindRank, KindRatio:
		return true
	}
	return false
}

// Indicator is one entry of the catalogue: what is measured, in which unit,
// and what values are possible.
type Indicator struct {
	Code   string        // stable identifier, e.g. village_mobile_broadband_coverage
	NameVI string        // Vietnamese name, as department heads read it
	NameEN string        // English name
	Unit   string        // canonical unit of values: percent, station, billion_vnd, billion_usd …
	Kind   IndicatorKind // percent, count, money, rank or ratio
	// Additive is true when the value of a whole is the sum of its parts'
	// values (counts, money); false for shares, ranks and ratios.
	Additive bool
	// Min and Max bound possible values; NaN means unbounded on that side.
	Min, Max float64
	// Bounds replace Min and Max for the periods they cover (At); nil
	// means Min and Max always apply. The catalogue keeps them in its own
	// list (Catalogue.Bounds) and Catalogue.Indicator attaches them.
	Bounds []DatedRange
	// Method tags the definition or measuring method (e.g. "mic" vs "gso"
	// for the digital-economy share); empty means the only one known.
	Method string
	// Concept groups indicators that are alternative definitions of one
	// thing (bts_sites and bts_stations are both "bts"); empty means none.
	Concept     string
	Description string
	// Aliases are other names departments write for the indicator (Trạm
	// BTS for Số trạm BTS), matched like NameVI and NameEN when a file
	// names an indicator; nil means none.
	Aliases []string
	// Integral marks an indicator whose values are whole numbers although
	// its kind alone does not say so; counts and ranks always are (Whole).
	Integral bool
}

// Whole reports whether the indicator's values are whole numbers: counts,
// ranks and any indicator marked Integral. A fractional value for such an
// indicator is a misread figure (1,310 stations read as 1.31).
func (ind Indicator) Whole() bool {
	return ind.Integral || ind.Kind == KindCount || ind.Kind == KindRank
}

// Name returns the indicator's name in the language ("vi" or "en"), falling
// back to the other language and then to the code.
func (ind Indicator) Name(lang string) string {
	first, second := ind.NameVI, ind.NameEN
	if lang == "en" {
		first, second = second, first
	}
	switch {
	case first != "":
		return first
	case second != "":
		return second
	}
	return ind.Code
}

// InRange reports whether v lies within [Min, Max], unbounded sides ignored.
func (ind Indicator) InRange(v float64) bool {
	return (math.IsNaN(ind.Min) || v >= ind.Min) && (math.IsNaN(ind.Max) || v <= ind.Max)
}

// Validate reports the first thing wrong with the entry.
func (ind Indicator) Validate() error {
	switch {
	case ind.Code == "":
		return fmt.Errorf("indicator has no code")
	case !ind.Kind.Valid():
		return fmt.Errorf("indicator %s: unknown kind %q (want percent, count, money, rank or ratio)", ind.Code, ind.Kind)
	case ind.Unit == "":
		return fmt.Errorf("indicator %s: no unit", ind.Code)
	case !math.IsNaN(ind.Min) && !math.IsNaN(ind.Max) && ind.Min > ind.Max:
		return fmt.Errorf("indicator %s: min %g above max %g", ind.Code, ind.Min, ind.Max)
	}
	return nil
}

// DatedRange is the range of possible values an indicator has for the periods
// that end within its validity: ranks run 1–63 before the 2025 merger and
// 1–34 after it. It replaces the indicator's Min and Max for those periods.
type DatedRange struct {
	Indicator string
	// Min and Max bound possible values; NaN means unbounded on that side.
	Min, Max float64
	// ValidFrom is the first day the bound applies; zero means always.
	ValidFrom time.Time
	// ValidTo is the last day the bound applies; zero means still.
	ValidTo time.Time
}

// Covers reports whether the range applies to a figure for p: whether it
// is valid on p's last day, the day the figure describes (see
// Area.HoldsAt).
func (b DatedRange) Covers(p Period) bool {
	d := p.End().AddDate(0, 0, -1)
	return (b.ValidFrom.IsZero() || !d.Before(b.ValidFrom)) && (b.ValidTo.IsZero() || !d.After(b.ValidTo))
}

// At returns the indicator with the Min and Max that apply to a figure
// for p: those of the first of its Bounds that covers p, else its own.
func (ind Indicator) At(p Period) Indicator {
	for _, b := range ind.Bounds {
		if b.Covers(p) {
			ind.Min, ind.Max = b.Min, b.Max
			break
		}
	}
	return ind
}

// Validate reports the first thing wrong with the bound.
func (b DatedRange) Validate() error {
	switch {
	case b.Indicator == "":
		return fmt.Errorf("bound has no indicator")
	case !math.IsNaN(b.Min) && !math.IsNaN(b.Max) && b.Min > b.Max:
		return fmt.Errorf("bound of %s: min %g above max %g", b.Indicator, b.Min, b.Max)
	case !b.ValidFrom.IsZero() && !b.ValidTo.IsZero() && b.ValidTo.Before(b.ValidFrom):
		return fmt.Errorf("bound of %s: valid_to %s before valid_from %s", b.Indicator, b.ValidTo.Format(time.DateOnly), b.ValidFrom.Format(time.DateOnly))
	}
	return nil
}
