package chiso

// Catalogue is everything chiso knows about what is measured and where:
// indicators, areas, their lineage, targets, and the sources figures are
// cited from.
type Catalogue struct {
	Indicators []Indicator
	Areas      []Area
	Lineage    []Lineage
	Targets    []Target
	Sources    []Source // optional: a source not listed is known by its id alone
}

// Indicator returns the indicator with the code.
func (c *Catalogue) Indicator(code string) (Indicator, bool) {
	for _, ind := range c.Indicators {
		if ind.Code == code {
			return ind, true
		}
	}
	return Indicator{}, false
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
// area's own, and the national ones for deadlines the area has none for.
func (c *Catalogue) TargetsFor(indicator, area string) []Target {
	var own, national []Target
	for _, t := range c.Targets {
		switch {
		case t.Indicator != indicator:
		case t.Area == area:
			own = append(own, t)
		case t.Area == AnyArea:
			national = append(national, t)
		}
	}
	for _, t := range national {
		overridden := false
		for _, o := range own {
			if o.Period == t.Period {
				overridden = true
				break
			}
		}
		if !overridden {
			own = append(own, t)
		}
	}
	return own
}
