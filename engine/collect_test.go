package engine

import (
	"fmt"
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

// TestRebuildAtOnce: with several workers and many findings, the result
// and each rule's cache are those one worker makes, rule after rule,
// whether a rule is unchanged or evaluated in full, its runs in order or
// interleaved; with a rule merging fresh findings into old ones it is left
// to the one worker.
func TestRebuildAtOnce(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	mk := func(rule string, n int) []chiso.Finding {
		fs := make([]chiso.Finding, n)
		for i := range fs {
			fs[i] = chiso.Finding{Group: "G", Rule: rule, Area: fmt.Sprintf("A%05d", rng.IntN(5000)),
				Indicator: "x", Period: chiso.Period{Year: 2020 + rng.IntN(3), Kind: chiso.Year}, Message: "m"}
		}
		sortFindings(fs)
		return fs
	}
	for trial := range 10 {
		rules := 1 + rng.IntN(8)
		type setup struct {
			old     [][]chiso.Finding
			fresh   []runs
			changed []bool
			plans   []plan
		}
		var su setup
		for r := range rules {
			name := fmt.Sprintf("R%d", r)
			su.old = append(su.old, mk(name, rng.IntN(8000)))
			var f runs
			for range rng.IntN(4) {
				run := mk(name, rng.IntN(6000))
				if len(run) > 0 {
					f.runs, f.n = append(f.runs, run), f.n+len(run)
				}
			}
			su.fresh = append(su.fresh, f)
			su.changed = append(su.changed, rng.IntN(3) > 0)
			su.plans = append(su.plans, plan{full: true})
		}
		if trial%5 == 4 {
			su.plans[0].full = false // a merge: one worker
		}
		results := map[int][]chiso.Finding{}
		caches := map[int][][]chiso.Finding{}
		for _, workers := range []int{1, 3} {
			states := make([]*ruleState, rules)
			for r := range states {
				states[r] = &ruleState{findings: su.old[r], unit: checks.BySeries}
			}
			results[workers] = rebuild(states, su.plans, su.fresh, su.changed, workers)
			for _, st := range states {
				caches[workers] = append(caches[workers], st.findings)
				if cap(st.findings) != len(st.findings) {
					t.Fatalf("trial %d: a cache with room to grow", trial)
				}
			}
		}
		if !reflect.DeepEqual(results[1], results[3]) || !reflect.DeepEqual(caches[1], caches[3]) {
			t.Fatalf("trial %d: the workers' result differs from one worker's", trial)
		}
	}
}
