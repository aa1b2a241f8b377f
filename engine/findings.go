package engine

import (
	"iter"
	"slices"
	"sort"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/checks"
)

// Findings is an ordered, read-only sequence of findings. It is kept as
// the slices the checks returned, one after the other, rather than copied
// into one: an evaluation that changes a few units of a rule replaces only
// their stretch, and a result costs nothing to hand out. The slices are
// never modified once in a Findings, so a Findings stays valid however the
// engine goes on; the zero value is empty.
type Findings struct {
	parts [][]chiso.Finding // each sorted, each after the one before
	n     int
}

// Len returns the number of findings.
func (fs Findings) Len() int { return fs.n }

// All yields the findings in order.
func (fs Findings) All() iter.Seq[chiso.Finding] {
	return func(yield func(chiso.Finding) bool) {
		for _, p := range fs.parts {
			for i := range p {
				if !yield(p[i]) {
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
		out = append(out, p...)
	}
	return out
}

// add appends a part, which must sort after the parts before it.
func (fs *Findings) add(p []chiso.Finding) {
	if len(p) > 0 {
		fs.parts = append(fs.parts, p[:len(p):len(p)])
		fs.n += len(p)
	}
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

// maxParts is the number of parts beyond which update copies a rule's
// findings into one slice again, so that many small changes do not leave
// them in ever more pieces (and old slices alive for a few findings each).
const maxParts = 256

// fromRuns makes a rule's findings from the sorted runs of its tasks:
// as they are when each run starts after the one before ends (tasks split
// by areas), else merged into one slice.
func fromRuns(fresh runs) Findings {
	var out Findings
	if inOrder(fresh.runs) {
		for _, r := range fresh.runs {
			out.add(r)
		}
		return out
	}
	out.add(appendSorted(make([]chiso.Finding, 0, fresh.n), fresh))
	return out
}

// inOrder reports whether each run starts after the previous one ends.
func inOrder(rs [][]chiso.Finding) bool {
	for k := 1; k < len(rs); k++ {
		if lessFinding(&rs[k][0], &rs[k-1][len(rs[k-1])-1]) {
			return false
		}
	}
	return true
}

// appendSorted appends the runs to out in lessFinding order: one after the
// other when they are ordered, else merged.
func appendSorted(out []chiso.Finding, fresh runs) []chiso.Finding {
	rs := fresh.runs
	if inOrder(rs) {
		for _, r := range rs {
			out = append(out, r...)
		}
		return out
	}
	heads := slices.Clone(rs)
	for {
		m := -1
		for k, r := range heads {
			if len(r) > 0 && (m < 0 || lessFinding(&r[0], &heads[m][0])) {
				m = k
			}
		}
		if m < 0 {
			return out
		}
		out = append(out, heads[m][0])
		heads[m] = heads[m][1:]
	}
}

// update returns a rule's findings after a partial evaluation: those of
// its last findings the plan does not re-evaluate, with the fresh ones in
// their places. For checks whose units are areas or series, whose findings
// are grouped by area, only the stretches of the changed areas are
// rewritten and the rest is shared; otherwise everything is copied once.
func (st *ruleState) update(p *plan, fresh runs) Findings {
	var merged []chiso.Finding
	if len(fresh.runs) == 1 {
		merged = fresh.runs[0]
	} else if fresh.n > 0 {
		merged = appendSorted(make([]chiso.Finding, 0, fresh.n), fresh)
	}
	keep := func(f *chiso.Finding) bool { return !p.covered(st.unit, f) }
	old, end := st.findings, place{part: len(st.findings.parts)}
	var out Findings
	if st.unit == checks.ByIndicatorPeriod {
		out.add(mergeInto(make([]chiso.Finding, 0, old.n+len(merged)), old.between(place{}, end), merged, keep))
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
		out.add(mergeInto(nil, old.between(lo, hi), merged[i:j], keep))
		at, i = hi, j
	}
	old.copyParts(&out, at, end)
	if len(out.parts) > maxParts {
		return Findings{parts: [][]chiso.Finding{out.Slice()}, n: out.n}
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
	before := func(f *chiso.Finding) bool { // f comes before the position sought
		if after {
			return f.Area <= area
		}
		return f.Area < area
	}
	for ; at.part < len(fs.parts); at = (place{part: at.part + 1}) {
		p := fs.parts[at.part]
		if at.i >= len(p) || before(&p[len(p)-1]) {
			continue
		}
		at.i += sort.Search(len(p)-at.i, func(k int) bool { return !before(&p[at.i+k]) })
		return at
	}
	return at
}

// copyParts adds to out the findings from a to b, sharing their slices.
func (fs Findings) copyParts(out *Findings, a, b place) {
	for a.part < b.part {
		out.add(fs.parts[a.part][a.i:])
		a = place{part: a.part + 1}
	}
	if a.part < len(fs.parts) {
		out.add(fs.parts[a.part][a.i:b.i])
	}
}

// between returns the findings from a to b, in a slice of their own when
// they span parts.
func (fs Findings) between(a, b place) []chiso.Finding {
	var span Findings
	fs.copyParts(&span, a, b)
	if len(span.parts) == 1 {
		return span.parts[0]
	}
	return span.Slice()
}

// count returns how many of the findings from a to b match.
func (fs Findings) count(a, b place, match func(*chiso.Finding) bool) int {
	var span Findings
	fs.copyParts(&span, a, b)
	n := 0
	for _, p := range span.parts {
		for i := range p {
			if match(&p[i]) {
				n++
			}
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
