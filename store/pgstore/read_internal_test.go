package pgstore

import (
	"fmt"
	"testing"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/store"
)

// TestSortFigures: columns aggregated out of period order are sorted
// together.
func TestSortFigures(t *testing.T) {
	sf := store.SeriesFigures{Periods: []int32{30, 10, 20}, IDs: []int64{3, 1, 2}, Values: []float64{0.3, 0.1, 0.2},
		Revisions: []int32{3, 1, 2}, Qualifiers: []chiso.Qualifier{3, 1, 2}, Sources: []int32{3, 1, 2}, Methods: []int32{3, 1, 2}}
	sortFigures(&sf)
	got := fmt.Sprint(sf.Periods, sf.IDs, sf.Values, sf.Revisions, sf.Qualifiers, sf.Sources, sf.Methods)
	if want := fmt.Sprint([]int32{10, 20, 30}, []int64{1, 2, 3}, []float64{0.1, 0.2, 0.3}, []int32{1, 2, 3}, []chiso.Qualifier{1, 2, 3}, []int32{1, 2, 3}, []int32{1, 2, 3}); got != want {
		t.Errorf("sorted %s, want %s", got, want)
	}
}
