package checks

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/checks/consistency"
	"github.com/expr-lang/expr/vm"
)

func init() {
	Register(Kind{Name: "consistency",
		Doc:       "Reports figures of one area and period that contradict each other: parts larger than wholes, published shares that do not match their parts.",
		NewParams: func() Params { return &ConsistencyParams{} }})
}

// ConsistencyParams configures the consistency check: an expression over
// indicator codes, judged for every area and period where all of them have
// a figure (a missing one means no verdict, not a finding). Comparisons may
// be chained (a <= b <= c) and a ~= b (or a ≈ b, or approx(a, b)) is
// approximate equality, with "a ~= b ± t" (or approx(a, b, t)) for an
// explicit tolerance. When qualified figures ("over",
// "nearly", "about") let the verdict go either way, it is indeterminate.
type ConsistencyParams struct {
	// Expr is the expression that must hold, e.g.
	// "commune_radio_stations_it <= commune_radio_stations <= communes" or
	// "commune_radio_rate ~= 100 * commune_radio_stations / communes".
	Expr string `yaml:"expr" json:"expr"`
	// Tolerance is the absolute tolerance of ~= where the expression gives
	// none with ±, in the compared values' unit; unset means half a unit of
	// the last decimal published (83.7 → ±0.05, 84 → ±0.5).
	Tolerance *float64 `yaml:"tolerance" json:"tolerance,omitempty"`
	// Slack is how far, as a fraction of the figure, a qualified figure may
	// lie from the true value; unset means 0.1.
	Slack *float64 `yaml:"slack" json:"slack,omitempty"`

	expr *consistency.Expr // Expr compiled by Prepare; nil before
}

// Indicators returns the indicator codes the expression names, in order of
// first mention.
func (p *ConsistencyParams) Indicators() []string {
	return consistency.Names(p.Expr)
}

// Validate compiles the expression: every identifier must be an indicator
// of the catalogue, and the result a boolean. Errors carry the byte offset
// in expr.
func (p *ConsistencyParams) Validate(cat *chiso.Catalogue, rule RuleContext) []FieldError {
	errs := append(validateSlack(p.Slack), nonNegative("tolerance", p.Tolerance)...)
	if strings.TrimSpace(p.Expr) == "" {
		return append(errs, fieldErr("expr", "is empty; write a condition over indicator codes, e.g. a <= b <= c"))
	}
	idents, err := consistency.Identifiers(p.Expr)
	if err != nil {
		return append(errs, exprFieldError(err))
	}
	if len(idents) == 0 {
		return append(errs, fieldErr("expr", "names no indicator; write a condition over indicator codes, e.g. a <= b <= c"))
	}
	var unknown []FieldError
	for _, id := range idents {
		if _, ok := cat.Indicator(id.Name); !ok {
			unknown = append(unknown, FieldError{Field: "expr", Offset: id.Offset, Msg: fmt.Sprintf("unknown indicator %q", id.Name)})
		}
	}
	if len(unknown) > 0 {
		return append(errs, unknown...)
	}
	if _, err := consistency.Compile(p.Expr); err != nil {
		errs = append(errs, exprFieldError(err))
	}
	return errs
}

// exprFieldError turns an expression error into a FieldError on expr.
func exprFieldError(err error) FieldError {
	var ee *consistency.Error
	if errors.As(err, &ee) {
		return FieldError{Field: "expr", Offset: ee.Offset, Msg: ee.Msg}
	}
	return FieldError{Field: "expr", Offset: -1, Msg: err.Error()}
}

// Unit is ByArea: findings depend on several indicators of one area.
func (p *ConsistencyParams) Unit() Unit { return ByArea }

// TimeDependent is false.
func (p *ConsistencyParams) TimeDependent() bool { return false }

// Prepare compiles the expression, which Validate has accepted, for
// Evaluate.
func (p *ConsistencyParams) Prepare() error {
	c, err := consistency.Compile(p.Expr)
	if err != nil {
		return fmt.Errorf("expr: %w", err)
	}
	if len(c.Names) == 0 {
		return errors.New("expr: names no indicator")
	}
	p.expr = c
	return nil
}

// Evaluate judges the expression for every area of the scope and every
// period where all the indicators it names have a figure. It first finds
// the failing units, then builds their findings into a slice of the right
// size.
func (p *ConsistencyParams) Evaluate(env Env, scope Scope) ([]chiso.Finding, error) {
	if p.expr == nil {
		return nil, &UnpreparedError{Check: "consistency"}
	}
	j := newJudge(p, env, p.expr)
	defer j.release()
	for lo := 0; lo < len(scope.Areas); lo += fetchBlock {
		j.fetch(scope.Areas, lo)
		for a := lo; a < j.hi; a++ {
			j.area(int32(a))
		}
	}
	return j.findings(scope.Areas), nil
}

// judge holds what judging one expression over many areas and periods
// reuses: the indicators, the buffers of one (area, period), the names in
// messages.
type judge struct {
	p   *ConsistencyParams
	env Env
	c   *consistency.Expr

	inds    []chiso.Indicator
	known   []bool // the indicator is in the catalogue
	names   []string
	forms   []quantityForm
	slack   float64
	series  []Series   // the series of the area being judged
	all     [][]Series // by indicator, the series of the areas lo to hi of the scope
	lo, hi  int
	pos     []int  // per series, the point at or after the period being judged
	at      []int  // per series, the point of the period being judged
	present []bool // per series, whether it has a point for the period being judged
	keys    []int32
	merged  []int32
	ivs     []interval
	qual    []int
	masks   []int
	state   consistency.State
	machine vm.VM
	envs    []map[string]any // expr's environments, reused

	// The verdicts of the units from the first area with a failing one on,
	// area by area and period by period (as j.keys lists them): 0 when the
	// expression holds or was not judged, else 1 + 2·part, +1 if unsure.
	codes     []uint32
	areaCodes []uint32          // those of the area being judged
	firstArea int32             // -1 until a unit fails
	failing   int               // units that fail or may fail
	notes     *consistencyNotes // of the findings
	records   []inconsistency
	scratch   *judgeScratch // where codes … all came from and go back to
}

func newJudge(p *ConsistencyParams, env Env, c *consistency.Expr) *judge {
	n := len(c.Names)
	j := &judge{p: p, env: env, c: c, slack: slackOr(p.Slack), firstArea: -1,
		inds: make([]chiso.Indicator, n), known: make([]bool, n), names: make([]string, n), forms: make([]quantityForm, n),
		series: make([]Series, n), pos: make([]int, n), at: make([]int, n), present: make([]bool, n), ivs: make([]interval, n)}
	for i, code := range c.Names {
		j.inds[i], j.known[i] = env.Data.Indicator(code)
		j.names[i] = env.indName(code)
		j.forms[i] = quantityFormOf(j.inds[i].Unit, env.Lang)
	}
	j.state = consistency.State{Vals: make([]float64, n), Published: make([]float64, n), Half: make([]float64, n), Tolerance: p.Tolerance}
	j.scratch = judgeScratches.Get().(*judgeScratch)
	sc := j.scratch
	j.codes, j.areaCodes, j.keys, j.merged, j.all = sc.codes, sc.areaCodes, sc.keys, sc.merged, sc.all
	if cap(j.all) < n {
		j.all = make([][]Series, n)
	}
	j.all = j.all[:n]
	return j
}

// judgeScratch is what a judge uses only while it runs and keeps between
// evaluations: the verdicts of the units and the blocks of series, whose
// memory would otherwise be new (and cost page faults) each time.
type judgeScratch struct {
	codes, areaCodes []uint32
	keys, merged     []int32
	all              [][]Series
}

var judgeScratches = sync.Pool{New: func() any { return new(judgeScratch) }}

// release drops what refers to the data and returns the judge's scratch to
// the pool; the findings' notes are not scratch and stay.
func (j *judge) release() {
	for i := range j.all {
		clear(j.all[i])
		j.all[i] = j.all[i][:0]
	}
	*j.scratch = judgeScratch{codes: j.codes[:0], areaCodes: j.areaCodes[:0], keys: j.keys[:0], merged: j.merged[:0], all: j.all}
	judgeScratches.Put(j.scratch)
	j.codes, j.areaCodes, j.keys, j.merged, j.all, j.scratch = nil, nil, nil, nil, nil, nil
}

// area judges one area (index a in the scope) and notes its failing units.
func (j *judge) area(a int32) {
	j.load(a)
	j.areaCodes = j.areaCodes[:0]
	for _, k := range j.keys {
		code := uint32(0)
		if !j.locate(k) && !j.anyPartPresent() {
			j.env.skip(SkipMissingValues)
		} else if part, v, ok := j.verdict(); ok && (v == fails || v == unsure) {
			code = 1 + 2*uint32(part)
			if v == unsure {
				code++
			}
			j.failing++
			if j.firstArea < 0 {
				j.firstArea = a
			}
		}
		j.areaCodes = append(j.areaCodes, code)
	}
	if j.firstArea >= 0 {
		j.codes = append(j.codes, j.areaCodes...)
	}
}

// fetchBlock is how many areas' series a judge reads at once.
const fetchBlock = 64

// fetch reads the series of the areas from lo on, fetchBlock of them (or
// up to the last), one indicator after the other.
func (j *judge) fetch(areas []string, lo int) {
	j.lo, j.hi = lo, min(lo+fetchBlock, len(areas))
	for i, n := range j.c.Names {
		j.all[i] = appendSeries(j.env.Data, j.all[i][:0], n, areas[j.lo:j.hi])
	}
}

// load takes the series of area a, which fetch has read, and the union of
// their periods.
func (j *judge) load(a int32) {
	for i := range j.c.Names {
		j.series[i] = j.all[i][int(a)-j.lo]
		j.pos[i] = 0
	}
	j.unionKeys()
}

// findings builds the findings of the failing units, judged again from
// their codes.
func (j *judge) findings(areas []string) []chiso.Finding {
	if j.failing == 0 {
		return nil
	}
	out := j.env.findings(j.failing)
	u := 0
	for a := j.firstArea; int(a) < len(areas); a++ {
		if int(a) >= j.hi || int(a) < j.lo {
			j.fetch(areas, int(a))
		}
		j.load(a)
		for _, k := range j.keys {
			code := j.codes[u]
			u++
			if code == 0 {
				continue
			}
			j.locate(k)
			v := fails
			if code%2 == 0 {
				v = unsure
			}
			out = append(j.env.spill(out), j.finding(areas[a], k, int(code-1)/2, v))
		}
	}
	return out
}

// unionKeys sets j.keys to every period any of the series has, in order.
// The series usually share their periods, so it merges each into the union
// so far, which is a mere comparison when they are the same.
func (j *judge) unionKeys() {
	j.keys = j.keys[:0]
	for i, s := range j.series {
		switch {
		case i == 0:
			j.keys = append(j.keys, s.keys...)
		case !slices.Equal(j.keys, s.keys):
			j.merged = mergeKeys(j.merged[:0], j.keys, s.keys)
			j.keys, j.merged = j.merged, j.keys
		}
	}
}

// anyPartPresent reports whether some part of the expression has a figure
// for each indicator it reads: a chain a <= b <= c with a missing is still
// judged on b <= c.
func (j *judge) anyPartPresent() bool {
	for _, part := range j.c.Parts {
		if j.partPresent(part) {
			return true
		}
	}
	return false
}

func (j *judge) partPresent(part consistency.Part) bool {
	for _, i := range part.Vars {
		if !j.present[i] {
			return false
		}
	}
	return true
}

// locate sets j.at to each series' point for key k, and j.present; false
// when a series has none. Keys come in order, so each series' cursor only moves forward,
// and usually the point at it is the one.
func (j *judge) locate(k int32) bool {
	o := int32(-1)
	found := true
	for i := range j.series {
		keys := j.series[i].keys
		q := j.pos[i]
		if q < len(keys) && keys[q] == k {
			j.at[i], j.pos[i], j.present[i] = q, q+1, true
			continue
		}
		if o < 0 {
			o = keyOrder(k)
		}
		for q < len(keys) && keyOrder(keys[q]) < o {
			q++
		}
		if q < len(keys) && keys[q] == k {
			j.at[i], j.pos[i], j.present[i] = q, q+1, true
		} else {
			j.pos[i], j.present[i] = q, false
			found = false
		}
	}
	return found
}

// verdict judges the expression on the figures at j.at: the first part
// that fails or may fail (its index), with its verdict; ok is false when
// expr could not run it.
func (j *judge) verdict() (int, verdict, bool) {
	st := &j.state
	anyBound := false
	for i := range j.series {
		s := &j.series[i]
		if !j.present[i] {
			st.Published[i], st.Vals[i], st.Half[i] = math.NaN(), math.NaN(), math.NaN()
			continue
		}
		v := s.values[j.at[i]]
		st.Published[i], st.Vals[i], st.Half[i] = v, v, math.NaN()
		if s.quals[j.at[i]].Bound() != chiso.Point {
			anyBound = true
		}
	}
	j.qual = j.qual[:0]
	if anyBound {
		for i := range j.series {
			s := &j.series[i]
			if !j.present[i] {
				j.ivs[i] = interval{lo: math.NaN(), hi: math.NaN()}
				continue
			}
			iv := figure(s.values[j.at[i]], s.quals[j.at[i]], j.slack)
			if j.known[i] {
				if c, possible := iv.clip(j.inds[i]); possible {
					iv = c
				}
			}
			j.ivs[i] = iv
			if iv.lo != iv.hi {
				j.qual = append(j.qual, i)
			}
		}
	}
	if !j.c.Fast {
		return j.slowVerdict()
	}
	for k, part := range j.c.Parts {
		if !j.partPresent(part) {
			continue
		}
		v := j.fastPart(part)
		if v == fails || v == unsure {
			return k, v, true
		}
	}
	return -1, holds, true
}

// fastPart judges one part with its fast form under the published figures
// and every corner of the qualified ones.
func (j *judge) fastPart(part consistency.Part) verdict {
	st := &j.state
	copy(st.Vals, st.Published)
	yes := part.Fast(st)
	if len(j.qual) == 0 {
		return mixed(yes, !yes)
	}
	nYes, nNo := 0, 0
	if yes {
		nYes++
	} else {
		nNo++
	}
	for _, mask := range j.cornerMasks() {
		for i := range st.Vals {
			st.Vals[i] = corner(j.ivs, j.qual, i, mask)
		}
		if part.Fast(st) {
			nYes++
		} else {
			nNo++
		}
	}
	return mixed(nNo == 0, nYes == 0)
}

// cornerMasks returns the corners to try for the qualified figures: all 2ⁿ
// up to n = 10, else the all-low and all-high ones.
func (j *judge) cornerMasks() []int {
	n := len(j.qual)
	if n > 10 {
		return []int{0, -1}
	}
	j.masks = j.masks[:0]
	for m := range 1 << n {
		j.masks = append(j.masks, m)
	}
	return j.masks
}

// slowVerdict is verdict by expr's machine: the figures first, then every
// corner of what the qualified figures allow.
func (j *judge) slowVerdict() (int, verdict, bool) {
	st := &j.state
	published := map[string]float64{}
	for i, n := range j.c.Names {
		published[n] = st.Published[i]
	}
	halfUnit := func(code string) float64 { return consistency.HalfUnit(published[code]) }
	assign := func(k int, vals func(i int) float64) map[string]any {
		if k == len(j.envs) {
			j.envs = append(j.envs, make(map[string]any, len(j.c.Names)+2))
		}
		a := j.envs[k]
		a[consistency.ApproxFunc], a[consistency.HalfUnitFunc] = j.p.approx, halfUnit
		for i, n := range j.c.Names {
			a[n] = vals(i)
		}
		return a
	}
	assignments := []map[string]any{assign(0, func(i int) float64 { return st.Published[i] })}
	if len(j.qual) > 0 {
		for k, mask := range j.cornerMasks() {
			assignments = append(assignments, assign(k+1, func(i int) float64 { return corner(j.ivs, j.qual, i, mask) }))
		}
	}
	for k, part := range j.c.Parts {
		if !j.partPresent(part) {
			continue
		}
		v, ok := judgePart(&j.machine, part, assignments)
		if !ok {
			return -1, unsure, false
		}
		if v == fails || v == unsure {
			return k, v, true
		}
	}
	return -1, holds, true
}

// unionPeriods returns every period any of the series has, in order.
func unionPeriods(series []Series) []chiso.Period {
	j := judge{series: series}
	j.unionKeys()
	out := make([]chiso.Period, len(j.keys))
	for i, k := range j.keys {
		out[i], _ = chiso.PeriodFromKey(k)
	}
	return out
}

// mergeKeys appends to dst the keys of a and b, two lists in
// chiso.Period.Compare order without repeats, in order without repeats.
func mergeKeys(dst, a, b []int32) []int32 {
	for len(a) > 0 && len(b) > 0 {
		oa, ob := keyOrder(a[0]), keyOrder(b[0])
		switch {
		case oa < ob:
			dst, a = append(dst, a[0]), a[1:]
		case ob < oa:
			dst, b = append(dst, b[0]), b[1:]
		default:
			dst, a, b = append(dst, a[0]), a[1:], b[1:]
		}
	}
	return append(append(dst, a...), b...)
}

// corner returns figure i's value at the corner mask: its low end where
// the mask's bit for it is 0, its high end where 1; an unqualified figure
// has one value.
func corner(ivs []interval, qualified []int, i, mask int) float64 {
	for b, q := range qualified {
		if q == i && mask&(1<<b) != 0 {
			return ivs[i].hi
		}
	}
	return ivs[i].lo
}

// judgePart runs one conjunct under every assignment on the machine.
func judgePart(machine *vm.VM, part consistency.Part, assignments []map[string]any) (verdict, bool) {
	var yes, no int
	for _, a := range assignments {
		r, err := machine.Run(part.Prog, a)
		if err != nil {
			return unsure, false
		}
		if b, _ := r.(bool); b {
			yes++
		} else {
			no++
		}
	}
	return mixed(no == 0, yes == 0), true
}

// approx is ~= rewritten: x − y ≤ t, t coming from where k says (see
// tolExplicit), plus float slack.
func (p *ConsistencyParams) approx(x, y, t float64, k int) bool {
	return consistency.ApproxAtMost(p.Tolerance, x, y, t, k)
}

// finding returns the finding of a failing unit, the figures being those
// at j.at: area at the period of key, where the part
// fails or may fail (v). Its message is written only when asked for: the
// note keeps the figures. The notes are sized for j.failing findings, so
// the records never move.
func (j *judge) finding(area string, key int32, part int, v verdict) chiso.Finding {
	if j.notes == nil {
		n := j.failing * len(j.series)
		j.notes = &consistencyNotes{lang: j.env.Lang, areaName: j.env.areaNamer(), names: j.names, forms: j.forms, parts: j.c.Parts,
			said:   sayParts(j.c.Parts, j.c.Names, j.names),
			values: make([]float64, 0, n), quals: make([]chiso.Qualifier, 0, n), sources: make([]uint32, 0, n)}
		j.records = make([]inconsistency, 0, j.failing)
	}
	nt := j.notes
	off := len(nt.values)
	var dataID int64
	for i := range j.series {
		s, at := &j.series[i], j.at[i]
		if !j.present[i] {
			nt.values = append(nt.values, math.NaN())
			nt.quals = append(nt.quals, chiso.Exact)
			nt.sources = append(nt.sources, nt.source(""))
			continue
		}
		nt.values = append(nt.values, s.values[at])
		nt.quals = append(nt.quals, s.quals[at])
		nt.sources = append(nt.sources, nt.source(s.source(at)))
		dataID = max(dataID, s.ids[at])
	}
	j.records = append(j.records, inconsistency{notes: nt, off: int32(off), part: int32(part), unsure: v == unsure})
	// The finding is on the failing part's first indicator: with
	// a <= b <= c and b <= c failing, it concerns b, not a.
	first := j.c.Parts[part].Vars[0]
	return chiso.Finding{Diagnosis: chiso.Inconsistent, Status: statusOf(v), Indicator: j.c.Names[first], Area: area, Period: keyPeriod(key),
		Value: j.series[first].values[j.at[first]], Qualifier: j.series[first].quals[j.at[first]], Expected: math.NaN(), Source: nt.sourceNames[nt.sources[off+first]], DataID: dataID,
		Note: &j.records[len(j.records)-1]}
}

// consistencyNotes are the figures of the findings of one evaluation of a
// consistency rule, one run of columns per finding, and what their
// messages name.
type consistencyNotes struct {
	lang     string
	areaName func(code string) string
	names    []string       // of the indicators, in the expression's order
	forms    []quantityForm // their units
	parts    []consistency.Part
	said     []string // each part with the indicators' names for their codes
	values   []float64
	quals    []chiso.Qualifier
	sources  []uint32 // into sourceNames
	// sourceNames are the sources, added again only when not among the
	// last few (the figures of one area usually share their articles).
	sourceNames []string
}

// source returns the index of a source in sourceNames, adding it unless it
// is one of the last few added.
func (nt *consistencyNotes) source(s string) uint32 {
	for k := len(nt.sourceNames) - 1; k >= 0 && k >= len(nt.sourceNames)-4; k-- {
		if nt.sourceNames[k] == s {
			return uint32(k)
		}
	}
	nt.sourceNames = append(nt.sourceNames, s)
	return uint32(len(nt.sourceNames) - 1)
}

// inconsistency is the note of one consistency finding.
type inconsistency struct {
	notes  *consistencyNotes
	off    int32 // where the finding's figures start in the notes' columns
	part   int32 // the part of the expression that fails
	unsure bool  // the part may fail, as the qualifiers allow
}

// sayParts writes each part of an expression for people: every indicator
// code by the indicator's name in the message's language, and <=, >=,
// !=, ~= as ≤, ≥, ≠, ≈ ("3 ≤ Số thành viên Tổ công nghệ số cộng đồng / Số Tổ công
// nghệ số cộng đồng ≤ 12"). A department head reads names, not codes.
func sayParts(parts []consistency.Part, codes, names []string) []string {
	out := make([]string, len(parts))
	for i, p := range parts {
		out[i] = sayExpression(p.Text, codes, names)
	}
	return out
}

func sayExpression(text string, codes, names []string) string {
	var b strings.Builder
	for i := 0; i < len(text); {
		c := text[i]
		switch {
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			j := i
			for j < len(text) && (text[j] == '_' || text[j] >= 'a' && text[j] <= 'z' || text[j] >= 'A' && text[j] <= 'Z' || text[j] >= '0' && text[j] <= '9') {
				j++
			}
			word := text[i:j]
			if k := slices.Index(codes, word); k >= 0 && names[k] != "" {
				word = names[k]
			}
			b.WriteString(word)
			i = j
		case strings.HasPrefix(text[i:], "<="):
			b.WriteString("≤")
			i += 2
		case strings.HasPrefix(text[i:], ">="):
			b.WriteString("≥")
			i += 2
		case strings.HasPrefix(text[i:], "!="):
			b.WriteString("≠")
			i += 2
		case strings.HasPrefix(text[i:], "~="):
			b.WriteString("≈")
			i += 2
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String()
}

// Text writes the message: the part that does not hold and every figure.
func (r *inconsistency) Text(f *chiso.Finding) string {
	nt := r.notes
	en := nt.lang == "en"
	per, areaName := FormatPeriod(f.Period, nt.lang), nt.areaName(f.Area)
	said := nt.said[r.part]
	// The words before the area, between the area and the period, before
	// the part and after it.
	var w [4]string
	switch {
	case en && r.unsure:
		w = [4]string{"The figures of ", " for ", " may be inconsistent: whether “",
			"” holds depends on the true values behind the qualified figures ("}
	case en:
		w = [4]string{"The figures of ", " for ", " are inconsistent: “", "” does not hold with "}
	case r.unsure:
		w = [4]string{"Số liệu của ", " ", " có thể không nhất quán: “",
			"” đúng hay sai tùy giá trị thật của các số liệu có định tính ("}
	default:
		w = [4]string{"Số liệu của ", " ", " không nhất quán: “", "” không đúng với "}
	}
	b := make([]byte, 0, 256)
	for i, s := range [...]string{areaName, per, said} {
		b = append(b, w[i]...)
		b = append(b, s...)
	}
	b = append(b, w[3]...)
	n := len(nt.names)
	listed := 0
	for i := range n {
		k := int(r.off) + i
		if math.IsNaN(nt.values[k]) {
			continue // not published for this period
		}
		if listed > 0 {
			b = append(b, "; "...)
		}
		listed++
		b = append(b, nt.names[i]...)
		b = append(b, " = "...)
		b = append(b, qualifierWord(nt.quals[k], nt.lang)...)
		b = nt.forms[i].append(b, nt.values[k], nt.lang)
	}
	if r.unsure {
		b = append(b, ")."...)
	} else {
		b = append(b, '.')
	}
	sources := make([]string, 0, n)
	for _, k := range nt.sources[r.off : int(r.off)+n] {
		if s := nt.sourceNames[k]; s != "" {
			sources = append(sources, s)
		}
	}
	b = appendSourceNote(b, nt.lang, sources)
	return string(b)
}
