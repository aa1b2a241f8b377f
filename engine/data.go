package engine

import (
	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/checks"
)

// catalogue is the catalogue with the lookups checks make precomputed:
// maps by code, lineage by successor, and targets per indicator and area.
type catalogue struct {
	cat          *chiso.Catalogue
	indicators   map[string]chiso.Indicator
	areas        map[string]chiso.Area
	predecessors map[string][]chiso.Lineage
	// successors maps an area to every area that descends from it, however
	// many lineage steps away.
	successors map[string][]string
	national   map[string][]chiso.Target          // indicator → national targets
	own        map[chiso.SeriesKey][]chiso.Target // the area's own and inherited, then national ones they do not override
}

func newCatalogue(cat *chiso.Catalogue) *catalogue {
	c := &catalogue{cat: cat, indicators: map[string]chiso.Indicator{}, areas: map[string]chiso.Area{},
		predecessors: map[string][]chiso.Lineage{}, national: map[string][]chiso.Target{},
		own: map[chiso.SeriesKey][]chiso.Target{}}
	bounds := map[string][]chiso.DatedRange{}
	for _, b := range cat.Bounds {
		bounds[b.Indicator] = append(bounds[b.Indicator], b)
	}
	for _, ind := range cat.Indicators {
		ind.Bounds = bounds[ind.Code]
		c.indicators[ind.Code] = ind
	}
	for _, a := range cat.Areas {
		c.areas[a.Code] = a
	}
	for _, l := range cat.Lineage {
		c.predecessors[l.To] = append(c.predecessors[l.To], l)
	}
	c.successors = descendants(cat.Lineage)
	for _, t := range cat.Targets {
		if t.Area == chiso.AnyArea && t.InForce() {
			c.national[t.Indicator] = append(c.national[t.Indicator], t)
		}
	}
	for _, t := range cat.Targets {
		if t.Area == chiso.AnyArea {
			continue
		}
		// the area's own targets, and its successors' inherited ones
		for _, a := range append([]string{t.Area}, c.successors[t.Area]...) {
			if k := (chiso.SeriesKey{Indicator: t.Indicator, Area: a}); c.own[k] == nil {
				c.own[k] = cat.TargetsFor(t.Indicator, a)
			}
		}
	}
	return c
}

// descendants follows lineage forward from every area, guarding against
// cycles in a malformed catalogue.
func descendants(lineage []chiso.Lineage) map[string][]string {
	next := map[string][]string{}
	for _, l := range lineage {
		next[l.From] = append(next[l.From], l.To)
	}
	out := map[string][]string{}
	for from := range next {
		seen := map[string]bool{from: true}
		queue := append([]string(nil), next[from]...)
		for len(queue) > 0 {
			a := queue[0]
			queue = queue[1:]
			if seen[a] {
				continue
			}
			seen[a] = true
			out[from] = append(out[from], a)
			queue = append(queue, next[a]...)
		}
	}
	return out
}

// targets returns the targets that apply to the indicator in the area, as
// chiso.Catalogue.TargetsFor does, without allocating.
func (c *catalogue) targets(indicator, area string) []chiso.Target {
	if t, ok := c.own[chiso.SeriesKey{Indicator: indicator, Area: area}]; ok {
		return t
	}
	return c.national[indicator]
}

// view is the checks.Data an evaluation reads: the catalogue and the index,
// read under the Engine's read lock. Each task has its own view, which
// remembers the columns of the indicator it last read: checks read one
// indicator's series area after area.
type view struct {
	cat    *catalogue
	ix     *index
	ind    string
	byArea map[string]int32
	cached bool
}

var _ checks.Data = (*view)(nil)

// Indicator returns the catalogue entry of the indicator.
func (v *view) Indicator(code string) (chiso.Indicator, bool) {
	ind, ok := v.cat.indicators[code]
	return ind, ok
}

// Area returns the catalogue entry of the area.
func (v *view) Area(code string) (chiso.Area, bool) {
	a, ok := v.cat.areas[code]
	return a, ok
}

// AreaNamer returns the catalogue's area names by code, holding the
// catalogue and not the index.
func (v *view) AreaNamer() func(code string) string { return v.cat.areaName }

// areaName returns the name of the area, or its code if it has none.
func (c *catalogue) areaName(code string) string {
	if a, ok := c.areas[code]; ok && a.Name != "" {
		return a.Name
	}
	return code
}

// Areas returns every area of the catalogue.
func (v *view) Areas() []chiso.Area { return v.cat.cat.Areas }

// Predecessors returns the lineage entries whose To is the area.
func (v *view) Predecessors(area string) []chiso.Lineage { return v.cat.predecessors[area] }

// Targets returns the targets that apply to the indicator in the area.
func (v *view) Targets(indicator, area string) []chiso.Target { return v.cat.targets(indicator, area) }

// Series returns the current observations of the indicator in the area.
func (v *view) Series(indicator, area string) checks.Series {
	if !v.cached || indicator != v.ind {
		v.ind, v.byArea, v.cached = indicator, v.ix.seriesOf(indicator), true
	}
	return v.ix.viewIn(v.byArea, indicator, area)
}

// AppendSeries appends the series of the indicator in each of the areas,
// in their order.
func (v *view) AppendSeries(out []checks.Series, indicator string, areas []string) []checks.Series {
	return v.ix.appendSeries(out, indicator, areas)
}

// AreasWith returns the sorted codes of the areas with data for the
// indicator.
func (v *view) AreasWith(indicator string) []string { return v.ix.areasWith(indicator) }
