package checks

import (
	"strings"

	"github.com/chiso-vn/chiso"
)

// point is one figure of a series, copied out of its columns.
type point struct {
	period chiso.Period
	value  float64
	qual   chiso.Qualifier
	method string
	source string
	id     int64
}

// point returns point i.
func (s *Series) point(i int) point {
	return point{period: keyPeriod(s.keys[i]),
		value: s.values[i], qual: s.quals[i], method: s.str(int(s.methods[i])), source: s.str(int(s.sources[i])), id: s.ids[i]}
}

// key returns the period key of point i.
func (s *Series) key(i int) chiso.PeriodKey { return chiso.PeriodKey(s.keys[i]) }

// keyPeriod is chiso.PeriodFromKey without the validity check: the
// index holds valid keys only.
func keyPeriod(k int32) chiso.Period { return chiso.PeriodKey(k).Period() }

// likeIndex is likeBeforeFrom(i, s.Period(i)): the base of point i. It
// first looks where the previous like period is in a regular yearly,
// half-yearly, quarterly or monthly series.
func (s *Series) likeIndex(i int) int {
	if j := s.guess(i, s.key(i).PreviousLike()); j >= 0 {
		return j
	}
	return s.likeBeforeFrom(i, s.Period(i))
}

// guess returns the index of key k before point i when it is 1, 12, 4 or
// 2 points back, where a like period a year back is in a regular series;
// else -1.
func (s *Series) guess(i int, k chiso.PeriodKey) int {
	for _, d := range [...]int{1, 12, 4, 2} {
		if j := i - d; j >= 0 && s.key(j) == k {
			return j
		}
	}
	return -1
}

// likeWalk walks a series' figures in order with the index of each one's
// previous like period: the (current, base) pairs of the checks that
// compare a figure with the figure a year before (change, scale,
// outlier). Methods and predecessors are the caller's: see baseline. In a
// regular series the previous like period is always as far back, so the
// walk looks there first, with near, which is inlined, and only when that
// fails elsewhere, with seek:
//
//	w := s.likeWalk()
//	for i := range s.keys {
//		j, none := w.near(i)
//		if j < 0 && !none {
//			j = w.seek(i)
//		}
//		…
//	}
type likeWalk struct {
	s     *Series
	first int // the series' first year
	d     int // how far back the last previous like period was
}

// likeWalk returns a walk over s, which must have a point.
func (s *Series) likeWalk() likeWalk { return likeWalk{s: s, first: s.key(0).Year(), d: 1} }

// near returns the index of the figure for the like period a year before
// point i's when it is as far back as the last one found, else -1; none is
// true when the series starts after that year, so that no earlier like
// period is in it at all.
func (w *likeWalk) near(i int) (j int, none bool) {
	pk := w.s.key(i).PreviousLike()
	if j = i - w.d; j >= 0 && w.s.key(j) == pk {
		return j, false
	}
	return -1, pk.Year() < w.first
}

// seek returns the index of the figure for the like period a year before
// point i's wherever it is before i, or -1.
func (w *likeWalk) seek(i int) (j int) {
	pk := w.s.key(i).PreviousLike()
	if j = w.s.guess(i, pk); j < 0 {
		if j = w.s.find(int32(pk), keyOrder(int32(pk))); j >= i {
			j = -1
		}
	}
	if j >= 0 {
		w.d = i - j
	}
	return j
}

// likeBefore returns the index of the latest point before p that is a like
// period of p (same kind and number: H1 with H1, August with August, a year
// with a year), or -1. Usually that is p.PreviousLike(); when that period is
// missing it is an earlier one, and changes are annualised over the gap.
func (s Series) likeBefore(p chiso.Period) int {
	return s.likeBeforeFrom(s.Len(), p)
}

// likeBeforeFrom is likeBefore looking only at points before index end:
// for a point of the series itself, its own index. Like periods of p sort
// by year, so the latest one before end is the one with the highest year:
// it bisects for p.PreviousLike() first and steps back a year at a time
// across gaps, down to the series' first year.
func (s Series) likeBeforeFrom(end int, p chiso.Period) int {
	if s.Len() == 0 {
		return -1
	}
	first := s.key(0).Year() // the first point ends first, so has the lowest year
	if p.Year-first > maxLikeGap {
		return s.likeBeforeScan(end, p)
	}
	for y := p.Year - 1; y >= first; y-- {
		q := chiso.Period{Kind: p.Kind, Year: y, N: p.N}
		if j := s.find(q.Key(), periodOrder(q)); j >= 0 && j < end {
			return j
		}
	}
	return -1
}

// maxLikeGap is the most years likeBeforeFrom bisects for; a series that
// spans more is scanned.
const maxLikeGap = 64

// likeBeforeScan is likeBeforeFrom by a backward scan.
func (s Series) likeBeforeScan(end int, p chiso.Period) int {
	for i := end - 1; i >= 0; i-- {
		q := s.Period(i)
		if q.Kind == p.Kind && q.N == p.N && q.Year < p.Year {
			return i
		}
	}
	return -1
}

// latestBefore returns the index of the latest point of p's kind that ends
// before p does, or -1. Periods of one kind end in the order of their
// keys.
func (s Series) latestBefore(p chiso.Period) int {
	pk := chiso.PeriodKey(p.Key())
	for i := s.Len() - 1; i >= 0; i-- {
		if k := s.key(i); k.Kind() == p.Kind && k < pk {
			return i
		}
	}
	return -1
}

// maxID returns the highest store sequence number of the points.
func maxID(ps ...point) int64 {
	var m int64
	for _, p := range ps {
		m = max(m, p.id)
	}
	return m
}

// base is what a figure is compared with: the area's own figure for an
// earlier like period, or, for an area made by a merge, the sum of its
// predecessors' figures for that period.
type base struct {
	point           // period, summed value, widest qualifier, highest id
	parts   []point // with lineage, the figures summed, one per predecessor
	areas   []string
	lineage bool // the base comes from the predecessors
}

// interval returns the true values the base allows: the sum of its parts'
// (for the area's own figure, the figure's).
func (b base) interval(slack float64) interval {
	if !b.lineage {
		var iv interval
		f := figure(b.value, b.qual, slack)
		iv.lo, iv.hi = iv.lo+f.lo, iv.hi+f.hi
		iv.loOpen, iv.hiOpen = iv.loOpen || f.loOpen, iv.hiOpen || f.hiOpen
		return iv
	}
	var iv interval
	for _, p := range b.parts {
		f := figure(p.value, p.qual, slack)
		iv.lo, iv.hi = iv.lo+f.lo, iv.hi+f.hi
		iv.loOpen, iv.hiOpen = iv.loOpen || f.loOpen, iv.hiOpen || f.hiOpen
	}
	return iv
}

// years returns the time from the base to p in years (1 for like periods a
// year apart).
func (b base) years(p chiso.Period) float64 { return b.period.YearsBetween(p) }

// baseline finds what point i of series s (indicator ind) is compared
// with. Comparisons across methods are never made; an area made by a merge
// is compared with the sum of its predecessors for additive indicators and
// not at all for shares, ranks and ratios; a part of a split is not
// compared with the whole. ok is false with the reason otherwise.
func baseline(env Env, ind *chiso.Indicator, s *Series, i int) (base, SkipReason, bool) {
	if j := s.likeIndex(i); j >= 0 {
		if !s.sameMethod(i, j) {
			return base{}, SkipMethodChanged, false
		}
		return base{point: s.point(j)}, "", true
	}
	preds := env.Data.Predecessors(s.Area)
	if len(preds) == 0 {
		return base{}, SkipTooLittleHistory, false
	}
	return lineageBase(env, *ind, *s, s.point(i), preds)
}

// sameMethod reports whether points i and j have the same method tag.
func (s *Series) sameMethod(i, j int) bool {
	return s.methods[i] == s.methods[j] || s.Method(i) == s.Method(j)
}

// lineageBase sums the predecessors' figures for the latest like period
// before cur that any of them has.
func lineageBase(env Env, ind chiso.Indicator, s Series, cur point, preds []chiso.Lineage) (base, SkipReason, bool) {
	for _, l := range preds {
		if l.Kind == chiso.Split {
			return base{}, SkipLineageIncomplete, false
		}
	}
	if len(preds) > 1 && !ind.Additive {
		return base{}, SkipNotAdditive, false
	}
	var q chiso.Period
	for _, l := range preds {
		ps := env.Data.Series(s.Indicator, l.From)
		if j := ps.likeBefore(cur.period); j >= 0 && (q.IsZero() || q.Before(ps.Period(j))) {
			q = ps.Period(j)
		}
	}
	if q.IsZero() {
		return base{}, SkipTooLittleHistory, false
	}
	return sumPredecessors(env, s.Indicator, cur, q, preds)
}

// sumPredecessors adds up the predecessors' figures for period q; every
// predecessor must have one, by the same method as cur.
func sumPredecessors(env Env, indicator string, cur point, q chiso.Period, preds []chiso.Lineage) (base, SkipReason, bool) {
	b := base{lineage: true}
	b.period, b.method = q, cur.method
	var sources []string
	for _, l := range preds {
		ps := env.Data.Series(indicator, l.From)
		j := ps.Find(q)
		if j < 0 {
			return base{}, SkipLineageIncomplete, false
		}
		p := ps.point(j)
		if p.method != cur.method {
			return base{}, SkipMethodChanged, false
		}
		b.parts, b.areas = append(b.parts, p), append(b.areas, l.From)
		b.value += p.value
		b.id = max(b.id, p.id)
		if p.qual != chiso.Exact {
			b.qual = p.qual
		}
		if !contains(sources, p.source) {
			sources = append(sources, p.source)
		}
	}
	b.source = strings.Join(sources, "; ")
	return b, "", true
}

// describe says what the base is: "năm 2024" or "năm 2024, tổng của Phú
// Thọ, Vĩnh Phúc, Hòa Bình trước sáp nhập"; messages put it in brackets.
func (e Env) describe(b base) string {
	if !b.lineage {
		return e.period(b.period)
	}
	names := make([]string, len(b.areas))
	for i, a := range b.areas {
		names[i] = e.areaName(a)
	}
	return e.trs("%s, tổng của %s trước sáp nhập", "%s, the sum of %s before the merger",
		e.period(b.period), strings.Join(names, ", "))
}
