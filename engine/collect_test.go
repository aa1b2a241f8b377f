package engine

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/checks"
)

// TestAppendSorted: runs of findings, each sorted, come out in lessFinding
// order whether they follow each other (tasks split by areas) or
// interleave (tasks split by indicators), as a sort of them all would put
// them.
func TestAppendSorted(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	areas := []string{"A", "B", "C", "D", "E"}
	inds := []string{"x", "y", "z"}
	for trial := range 500 {
		var all []chiso.Finding
		for range rng.IntN(60) {
			all = append(all, chiso.Finding{Rule: "R", Group: "G", Area: areas[rng.IntN(len(areas))],
				Indicator: inds[rng.IntN(len(inds))], Period: chiso.Period{Year: 2020 + rng.IntN(3), Kind: chiso.Year},
				Diagnosis: chiso.OutOfRange, Message: string(rune('a' + rng.IntN(3))), Value: float64(rng.IntN(3))})
		}
		var fresh runs
		k := 1 + rng.IntN(4)
		byArea := trial%2 == 0
		if byArea {
			sortFindings(all)
		}
		for i := range k {
			run := slices.Clone(all[i*len(all)/k : (i+1)*len(all)/k])
			sortFindings(run)
			if len(run) > 0 {
				fresh.runs = append(fresh.runs, run)
				fresh.n += len(run)
			}
		}
		want := slices.Clone(all)
		sortFindings(want)
		got := appendSorted(make([]chiso.Finding, 0, fresh.n), fresh)
		if len(want) == 0 && len(got) == 0 {
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("trial %d: got\n%v\nwant\n%v", trial, got, want)
		}
		if !sortedFindings(got) {
			t.Fatalf("trial %d: not sorted", trial)
		}
	}
}

// TestUpdate: after a partial evaluation a rule's findings are its old
// ones outside the plan's units and the fresh ones, in order, however the
// old ones were cut into parts; coveredCount agrees with a count of them
// all, and the old findings are never modified.
func TestUpdate(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	areas := []string{"A", "B", "C", "D", "E", "F", "G"}
	inds := []string{"x", "y", "z"}
	mk := func(n int, areas []string) []chiso.Finding {
		fs := make([]chiso.Finding, n)
		for i := range fs {
			fs[i] = chiso.Finding{Group: "G", Rule: "R", Area: areas[rng.IntN(len(areas))], Indicator: inds[rng.IntN(len(inds))],
				Period: chiso.Period{Year: 2020 + rng.IntN(3), Kind: chiso.Year}, Message: string(rune('a' + rng.IntN(3)))}
		}
		sortFindings(fs)
		return fs
	}
	units := []checks.Unit{checks.BySeries, checks.ByArea, checks.ByIndicatorPeriod}
	for trial := range 3000 {
		unit := units[trial%3]
		all := mk(rng.IntN(40), areas)
		var old Findings
		for lo := 0; lo < len(all); {
			hi := min(len(all), lo+1+rng.IntN(10))
			old.add(slices.Clone(all[lo:hi]))
			lo = hi
		}
		p := plan{inds: map[string]bool{}, areas: map[string]bool{}, keys: map[int32]bool{}}
		var dirty []string
		for _, a := range areas {
			if rng.IntN(3) == 0 {
				p.areas[a] = true
				dirty = append(dirty, a)
			}
		}
		for _, ind := range inds {
			if rng.IntN(2) == 0 {
				p.inds[ind] = true
			}
		}
		p.keys[chiso.Period{Year: 2021, Kind: chiso.Year}.Key()] = true
		var fresh runs
		if len(dirty) > 0 {
			for range rng.IntN(3) {
				if run := mk(rng.IntN(8), dirty); len(run) > 0 {
					fresh.runs, fresh.n = append(fresh.runs, run), fresh.n+len(run)
				}
			}
		}
		st := &ruleState{findings: old, unit: unit}
		before := dump(old)
		var want []chiso.Finding
		covered := 0
		for _, f := range all {
			if p.covered(unit, &f) {
				covered++
			} else {
				want = append(want, f)
			}
		}
		for _, r := range fresh.runs {
			want = append(want, r...)
		}
		sortFindings(want)
		if got := st.coveredCount(&p); got != covered {
			t.Fatalf("trial %d (%v): coveredCount %d, want %d", trial, unit, got, covered)
		}
		got := st.update(&p, fresh)
		if got.Len() != len(want) || !reflect.DeepEqual(got.Slice(), append([]chiso.Finding{}, want...)) {
			t.Fatalf("trial %d (%v): got%s\nwant%s", trial, unit, dump(got), dump(Findings{parts: [][]chiso.Finding{want}, n: len(want)}))
		}
		if dump(old) != before {
			t.Fatalf("trial %d: the old findings changed", trial)
		}
	}
}
