package checks

import (
	"cmp"
	"math"
	"slices"
	"sync"

	"github.com/chiso-vn/chiso"
)

func init() {
	Register(Kind{Name: "outlier",
		Doc:       "Reports areas far from their peers in the same period: Hidiroglou–Berthelot on period-to-period ratios and robust z-scores (median, MAD) on levels.",
		NewParams: func() Params { return &OutlierParams{} }})
}

// The methods of the outlier check.
const (
	OutlierHB   = "hb"   // Hidiroglou–Berthelot on ratios to the previous like period
	OutlierMAD  = "mad"  // robust z-score of the level: (x − median) / (1.4826·MAD)
	OutlierBoth = "both" // either
)

// OutlierParams configures the outlier check, cross-sectional per
// (indicator, period) over the areas of the scope. Qualifiers are ignored:
// a figure ten times its peers' is an outlier whether or not it is "over".
type OutlierParams struct {
	// Method is hb, mad or both (the default).
	Method string `yaml:"method" json:"method,omitempty" jsonschema:"enum=hb,enum=mad,enum=both"`
	// C is the Hidiroglou–Berthelot width: a ratio is an outlier beyond C
	// quartile distances from the median effect; unset means 4.
	C *float64 `yaml:"c" json:"c,omitempty"`
	// U weighs the size of an area in the Hidiroglou–Berthelot effect
	// (0: ratios alone, 1: fully by size); unset means 0.5.
	U *float64 `yaml:"u" json:"u,omitempty"`
	// A keeps the Hidiroglou–Berthelot distances from vanishing when most
	// ratios are equal, as a fraction of the median effect; unset means 0.05.
	A *float64 `yaml:"a" json:"a,omitempty"`
	// MaxZ is the largest robust z-score of a level that is not an
	// outlier; unset means 3.5 (Iglewicz and Hoaglin).
	MaxZ *float64 `yaml:"max_z" json:"max_z,omitempty"`
	// MinAreas is the fewest areas with figures a verdict needs; unset
	// means 5, and fewer areas mean no finding.
	MinAreas *int `yaml:"min_areas" json:"min_areas,omitempty"`
	// Slack is how far the true value behind a qualified figure (over,
	// nearly, about) may be from the one published, as a fraction; unset
	// means 0.1. A flagged figure whose allowed values reach back within
	// the limit is indeterminate, not an outlier.
	Slack *float64 `yaml:"slack" json:"slack,omitempty"`
}

// Validate checks the method and the constants.
func (p *OutlierParams) Validate(cat *chiso.Catalogue, rule RuleContext) []FieldError {
	errs := needIndicators(rule)
	switch p.Method {
	case "", OutlierHB, OutlierMAD, OutlierBoth:
	default:
		errs = append(errs, fieldErr("method", "unknown method %q (want hb, mad or both)", p.Method))
	}
	for _, f := range []struct {
		key string
		v   *float64
	}{{"c", p.C}, {"a", p.A}, {"max_z", p.MaxZ}} {
		if f.v != nil && !(*f.v > 0) {
			errs = append(errs, fieldErr(f.key, "must be above 0; got %g", *f.v))
		}
	}
	if p.U != nil && !(*p.U >= 0 && *p.U <= 1) {
		errs = append(errs, fieldErr("u", "must be in [0, 1]; got %g", *p.U))
	}
	if p.MinAreas != nil && *p.MinAreas < 3 {
		errs = append(errs, fieldErr("min_areas", "must be at least 3; got %d", *p.MinAreas))
	}
	return append(errs, validateSlack(p.Slack)...)
}

// Prepare does nothing: Evaluate reads the parameters as they are.
func (p *OutlierParams) Prepare() error { return nil }

// Unit is ByIndicatorPeriod: a verdict depends on every area's figure.
func (p *OutlierParams) Unit() Unit { return ByIndicatorPeriod }

// TimeDependent is false.
func (p *OutlierParams) TimeDependent() bool { return false }

// peer is one area's figure in a cross-section, with its base for ratios.
type peer struct {
	area string
	cur  point
	base base
	has  bool // base is set: the previous like period, same method
}

// Evaluate judges every (indicator, period) of the scope; Scope.Periods,
// when not nil, limits the periods.
func (p *OutlierParams) Evaluate(env Env, scope Scope) ([]chiso.Finding, error) {
	out := env.findings(0)
	cs := crossSections.Get().(*crossSection)
	defer cs.release()
	cs.setAreas(env, scope.Areas)
	for _, code := range scope.Indicators {
		ind, ok := env.Data.Indicator(code)
		if !ok {
			env.skip(SkipUnknown)
			continue
		}
		cs.load(env, ind)
		periods := cs.gather(env, scope.Periods)
		for n, per := range periods {
			cs.section(cs.slotOf[n])
			out = append(out, p.crossSection(env, per, cs)...)
		}
	}
	return out, nil
}

// crossSection is the figures of one indicator across the areas of a
// scope, gathered once for every period judged: the figures of each period
// are one run of the columns, in the order of the areas. Only the few
// areas with findings are copied out as peers. Its slices are reused from
// one indicator to the next.
type crossSection struct {
	ind    chiso.Indicator
	areas  []string
	series []Series // one per area
	preds  []bool   // the area has predecessors (a lineage base is possible)

	// The periods' slots: slotOf[n] is the slot of the nth period judged,
	// one per distinct key; start[sl] is where the slot's run begins in
	// the columns and start[sl+1] where it ends.
	slotOf  []int32
	start   []int32
	fill    []int32
	keys    keySlots
	periods []chiso.Period // every period of the series, when the scope names none
	found   []int32        // their keys

	// The columns, per figure.
	allAt   []int32   // the area's index
	allCur  []float64 // the figure
	allBase []float64 // the previous like period's value by the same method, else NaN

	// The run of the period being judged.
	at   []int32
	cur  []float64
	base []float64

	scratch []float64
	ratios  []float64
	effects []float64
	valid   []int32 // the figures with a ratio, in order
}

// crossSections keeps the buffers of cross-sections between evaluations:
// they are large (the figures of every area for every period), and memory
// the process has not touched yet costs a page fault to write.
var crossSections = sync.Pool{New: func() any { return new(crossSection) }}

// release drops what refers to the data and returns cs to the pool.
func (cs *crossSection) release() {
	clear(cs.series)
	cs.ind, cs.areas, cs.series = chiso.Indicator{}, nil, cs.series[:0]
	crossSections.Put(cs)
}

// setAreas sets the areas of the scope.
func (cs *crossSection) setAreas(env Env, areas []string) {
	cs.areas, cs.preds = areas, cs.preds[:0]
	for _, a := range areas {
		cs.preds = append(cs.preds, len(env.Data.Predecessors(a)) > 0)
	}
}

// load fetches the indicator's series of every area once.
func (cs *crossSection) load(env Env, ind chiso.Indicator) {
	cs.ind, cs.series = ind, appendSeries(env.Data, slices.Grow(cs.series[:0], len(cs.areas)), ind.Code, cs.areas)
}

// gather fills the columns with the figures of the areas for the periods
// (nil: every period of the series, which it returns in order), each with
// its base when that is the previous like period by the same method (what
// baseline finds, read from the columns).
func (cs *crossSection) gather(env Env, periods []chiso.Period) []chiso.Period {
	var nslots int32
	if periods == nil && cs.everyPeriod() {
		periods, nslots = cs.periods, int32(len(cs.periods))
	} else {
		if periods == nil {
			periods = unionPeriods(cs.series)
		}
		nslots = cs.slots(periods)
	}
	for sl := range nslots {
		cs.start[sl+1] += cs.start[sl]
	}
	n := int(cs.start[nslots])
	cs.allAt = resize(cs.allAt, n)
	cs.allCur, cs.allBase = resize(cs.allCur, n), resize(cs.allBase, n)
	for a := range cs.series {
		s := &cs.series[a]
		if s.Len() == 0 {
			continue
		}
		bases := s.likeWalk()
		for i, k := range s.keys {
			sl := cs.keys.slot(k)
			if sl < 0 {
				continue
			}
			w := cs.start[sl] + cs.fill[sl]
			cs.fill[sl]++
			bv := math.NaN()
			j, none := bases.near(i)
			if j < 0 && !none {
				j = bases.seek(i)
			}
			if j >= 0 {
				if s.sameMethod(i, j) {
					bv = s.values[j]
				}
			} else if cs.preds[a] {
				if b, _, ok := baseline(env, &cs.ind, s, i); ok && b.period.Key() == int32(s.key(i).PreviousLike()) {
					bv = b.value
				}
			}
			cs.allAt[w], cs.allCur[w], cs.allBase[w] = int32(a), s.values[i], bv
		}
	}
	return periods
}

// slots gives each distinct key of the periods a slot, sets slotOf, and
// counts each slot's figures in start[sl+1]; it returns the number of
// slots.
func (cs *crossSection) slots(periods []chiso.Period) int32 {
	cs.keys.reset(periods)
	cs.slotOf = cs.slotOf[:0]
	nslots := int32(0)
	for _, per := range periods {
		sl := cs.keys.add(per.Key(), nslots)
		if sl == nslots {
			nslots++
		}
		cs.slotOf = append(cs.slotOf, sl)
	}
	cs.start, cs.fill = resize(cs.start, int(nslots)+1), resize(cs.fill, int(nslots))
	clear(cs.start)
	clear(cs.fill)
	for a := range cs.series {
		for _, k := range cs.series[a].keys {
			if sl := cs.keys.slot(k); sl >= 0 {
				cs.start[sl+1]++
			}
		}
	}
	return nslots
}

// everyPeriod sets cs.periods to every period of the series, in order (as
// unionPeriods), with a slot each, counting each slot's figures in
// start[sl+1]: the keys are counted in a table over the years of the
// series, and the keys found are ordered. It is false, doing nothing, when
// the series span too many years for the table.
func (cs *crossSection) everyPeriod() bool {
	first, last := math.MaxInt, math.MinInt
	for a := range cs.series {
		if s := &cs.series[a]; s.Len() > 0 { // years do not decrease along a series
			first, last = min(first, s.key(0).Year()), max(last, s.key(s.Len()-1).Year())
		}
	}
	cs.periods, cs.slotOf = cs.periods[:0], cs.slotOf[:0]
	if first > last {
		cs.start, cs.fill = resize(cs.start, 1), cs.fill[:0]
		cs.start[0] = 0
		cs.keys.m, cs.keys.table = nil, cs.keys.table[:0]
		return true
	}
	span := (last - first + 1) * chiso.PeriodKeysPerYear
	if span > maxKeyTable {
		return false
	}
	ks := &cs.keys
	ks.m, ks.lo, ks.table = nil, int32(first*chiso.PeriodKeysPerYear), resize(ks.table, span)
	clear(ks.table)
	for a := range cs.series {
		for _, k := range cs.series[a].keys {
			ks.table[k-ks.lo]++
		}
	}
	found := cs.found[:0]
	for i, c := range ks.table {
		if c > 0 {
			found = append(found, ks.lo+int32(i))
		}
	}
	cs.found = found
	slices.SortFunc(found, func(a, b int32) int { return cmp.Compare(keyOrder(a), keyOrder(b)) })
	cs.start, cs.fill = resize(cs.start, len(found)+1), resize(cs.fill, len(found))
	clear(cs.fill)
	cs.start[0] = 0
	for sl, k := range found {
		cs.start[sl+1] = ks.table[k-ks.lo]
		ks.table[k-ks.lo] = int32(sl) + 1
		cs.periods = append(cs.periods, keyPeriod(k))
		cs.slotOf = append(cs.slotOf, int32(sl))
	}
	return true
}

// section makes the run of slot sl the cross-section judged.
func (cs *crossSection) section(sl int32) {
	lo, hi := cs.start[sl], cs.start[sl+1]
	cs.at, cs.cur = cs.allAt[lo:hi], cs.allCur[lo:hi]
	cs.base = cs.allBase[lo:hi]
}

// resize returns xs with length n, reusing its memory when it can.
func resize[T any](xs []T, n int) []T {
	if cap(xs) < n {
		return make([]T, n)
	}
	return xs[:n]
}

// keySlots maps period keys to slots: through a table over the range of
// the keys when it is small, else through a map.
type keySlots struct {
	lo    int32
	table []int32 // slot+1 of key lo+i; 0 for none
	m     map[int32]int32
}

// maxKeyTable is the widest range of keys keySlots maps by a table: 64
// years.
const maxKeyTable = 64 * chiso.PeriodKeysPerYear

// reset prepares for the keys of periods.
func (ks *keySlots) reset(periods []chiso.Period) {
	ks.m = nil
	if len(periods) == 0 {
		ks.table = ks.table[:0]
		return
	}
	lo, hi := periods[0].Key(), periods[0].Key()
	for _, per := range periods[1:] {
		k := per.Key()
		lo, hi = min(lo, k), max(hi, k)
	}
	if int(hi)-int(lo) >= maxKeyTable {
		ks.table, ks.m = ks.table[:0], make(map[int32]int32, len(periods))
		return
	}
	ks.lo, ks.table = lo, resize(ks.table, int(hi-lo)+1)
	clear(ks.table)
}

// add gives key k the slot sl unless it has one, and returns its slot.
func (ks *keySlots) add(k, sl int32) int32 {
	if ks.m != nil {
		if s, ok := ks.m[k]; ok {
			return s
		}
		ks.m[k] = sl
		return sl
	}
	if s := ks.table[k-ks.lo]; s > 0 {
		return s - 1
	}
	ks.table[k-ks.lo] = sl + 1
	return sl
}

// slot returns the slot of key k, or -1.
func (ks *keySlots) slot(k int32) int32 {
	if ks.m != nil {
		if s, ok := ks.m[k]; ok {
			return s
		}
		return -1
	}
	if i := uint32(k - ks.lo); i < uint32(len(ks.table)) {
		return ks.table[i] - 1
	}
	return -1
}

// peer copies figure x, for period per, out of the columns, with its base
// when withBase.
func (cs *crossSection) peer(env Env, x int, per chiso.Period, withBase bool) peer {
	s := &cs.series[cs.at[x]]
	i := s.Find(per)
	pr := peer{area: cs.areas[cs.at[x]], cur: s.point(i)}
	if withBase {
		pr.base, _, pr.has = baseline(env, &cs.ind, s, i)
	}
	return pr
}

func (p *OutlierParams) minAreas() int {
	if p.MinAreas == nil {
		return 5
	}
	return *p.MinAreas
}

// crossSection returns the findings of one (indicator, period): at most one
// per area, the Hidiroglou–Berthelot verdict completed by the z-score's.
func (p *OutlierParams) crossSection(env Env, per chiso.Period, cs *crossSection) []chiso.Finding {
	var hb, mad []chiso.Finding
	if p.Method != OutlierMAD {
		hb = p.hb(env, per, cs)
	}
	if p.Method != OutlierHB {
		mad = p.mad(env, per, cs)
	}
	if len(hb)+len(mad) == 0 {
		return nil
	}
	byArea := map[string]*chiso.Finding{}
	var order []string
	add := func(f chiso.Finding, extra string) {
		if g, ok := byArea[f.Area]; ok {
			g.Message += " " + extra
			if f.Status == chiso.Fail {
				g.Status = chiso.Fail // one method's certain verdict is enough
			}
			return
		}
		byArea[f.Area], order = &f, append(order, f.Area)
	}
	for _, f := range hb {
		add(f, "")
	}
	for _, f := range mad {
		add(f, f.Message)
	}
	out := make([]chiso.Finding, 0, len(order))
	for _, a := range order {
		out = append(out, *byArea[a])
	}
	return out
}

// mad flags levels whose robust z-score exceeds MaxZ.
func (p *OutlierParams) mad(env Env, per chiso.Period, cs *crossSection) []chiso.Finding {
	if len(cs.cur) < p.minAreas() {
		env.skip(SkipTooFewAreas)
		return nil
	}
	med, scale := cs.robustScale(cs.cur)
	if scale == 0 {
		return nil
	}
	var out []chiso.Finding
	ind := cs.ind
	var indName, perName, medText, limitText string // the same in every finding of the cross-section
	for x, v := range cs.cur {
		z := (v - med) / scale
		if math.Abs(z) > orDefault(p.MaxZ, 3.5) {
			if out == nil {
				indName, perName = env.indName(ind.Code), env.period(per)
				medText, limitText = env.qty(med, ind), FormatNumber(orDefault(p.MaxZ, 3.5), env.Lang)
			}
			pr := cs.peer(env, x, per, false)
			msg := env.trs("%s của %s %s là %s, khác xa các địa phương khác (trung vị %s, điểm z vững = %s, ngưỡng %s).",
				"%s in %s, %s: %s is far from its peers (median %s, robust z-score %s, limit %s).",
				indName, env.areaName(pr.area), perName, env.fig(pr.cur, ind), medText,
				FormatNumber(z, env.Lang), limitText)
			st := p.madStatus(pr, med, scale)
			out = append(out, outlierFinding(ind, pr, st, msg+qualifiedNote(env, st)+env.sourceNote(pr.cur.source), med, pr.cur.id))
		}
	}
	return out
}

// robustScale returns the median of xs and 1.4826·MAD, or, when more than
// half the values are equal (MAD 0), 1.2533 times the mean absolute
// deviation from the median. It works in the cross-section's scratch
// memory; xs is not modified.
func (cs *crossSection) robustScale(xs []float64) (med, scale float64) {
	cs.scratch = resize(cs.scratch, len(xs))
	plain := copyPlain(cs.scratch, xs) && len(xs) > 0
	if plain {
		med = quantileFrom(cs.scratch, 0, 0.5, true)
	} else {
		med = quantileSelect(cs.scratch, 0.5)
	}
	dev := cs.scratch[:len(xs)]
	var sum float64
	for i, x := range xs {
		dev[i] = math.Abs(x - med)
		sum += dev[i]
	}
	var mad float64
	if plain && sum-sum == 0 { // every deviation is finite, and none is a negative zero
		mad = quantileFrom(dev, 0, 0.5, true)
	} else {
		mad = quantileSelect(dev, 0.5)
	}
	if mad > 0 {
		return med, 1.4826 * mad
	}
	return med, 1.2533 * sum / float64(len(xs))
}

// hb flags ratios to the previous like period by Hidiroglou–Berthelot.
func (p *OutlierParams) hb(env Env, per chiso.Period, cs *crossSection) []chiso.Finding {
	cs.ratios, cs.valid = cs.ratios[:0], cs.valid[:0]
	plain := true
	for x, b := range cs.base {
		if c := cs.cur[x]; c > 0 && b > 0 { // b is NaN without a base
			r := c / b
			cs.ratios, cs.valid = append(cs.ratios, r), append(cs.valid, int32(x))
			if r-r != 0 { // an infinity or a NaN; no ratio is a negative zero
				plain = false
			}
		}
	}
	if len(cs.ratios) < p.minAreas() {
		env.skip(SkipTooFewAreas)
		return nil
	}
	cs.scratch = append(cs.scratch[:0], cs.ratios...)
	var rm float64
	if plain && len(cs.scratch) > 0 {
		rm = quantileFrom(cs.scratch, 0, 0.5, true)
	} else {
		rm = quantileSelect(cs.scratch, 0.5)
	}
	u := orDefault(p.U, 0.5)
	cs.effects = resize(cs.effects, len(cs.ratios))
	if rm-rm == 0 && u == 0.5 { // rm is finite: what hbEffect gives, without a branch per ratio
		for n, x := range cs.valid {
			cs.effects[n] = hbEffectFinite(cs.ratios[n], rm, math.Sqrt(math.Max(cs.cur[x], cs.base[x])))
		}
	} else {
		for n, x := range cs.valid {
			cs.effects[n] = hbEffect(cs.ratios[n], rm, math.Max(cs.cur[x], cs.base[x]), u)
		}
	}
	cs.scratch = resize(cs.scratch, len(cs.effects))
	plain = copyPlain(cs.scratch, cs.effects)
	lo, hi := p.hbBoundsOf(cs.scratch, false, plain)
	var out []chiso.Finding
	var names *hbNames
	for n, e := range cs.effects {
		if e < lo || e > hi {
			if names == nil {
				names = newHBNames(env, cs.ind, per, rm, lo, hi)
			}
			out = append(out, p.hbFindingNamed(env, cs.ind, cs.peer(env, int(cs.valid[n]), per, true), cs.ratios[n], names))
		}
	}
	return out
}

// hbEffect is the Hidiroglou–Berthelot effect of a ratio r: its centred,
// symmetric distance from the median ratio rm, weighed by size^u.
func hbEffect(r, rm, size, u float64) float64 {
	s := r/rm - 1
	if r < rm {
		s = 1 - rm/r
	}
	if u == 0.5 { // what math.Pow does for this exponent
		return s * math.Sqrt(size)
	}
	return s * math.Pow(size, u)
}

// hbEffectFinite is hbEffect for a finite median ratio rm, a ratio r that
// is positive or +0, and the weight w = size^u. It takes the branch by the
// sign of r − rm, which is negative exactly when r < rm for such numbers.
func hbEffectFinite(r, rm, w float64) float64 {
	above, below := r/rm-1, 1-rm/r
	m := uint64(int64(math.Float64bits(r-rm)) >> 63) // all ones when r < rm
	return math.Float64frombits(math.Float64bits(above)&^m|math.Float64bits(below)&m) * w
}

// hbBoundsOf returns the range of effects that are not outliers, told
// what classify says of them; it reorders effects.
func (p *OutlierParams) hbBoundsOf(effects []float64, nan, plain bool) (lo, hi float64) {
	var q1, em, q3 float64
	if len(effects) == 0 || nan {
		q1, em, q3 = quantileSelect(effects, 0.25), quantileSelect(effects, 0.5), quantileSelect(effects, 0.75)
	} else { // each quantile's selection starts where the lower one's ended
		n := float64(len(effects) - 1)
		q1 = quantileFrom(effects, 0, 0.25, plain)
		em = quantileFrom(effects, int(0.25*n), 0.5, plain)
		q3 = quantileFrom(effects, int(0.5*n), 0.75, plain)
	}
	a, c := orDefault(p.A, 0.05), orDefault(p.C, 4)
	d1 := math.Max(em-q1, math.Abs(a*em))
	d3 := math.Max(q3-em, math.Abs(a*em))
	return em - c*d1, em + c*d3
}

// hbNames are the texts every Hidiroglou–Berthelot finding of one
// cross-section shares.
type hbNames struct {
	rm, lo, hi       float64 // the median ratio; the effects between which a ratio is not an outlier
	ind, per, rmText string
	prev             chiso.Period // the previous like period, named prevName
	prevName         string
}

func newHBNames(env Env, ind chiso.Indicator, per chiso.Period, rm, lo, hi float64) *hbNames {
	prev := per.PreviousLike()
	return &hbNames{rm: rm, lo: lo, hi: hi, ind: env.indName(ind.Code), per: env.period(per), rmText: FormatNumber(rm, env.Lang),
		prev: prev, prevName: env.period(prev)}
}

// hbFindingNamed builds the finding for a ratio far from its peers', with
// the texts the cross-section's findings share written once.
func (p *OutlierParams) hbFindingNamed(env Env, ind chiso.Indicator, pr peer, r float64, n *hbNames) chiso.Finding {
	desc := n.prevName // what describe writes of the area's own previous like period
	if pr.base.lineage || pr.base.period != n.prev {
		desc = env.describe(pr.base)
	}
	msg := env.trs("%s của %s: %s (%s) so với %s (%s) là ×%s, khác xa mức chung của các địa phương (×%s).",
		"%s in %s: %s (%s) against %s (%s) is ×%s, far from its peers' typical ×%s.",
		n.ind, env.areaName(pr.area), env.fig(pr.cur, ind), n.per,
		env.fig(pr.base.point, ind), desc, FormatNumber(r, env.Lang), n.rmText)
	st := p.hbStatus(pr, n)
	msg += qualifiedNote(env, st) + env.sourceNote(pr.cur.source, pr.base.source)
	expected := roundToFigures(pr.base.value*n.rm, pr.cur.value, pr.base.value) // as precise as the figures it comes from
	return outlierFinding(ind, pr, st, msg, expected, max(pr.cur.id, pr.base.id))
}

// madStatus is the verdict on a figure whose robust z-score is beyond the
// limit: indeterminate when a value its qualifier allows is within it.
func (p *OutlierParams) madStatus(pr peer, med, scale float64) chiso.Status {
	iv := figure(pr.cur.value, pr.cur.qual, slackOr(p.Slack))
	if iv.lo == iv.hi {
		return chiso.Fail
	}
	limit := orDefault(p.MaxZ, 3.5) * scale
	return outsideOr(iv.hi < med-limit || iv.lo > med+limit)
}

// hbStatus is the verdict on a ratio whose effect is beyond the bounds:
// indeterminate when a ratio the two figures' qualifiers allow has an
// effect within them. The effect grows with the ratio, so the ends of
// the allowed ratios tell.
func (p *OutlierParams) hbStatus(pr peer, n *hbNames) chiso.Status {
	slack := slackOr(p.Slack)
	cur, base := figure(pr.cur.value, pr.cur.qual, slack), pr.base.interval(slack)
	if cur.lo == cur.hi && base.lo == base.hi {
		return chiso.Fail
	}
	if !(base.lo > 0) || !(cur.lo > 0) {
		return chiso.Indeterminate // a ratio of what may be zero may be anything
	}
	size, u := math.Max(pr.cur.value, pr.base.value), orDefault(p.U, 0.5)
	elo, ehi := hbEffect(cur.lo/base.hi, n.rm, size, u), hbEffect(cur.hi/base.lo, n.rm, size, u)
	return outsideOr(ehi < n.lo || elo > n.hi)
}

// outsideOr is Fail when every allowed value is outside the limits, else
// Indeterminate.
func outsideOr(allOutside bool) chiso.Status {
	if allOutside {
		return chiso.Fail
	}
	return chiso.Indeterminate
}

// qualifiedNote says why an outlier is indeterminate; empty for a failure.
func qualifiedNote(env Env, st chiso.Status) string {
	if st != chiso.Indeterminate {
		return ""
	}
	return env.tr(" Số liệu có định tính nên giá trị thật có thể vẫn trong ngưỡng: chưa thể kết luận.",
		" The figures are qualified, so the true value may still be within the limit: this cannot be concluded.")
}

func outlierFinding(ind chiso.Indicator, pr peer, st chiso.Status, msg string, expected float64, id int64) chiso.Finding {
	return chiso.Finding{Diagnosis: chiso.Outlier, Status: st, Indicator: ind.Code, Area: pr.area,
		Period: pr.cur.period, Value: pr.cur.value, Qualifier: pr.cur.qual, Expected: expected, Message: msg, Source: pr.cur.source, DataID: id}
}
