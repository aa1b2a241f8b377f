package engine

import (
	"iter"
	"slices"
	"sort"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/checks"
)

// Findings is an ordered, read-only sequence of findings. It is kept as
// the runs the checks returned, one after the other, rather than copied
// into one: an evaluation that changes a few units of a rule replaces only
// their stretch, and a result costs nothing to hand out. Each run is held
// compactly (see record), so that a million findings are few objects for
// the garbage collector and little memory, and is never modified once in a
// Findings, so a Findings stays valid however the engine goes on; the zero
// value is empty.
type Findings struct {
	parts []part // each sorted, each after the one before
	n     int
}

// Len returns the number of findings.
func (fs Findings) Len() int { return fs.n }

// All yields the findings in order.
func (fs Findings) All() iter.Seq[chiso.Finding] {
	return func(yield func(chiso.Finding) bool) {
		for _, p := range fs.parts {
			for i := range p.recs {
				if !yield(p.finding(i)) {
					return
				}
			}
		}
	}
}

// Slice returns the findings as one new slice, which the caller owns.
func (fs Findings) Slice() []chiso.Finding {
	out := make([]chiso.Finding, 0, fs.n)
	for _, p := range fs.parts {
		out = p.appendTo(out)
	}
	return out
}

// add appends a part, which must sort after the parts before it.
func (fs *Findings) add(p part) {
	if n := len(p.recs); n > 0 {
		fs.parts = append(fs.parts, part{recs: p.recs[:n:n], tab: p.tab})
		fs.n += n
	}
}

// A part is a sorted run of one rule's findings: records whose strings and
// notes are in a table the run's slices share.
type part struct {
	recs []record
	tab  *table
}

// A record is a finding without pointers: its strings are indexes into
// its part's table (-1 for none), its period is unpacked.
type record struct {
	value, expected float64
	dataID          int64
	year            int32
	n               uint8
	kind            chiso.PeriodKind
	qual            chiso.Qualifier // in the padding: the record stays 64 bytes
	diagnosis       int32
	status          int32
	indicator       int32
	area            int32
	source          int32
	message         int32
	note            int32 // into tab.notes
}

// A table holds what a part's records name: the rule's own fields, which
// its findings share, and the strings and notes of the findings.
type table struct {
	head  head
	strs  []string
	notes []chiso.Note
}

// head is what the engine fills in of every finding of a rule.
type head struct {
	rule, group, check string
	severity           chiso.Severity
}

// finding returns the part's i-th finding.
func (p part) finding(i int) chiso.Finding {
	r, t := &p.recs[i], p.tab
	f := chiso.Finding{Rule: t.head.rule, Group: t.head.group, Check: t.head.check, Severity: t.head.severity,
		Diagnosis: chiso.Diagnosis(t.str(r.diagnosis)), Status: chiso.Status(t.str(r.status)),
		Indicator: t.str(r.indicator), Area: t.str(r.area), Period: chiso.Period{Kind: r.kind, Year: int(r.year), N: int(r.n)},
		Value: r.value, Qualifier: r.qual, Expected: r.expected, Message: t.str(r.message), Source: t.str(r.source), DataID: r.dataID}
	if r.note >= 0 {
		f.Note = t.notes[r.note]
	}
	return f
}

// area returns the area of the part's i-th finding.
func (p part) area(i int) string { return p.tab.str(p.recs[i].area) }

// appendTo appends the part's findings to out.
func (p part) appendTo(out []chiso.Finding) []chiso.Finding {
	for i := range p.recs {
		out = append(out, p.finding(i))
	}
	return out
}

func (t *table) str(i int32) string {
	if i < 0 {
		return ""
	}
	return t.strs[i]
}

// compact makes a part of sorted findings of one rule, whose own fields
// are h's (those of the findings are not read).
func compact(fs []chiso.Finding, h head) part {
	if len(fs) == 0 {
		return part{}
	}
	notes := 0
	for i := range fs {
		if fs[i].Note != nil {
			notes++
		}
	}
	c := compactor{tab: &table{head: h, notes: make([]chiso.Note, 0, notes)}}
	recs := make([]record, len(fs))
	for i := range fs {
		f, r := &fs[i], &recs[i]
		r.value, r.expected, r.dataID, r.qual = f.Value, f.Expected, f.DataID, f.Qualifier
		r.year, r.n, r.kind = int32(f.Period.Year), uint8(f.Period.N), f.Period.Kind
		r.diagnosis = c.few(&c.diagnosis, string(f.Diagnosis))
		r.status = c.few(&c.status, string(f.Status))
		r.indicator = c.few(&c.indicator, f.Indicator)
		r.source = c.few(&c.source, f.Source)
		r.area = c.last(&c.area, f.Area)
		r.message = c.last(&c.message, f.Message)
		r.note = -1
		if f.Note != nil {
			r.note = int32(len(c.tab.notes))
			c.tab.notes = append(c.tab.notes, f.Note)
		}
	}
	return part{recs: recs, tab: c.tab}
}

// A compactor puts the strings of findings into a table. Consecutive
// findings mostly repeat each field's string, so each field remembers its
// last one; diagnoses, statuses, indicators and sources, of which a run has
// few, are then looked up to be kept once, while areas (grouped) and
// messages (mostly distinct) are added as they come.
type compactor struct {
	tab                                  *table
	diagnosis, status, indicator, source interned
	area, message                        interned
	index                                map[string]int32 // of the few
}

type interned struct {
	s string
	i int32
}

// known returns the index of s when it needs no lookup: -1 for "", the
// field's last one when s repeats it.
func (prev interned) known(s string) (int32, bool) {
	switch {
	case s == "":
		return -1, true
	case prev.s == s:
		return prev.i, true
	}
	return 0, false
}

// few interns a string of which a run holds few.
func (c *compactor) few(prev *interned, s string) int32 {
	if i, ok := prev.known(s); ok {
		return i
	}
	i, ok := c.index[s]
	if !ok {
		if c.index == nil {
			c.index = map[string]int32{}
		}
		i = c.push(s)
		c.index[s] = i
	}
	*prev = interned{s, i}
	return i
}

// last interns a string that usually repeats the one before or is new.
func (c *compactor) last(prev *interned, s string) int32 {
	if i, ok := prev.known(s); ok {
		return i
	}
	*prev = interned{s, c.push(s)}
	return prev.i
}

func (c *compactor) push(s string) int32 {
	c.tab.strs = append(c.tab.strs, s)
	return int32(len(c.tab.strs) - 1)
}

// concat returns the findings of every rule, in the rules' order.
func concat(states []*ruleState) Findings {
	var out Findings
	for _, st := range states {
		for _, p := range st.findings.parts {
			out.add(p)
		}
	}
	return out
}

// maxParts is the number of parts beyond those of its last full
// evaluation at which update copies a rule's findings into one run again,
// so that many small changes do not leave them in ever more pieces (and
// old runs alive for a few findings each).
const maxParts = 256

// fromRuns makes a rule's findings from the sorted runs of its tasks:
// as they are when each run starts after the one before ends (tasks split
// by areas), else merged into one run.
func fromRuns(fresh runs) Findings {
	var out Findings
	if inOrder(fresh.runs) {
		for _, r := range fresh.runs {
			out.add(r)
		}
		return out
	}
	out.add(compact(appendSorted(make([]chiso.Finding, 0, fresh.n), fresh), fresh.runs[0].tab.head))
	return out
}

// inOrder reports whether each run starts after the previous one ends.
func inOrder(rs []part) bool {
	for k := 1; k < len(rs); k++ {
		first, last := rs[k].finding(0), rs[k-1].finding(len(rs[k-1].recs)-1)
		if lessFinding(&first, &last) {
			return false
		}
	}
	return true
}

// appendSorted appends the runs' findings to out in lessFinding order: one
// after the other when they are ordered, else merged two by two (n log k
// for k runs, however many batches made them).
func appendSorted(out []chiso.Finding, fresh runs) []chiso.Finding {
	if inOrder(fresh.runs) {
		for _, r := range fresh.runs {
			out = r.appendTo(out)
		}
		return out
	}
	lists := make([][]chiso.Finding, len(fresh.runs))
	for k, r := range fresh.runs {
		lists[k] = r.appendTo(make([]chiso.Finding, 0, len(r.recs)))
	}
	all := func(*chiso.Finding) bool { return true }
	for len(lists) > 1 {
		next := make([][]chiso.Finding, 0, (len(lists)+1)/2)
		for k := 0; k+1 < len(lists); k += 2 {
			next = append(next, mergeInto(make([]chiso.Finding, 0, len(lists[k])+len(lists[k+1])), lists[k], lists[k+1], all))
		}
		if len(lists)%2 == 1 {
			next = append(next, lists[len(lists)-1])
		}
		lists = next
	}
	return append(out, lists[0]...)
}

// update returns a rule's findings after a partial evaluation: those of
// its last findings the plan does not re-evaluate, with the fresh ones in
// their places. For checks whose units are areas or series, whose findings
// are grouped by area, only the stretches of the changed areas are
// rewritten and the rest is shared; otherwise everything is copied once.
func (st *ruleState) update(p *plan, fresh runs) Findings {
	merged := appendSorted(make([]chiso.Finding, 0, fresh.n), fresh)
	keep := func(f *chiso.Finding) bool { return !p.covered(st.unit, f) }
	old, end := st.findings, place{part: len(st.findings.parts)}
	var h head
	switch {
	case len(fresh.runs) > 0:
		h = fresh.runs[0].tab.head
	case len(old.parts) > 0:
		h = old.parts[0].tab.head
	}
	var out Findings
	if st.unit == checks.ByIndicatorPeriod {
		out.add(compact(mergeInto(make([]chiso.Finding, 0, old.n+len(merged)), old.between(place{}, end), merged, keep), h))
		return out
	}
	at := place{}
	i := 0 // into merged
	for _, area := range changedAreas(p, merged) {
		lo := old.seek(at, area, false)
		hi := old.seek(lo, area, true)
		old.copyParts(&out, at, lo)
		j := i
		for j < len(merged) && merged[j].Area == area {
			j++
		}
		out.add(compact(mergeInto(nil, old.between(lo, hi), merged[i:j], keep), h))
		at, i = hi, j
	}
	old.copyParts(&out, at, end)
	if len(out.parts) > st.fullParts+maxParts {
		var one Findings
		one.add(compact(out.Slice(), h))
		return one
	}
	return out
}

// changedAreas returns, sorted, the plan's dirty areas and any other area
// the fresh findings name.
func changedAreas(p *plan, fresh []chiso.Finding) []string {
	areas := make([]string, 0, len(p.areas))
	for a := range p.areas {
		areas = append(areas, a)
	}
	for i := range fresh {
		if i == 0 || fresh[i].Area != fresh[i-1].Area {
			if !p.areas[fresh[i].Area] {
				areas = append(areas, fresh[i].Area)
			}
		}
	}
	slices.Sort(areas)
	return slices.Compact(areas)
}

// place is a position in a Findings: a part and an index into it.
type place struct{ part, i int }

// seek returns the first position from at on whose finding's area is at
// least area (after: greater than area). Within a rule, findings are
// ordered by area first.
func (fs Findings) seek(at place, area string, after bool) place {
	before := func(p part, i int) bool { // p's i-th finding comes before the position sought
		if after {
			return p.area(i) <= area
		}
		return p.area(i) < area
	}
	for ; at.part < len(fs.parts); at = (place{part: at.part + 1}) {
		p := fs.parts[at.part]
		if at.i >= len(p.recs) || before(p, len(p.recs)-1) {
			continue
		}
		at.i += sort.Search(len(p.recs)-at.i, func(k int) bool { return !before(p, at.i+k) })
		return at
	}
	return at
}

// copyParts adds to out the findings from a to b, sharing their records.
func (fs Findings) copyParts(out *Findings, a, b place) {
	for a.part < b.part {
		p := fs.parts[a.part]
		out.add(part{recs: p.recs[a.i:], tab: p.tab})
		a = place{part: a.part + 1}
	}
	if a.part < len(fs.parts) {
		p := fs.parts[a.part]
		out.add(part{recs: p.recs[a.i:b.i], tab: p.tab})
	}
}

// between returns the findings from a to b in a slice of their own.
func (fs Findings) between(a, b place) []chiso.Finding {
	var span Findings
	fs.copyParts(&span, a, b)
	return span.Slice()
}

// count returns how many of the findings from a to b match.
func (fs Findings) count(a, b place, match func(*chiso.Finding) bool) int {
	var span Findings
	fs.copyParts(&span, a, b)
	n := 0
	for f := range span.All() {
		if match(&f) {
			n++
		}
	}
	return n
}

// coveredCount returns how many of the rule's last findings the plan
// re-evaluates, looking only at the changed areas' stretches where the
// check's units are areas or series.
func (st *ruleState) coveredCount(p *plan) int {
	if p.full {
		return st.findings.n
	}
	covered := func(f *chiso.Finding) bool { return p.covered(st.unit, f) }
	fs := st.findings
	if st.unit == checks.ByIndicatorPeriod {
		return fs.count(place{}, place{part: len(fs.parts)}, covered)
	}
	n := 0
	at := place{}
	for _, area := range sortedKeys(p.areas) {
		lo := fs.seek(at, area, false)
		at = fs.seek(lo, area, true)
		n += fs.count(lo, at, covered)
	}
	return n
}
