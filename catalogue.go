package chiso

// Catalogue is everything chiso knows about what is measured and where:
// indicators, areas, their lineage, targets, and the sources figures are
// cited from.
type Catalogue struct {
	Indicators []Indicator
	Areas      []Area
	Lineage    []Lineage
	Targets    []Target
	// Bounds are the indicators' dated ranges of possible values (ranks
	// 1–34 from 2025-07-01); nil means every indicator's Min and Max
	// always apply.
	Bounds []DatedRange
	// Sources describe the publications observations cite; a source not
	// listed is known by its id alone.
	Sources []Source
}

// Indicator returns the indicator with the code, with its dated Bounds.
func (c *Catalogue) Indicator(code string) (Indicator, bool) {
	for _, ind := range c.Indicators {
		if ind.Code == code {
			ind.Bounds = c.BoundsOf(code)
			return ind, true
		}
	}
	return Indicator{}, false
}

// BoundsOf returns the dated bounds of the indicator, in catalogue order;
// nil when it has none.
func (c *Catalogue) BoundsOf(code string) []DatedRange {
	var out []DatedRange
	for _, b := range c.Bounds {
		if b.Indicator == code {
			out = append(out, b)
		}
	}
	return out
}

// Area returns the area with the code.
func (c *Catalogue) Area(code string) (Area, bool) {
	for _, a := range c.Areas {
		if a.Code == code {
			return a, true
		}
	}
	return Area{}, false
}

// Predecessors returns the areas that became the area with the code, with
// the lineage entries that say so.
func (c *Catalogue) Predecessors(code string) []Lineage {
	var out []Lineage
	for _, l := range c.Lineage {
		if l.To == code {
			out = append(out, l)
		}
	}
	return out
}

// TargetsFor returns the targets that apply to an indicator in an area: the
// area's own; then those it inherits from the areas it succeeded (a target
// set for Phú Yên for 2025 is Đắk Lắk's after the 2025 merger), for
// deadlines that end after the succession and that it has none of its own
// for; then the national ones for deadlines it has none for. Only targets
// in force at their deadline count (Target.InForce). Whether the area
// exists at a deadline is the caller's question (Area.HoldsAt).
func (c *Catalogue) TargetsFor(indicator, area string) []Target {
	own := c.ownTargets(indicator, area, map[string]bool{area: true})
	var national []Target
	for _, t := range c.Targets {
		if t.Indicator == indicator && t.Area == AnyArea && t.InForce() {
			national = append(national, t)
		}
	}
	return withoutDeadlinesOf(own, national)
}

// ownTargets returns the area's own targets and those it inherits from its
// predecessors; seen guards against cycles in a malformed lineage.
func (c *Catalogue) ownTargets(indicator, area string, seen map[string]bool) []Target {
	var own []Target
	for _, t := range c.Targets {
		if t.Indicator == indicator && t.Area == area && t.InForce() {
			own = append(own, t)
		}
	}
	var inherited []Target
	for _, l := range c.Predecessors(area) {
		if seen[l.From] {
			continue
		}
		seen[l.From] = true
		for _, t := range c.ownTargets(indicator, l.From, seen) {
			if t.Period.End().After(l.Effective) { // its deadline's last day is the successor's
				inherited = append(inherited, t)
			}
		}
	}
	return withoutDeadlinesOf(own, inherited)
}

// withoutDeadlinesOf returns first followed by the targets of then whose
// deadlines first has none for.
func withoutDeadlinesOf(first, then []Target) []Target {
	out := first
	for _, t := range then {
		overridden := false
		for _, o := range first {
			if o.Period == t.Period {
				overridden = true
				break
			}
		}
		if !overridden {
			out = append(out, t)
		}
	}
	return out
}
