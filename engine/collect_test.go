package engine

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/chiso-vn/chiso"
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
