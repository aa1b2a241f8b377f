package engine

import (
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/checks"
	"github.com/chiso-vn/chiso/store"
)

// column holds one series' current observations as parallel columns sorted
// by period key. The ids column holds the store sequence number of each
// point's revision; revs its revision number, kept only to decide which of
// two observations of one cell is current.
type column struct {
	keys    []int32
	values  []float64
	quals   []chiso.Qualifier
	methods []uint16
	sources []uint32
	ids     []int64
	revs    []int32
	maxID   int64 // the highest of ids
	shared  uint8 // which of quals, methods, sources and revs are shared (compact.go)
}

// len returns the number of points.
func (c *column) len() int { return len(c.keys) }

// search returns the position of key k in chiso.Period.Compare order:
// where it is, or where it would be inserted, and whether it is there.
func (c *column) search(k int32) (int, bool) {
	n, o := len(c.keys), order(k)
	if n == 0 || order(c.keys[n-1]) < o {
		return n, false // the common case: periods arrive in order
	}
	i, _ := slices.BinarySearchFunc(c.keys, o, func(e, o int32) int { return int(order(e) - o) })
	return i, i < n && c.keys[i] == k
}

// order maps a period key to a number that sorts as chiso.Period.Compare
// does: by the month the period ends, then the longer period first.
func order(k int32) int32 { return chiso.PeriodKey(k).Order() }

// point is one observation reduced to what the index keeps.
type point struct {
	key    int32
	rev    int32
	value  float64
	id     int64
	source uint32
	method uint16
	qual   chiso.Qualifier
}

// newer reports whether p should replace the point at position i: a higher
// revision, or the same revision with a higher sequence number. The same
// stored revision again changes nothing; observations not yet stored (ID
// 0) replace each other in arrival order.
func (c *column) newer(i int, p point) bool {
	if p.rev != c.revs[i] {
		return p.rev > c.revs[i]
	}
	return p.id > c.ids[i] || (p.id == 0 && c.ids[i] == 0)
}

// put inserts or replaces the point for p.key; it reports whether the
// column changed.
func (c *column) put(p point) bool {
	i, found := c.search(p.key)
	if found {
		if !c.newer(i, p) {
			return false
		}
		c.set(i, p)
		return true
	}
	c.maxID = max(c.maxID, p.id)
	if i == len(c.keys) {
		c.keys = append(c.keys, p.key)
		c.values = append(c.values, p.value)
		c.quals = append(c.quals, p.qual)
		c.methods = append(c.methods, p.method)
		c.sources = append(c.sources, p.source)
		c.ids = append(c.ids, p.id)
		c.revs = append(c.revs, p.rev)
		return true
	}
	c.keys = slices.Insert(c.keys, i, p.key)
	c.values = slices.Insert(c.values, i, p.value)
	c.quals = slices.Insert(c.quals, i, p.qual)
	c.methods = slices.Insert(c.methods, i, p.method)
	c.sources = slices.Insert(c.sources, i, p.source)
	c.ids = slices.Insert(c.ids, i, p.id)
	c.revs = slices.Insert(c.revs, i, p.rev)
	return true
}

// set overwrites point i, taking a copy of shared slices first; appends
// and inserts need no such care, since shared slices have no spare
// capacity.
func (c *column) set(i int, p point) {
	c.own()
	c.values[i], c.quals[i], c.methods[i] = p.value, p.qual, p.method
	c.sources[i], c.ids[i], c.revs[i] = p.source, p.id, p.rev
	c.maxID = max(c.maxID, p.id) // a point is replaced only by a higher id
}

// interner maps strings to small dense ids and back.
type interner struct {
	ids   map[string]int32
	names []string
}

func newInterner() interner { return interner{ids: map[string]int32{}} }

// id returns the id of s, adding it when new.
func (in *interner) id(s string) int32 {
	if id, ok := in.ids[s]; ok {
		return id
	}
	id := int32(len(in.names))
	in.names = append(in.names, s)
	in.ids[s] = id
	return id
}

// lookup returns the id of s, or -1 when it was never added.
func (in *interner) lookup(s string) int32 {
	if id, ok := in.ids[s]; ok {
		return id
	}
	return -1
}

// index is the in-memory columnar store of every series' current
// observations. It is not safe for concurrent use: the Engine guards it.
type index struct {
	indicators interner
	areas      interner
	// strs is the table methods and sources index; entry 0 is "".
	strs   interner
	cols   []column
	owners []uint64 // seriesKey of each column
	// byArea maps, per interned indicator, an area code to the position of
	// its column: lookups by code cost one string hash.
	byArea  []map[string]int32
	byInd   [][]int32 // per interned indicator, its columns
	stale   []bool    // byInd[indicator] needs sorting and AreasWith rebuilding
	withs   [][]string
	points  int
	periods map[int32]bool // every period key with a point
	lastPer int32
	lastKey uint64 // cache of the last series looked up while loading
	lastSer int32
	lastInd string
	lastAr  string
	lastSrc string
	lastSid uint32
	loading bool // compact each column when the next one starts
	share   sharing
}

func newIndex() *index {
	ix := &index{indicators: newInterner(), areas: newInterner(), strs: newInterner(),
		lastSer: -1, periods: map[int32]bool{}}
	ix.strs.id("")
	return ix
}

func seriesKey(ind, area int32) uint64 { return uint64(uint32(ind))<<32 | uint64(uint32(area)) }

// seriesFor returns the column of (indicator, area), creating it.
func (ix *index) seriesFor(indicator, area string) (int32, uint64) {
	if ix.lastSer >= 0 && indicator == ix.lastInd && area == ix.lastAr {
		return ix.lastSer, ix.lastKey
	}
	if ix.loading && ix.lastSer >= 0 {
		// The store scans series by series: the one left behind is most
		// likely complete, and trimming it now keeps the growth garbage of
		// one series, not of all, alive at once.
		ix.share.compact(&ix.cols[ix.lastSer])
	}
	ind := ix.indicators.id(indicator)
	for int(ind) >= len(ix.byInd) {
		ix.byInd = append(ix.byInd, nil)
		ix.byArea = append(ix.byArea, map[string]int32{})
		ix.stale = append(ix.stale, false)
		ix.withs = append(ix.withs, nil)
	}
	s, ok := ix.byArea[ind][area]
	if !ok {
		s = int32(len(ix.cols))
		ix.byArea[ind][area] = s
		if len(ix.cols) == cap(ix.cols) {
			// Doubled: append's smaller steps for large slices copied
			// the columns, and touched fresh memory, several times over
			// when a load met hundreds of thousands of series.
			ix.cols = slices.Grow(ix.cols, max(len(ix.cols), 64))
		}
		ix.cols = append(ix.cols, column{})
		ix.owners = append(ix.owners, seriesKey(ind, ix.areas.id(area)))
		ix.byInd[ind] = append(ix.byInd[ind], s)
		ix.stale[ind] = true
	}
	k := ix.owners[s]
	ix.lastSer, ix.lastKey, ix.lastInd, ix.lastAr = s, k, indicator, area
	return s, k
}

// source returns the string-table index of a source.
func (ix *index) source(s string) uint32 {
	if s != ix.lastSrc || ix.lastSid == 0 {
		ix.lastSrc, ix.lastSid = s, uint32(ix.strs.id(s))
	}
	return ix.lastSid
}

// method returns the string-table index of a method tag; a table past
// 65,535 entries cannot address a new tag, which then reads as the default.
func (ix *index) method(s string) uint16 {
	if s == "" {
		return 0
	}
	id := ix.strs.id(s)
	if id > math.MaxUint16 {
		return 0
	}
	return uint16(id)
}

// put adds an observation; it returns the series key and whether the index
// changed.
func (ix *index) put(o *chiso.Observation) (uint64, bool) {
	s, k := ix.seriesFor(o.Indicator, o.Area)
	p := point{key: o.Period.Key(), rev: int32(min(o.Revision, math.MaxInt32)), value: o.Value,
		id: o.ID, source: ix.source(o.Source), method: ix.method(o.Method), qual: o.Qualifier}
	c := &ix.cols[s]
	n := c.len()
	if !c.put(p) {
		return k, false
	}
	ix.points += c.len() - n
	if p.key != ix.lastPer {
		ix.periods[p.key], ix.lastPer = true, p.key
	}
	return k, true
}

// finish rebuilds what lookups need after a batch of puts.
func (ix *index) finish() {
	for ind, stale := range ix.stale {
		if !stale {
			continue
		}
		ss := ix.byInd[ind]
		slices.SortFunc(ss, func(a, b int32) int {
			return strings.Compare(ix.areas.names[ix.owners[a]&math.MaxUint32], ix.areas.names[ix.owners[b]&math.MaxUint32])
		})
		names := make([]string, len(ss))
		for i, s := range ss {
			names[i] = ix.areas.names[ix.owners[s]&math.MaxUint32]
		}
		ix.withs[ind], ix.stale[ind] = names, false
	}
	ix.lastSer = -1
}

// periodCount returns how many distinct periods have data.
func (ix *index) periodCount() int { return len(ix.periods) }

// compact releases the spare capacity of every column and shares what
// columns have in common.
func (ix *index) compact() {
	for i := range ix.cols {
		ix.share.compact(&ix.cols[i])
	}
}

// seriesOf returns the columns of an indicator by area code; nil when it
// has none.
func (ix *index) seriesOf(indicator string) map[string]int32 {
	ind := ix.indicators.lookup(indicator)
	if ind < 0 || int(ind) >= len(ix.byArea) {
		return nil
	}
	return ix.byArea[ind]
}

// view returns the series of (indicator, area) as a checks.Series.
func (ix *index) view(indicator, area string) checks.Series {
	return ix.viewIn(ix.seriesOf(indicator), indicator, area)
}

// viewIn returns the series of the area among an indicator's columns.
func (ix *index) viewIn(byArea map[string]int32, indicator, area string) checks.Series {
	s, ok := byArea[area]
	if !ok {
		s = -1
	}
	return ix.series(s, indicator, area)
}

// series returns column s as the series of (indicator, area); an empty
// series when s is negative.
func (ix *index) series(s int32, indicator, area string) checks.Series {
	if s < 0 {
		return checks.NewSeries(indicator, area, checks.SeriesColumns{Strings: ix.strs.names})
	}
	c := &ix.cols[s]
	return checks.NewSeries(indicator, area, checks.SeriesColumns{Keys: c.keys, Values: c.values,
		Qualifiers: c.quals, Methods: c.methods, Sources: c.sources, IDs: c.ids, MaxID: c.maxID, Strings: ix.strs.names})
}

// appendSeries appends the series of the indicator in each of the areas.
// The indicator's columns are sorted by area, so sorted areas are found by
// walking them, without hashing each code; unsorted ones are looked up.
func (ix *index) appendSeries(out []checks.Series, indicator string, areas []string) []checks.Series {
	ind := ix.indicators.lookup(indicator)
	if ind < 0 || int(ind) >= len(ix.byInd) || !slices.IsSorted(areas) {
		byArea := ix.seriesOf(indicator)
		for _, a := range areas {
			out = append(out, ix.viewIn(byArea, indicator, a))
		}
		return out
	}
	cols, names := ix.byInd[ind], ix.withs[ind]
	j := 0
	for _, a := range areas {
		if j < len(names) && names[j] < a { // usually the next one
			j++
			if j < len(names) && names[j] < a {
				j += sort.SearchStrings(names[j:], a)
			}
		}
		s := int32(-1)
		if j < len(names) && names[j] == a {
			s = cols[j]
		}
		out = append(out, ix.series(s, indicator, a))
	}
	return out
}

// areasWith returns the sorted codes of the areas with a series of the
// indicator.
func (ix *index) areasWith(indicator string) []string {
	ind := ix.indicators.lookup(indicator)
	if ind < 0 || int(ind) >= len(ix.withs) {
		return nil
	}
	return ix.withs[ind]
}

// figureLoader puts whole series of store figures into an index: a column
// is built from the store's columns at once, without a put per point.
type figureLoader struct {
	ix *index
	// sources and methods translate store ids into string-table indexes,
	// as met: -1 when not yet translated.
	sources []int64
	methods []int32
	// The unused rest of the blocks that columns' values and ids are cut
	// from.
	values []float64
	ids    []int64
	// Scratch columns, reused from series to series.
	perm  []int32
	keys  []int32
	quals []chiso.Qualifier
	revs  []int32
	srcs  []uint32
	meths []uint16
}

func newFigureLoader(ix *index) *figureLoader { return &figureLoader{ix: ix} }

// source returns the string-table index of a store source id.
func (l *figureLoader) source(names []string, id int32) uint32 {
	for len(l.sources) < len(names) {
		l.sources = append(l.sources, -1)
	}
	if t := l.sources[id]; t >= 0 {
		return uint32(t)
	}
	t := l.ix.source(names[id])
	l.sources[id] = int64(t)
	return t
}

// method returns the string-table index of a store method id.
func (l *figureLoader) method(names []string, id int32) uint16 {
	for len(l.methods) < len(names) {
		l.methods = append(l.methods, -1)
	}
	if t := l.methods[id]; t >= 0 {
		return uint16(t)
	}
	t := l.ix.method(names[id])
	l.methods[id] = int32(t)
	return t
}

// add puts the current figures of one series in the index.
func (l *figureLoader) add(f *store.SeriesFigures) error {
	ix := l.ix
	n := f.Len()
	if n == 0 {
		return nil
	}
	if cap(ix.cols) == 0 && f.Series > 0 {
		ix.cols = make([]column, 0, f.Series)
		ix.owners = make([]uint64, 0, f.Series)
	}
	s, _ := ix.seriesFor(f.Indicator, f.Area)
	c := &ix.cols[s]
	if c.len() > 0 {
		l.merge(c, f)
		return nil
	}
	// The store sorts by period key, the index by chiso.Period.Compare:
	// the two agree unless a series mixes period kinds.
	perm := l.perm[:0]
	for i := 1; i < n; i++ {
		if order(f.Periods[i-1]) >= order(f.Periods[i]) {
			for j := range n {
				perm = append(perm, int32(j))
			}
			slices.SortStableFunc(perm, func(a, b int32) int {
				return int(order(f.Periods[a])) - int(order(f.Periods[b]))
			})
			break
		}
	}
	l.perm = perm
	l.keys = gather(l.keys, f.Periods, perm)
	keys, seen := ix.share.keys.shareSeen(l.keys)
	c.keys = keys
	c.values = gather(cutBlock(&l.values, n), f.Values, perm)
	c.ids = gather(cutBlock(&l.ids, n), f.IDs, perm)
	if n > 0 {
		c.maxID = slices.Max(c.ids)
	}
	l.quals = gather(l.quals, f.Qualifiers, perm)
	c.quals = shareOrCopy(&ix.share.quals, l.quals, &c.shared, sharedQuals)
	l.revs = gather(l.revs, f.Revisions, perm)
	c.revs = shareOrCopy(&ix.share.revs, l.revs, &c.shared, sharedRevs)
	l.srcs = l.srcs[:0]
	for i := range n {
		l.srcs = append(l.srcs, l.source(f.SourceNames, f.Sources[at(perm, i)]))
	}
	c.sources = shareOrCopy(&ix.share.sources, l.srcs, &c.shared, sharedSources)
	l.meths = l.meths[:0]
	for i := range n {
		l.meths = append(l.meths, l.method(f.MethodNames, f.Methods[at(perm, i)]))
	}
	c.methods = shareOrCopy(&ix.share.methods, l.meths, &c.shared, sharedMethods)
	ix.points += n
	if !seen {
		for _, k := range keys {
			ix.periods[k] = true
		}
	}
	return nil
}

// merge puts the figures into a column that already has points, one by
// one, as Add would.
func (l *figureLoader) merge(c *column, f *store.SeriesFigures) {
	for i := range f.Len() {
		p := point{key: f.Periods[i], rev: f.Revisions[i], value: f.Values[i], id: f.IDs[i],
			source: l.source(f.SourceNames, f.Sources[i]), method: l.method(f.MethodNames, f.Methods[i]), qual: f.Qualifiers[i]}
		n := c.len()
		if c.put(p) {
			l.ix.points += c.len() - n
			l.ix.periods[p.key] = true
		}
	}
	l.ix.share.compact(c)
}

// blockLen is how many values or ids the loader allocates at once: a block
// serves many columns, where an allocation per column cost more than
// filling it.
const blockLen = 1 << 15

// cutBlock returns a slice of n entries and no spare capacity from the block,
// starting a new block when it has too few left.
func cutBlock[T any](block *[]T, n int) []T {
	if len(*block) < n {
		*block = make([]T, max(n, blockLen))
	}
	s := (*block)[:n:n]
	*block = (*block)[n:]
	return s
}

// at returns the i-th index of a permutation; an empty one is the
// identity.
func at(perm []int32, i int) int {
	if len(perm) == 0 {
		return i
	}
	return int(perm[i])
}

// gather sets dst to src in the order of perm (empty: as it is), reusing
// dst's storage.
func gather[T any](dst, src []T, perm []int32) []T {
	dst = dst[:0]
	if len(perm) == 0 {
		return append(dst, src...)
	}
	for _, i := range perm {
		dst = append(dst, src[i])
	}
	return dst
}
