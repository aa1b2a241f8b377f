package store

import (
	"reflect"
	"testing"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/internal/synth"
)

// TestBatchShapesKeepEveryField imports rows of every batch shape, runs of
// each interleaved so that batches of one shape are cut short by the next,
// some all exact and some not, and reads every field back.
func TestBatchShapesKeepEveryField(t *testing.T) {
	db := openTest(t, 3, 2)
	obs := synth.Grid(3, 2, 40, 0)
	day := time.Date(2024, 11, 27, 0, 0, 0, 0, time.UTC)
	for i := range obs {
		if (i/25)%2 == 1 && i%5 == 2 { // every batch of one in two rounds has a qualifier
			obs[i].Qualifier = chiso.Over
		}
		switch (i / 5) % 5 {
		case 1: // lean, with the figure as printed
			obs[i].Raw = "khoảng 1.000"
		case 2: // full: a method
			obs[i].Method = "census"
		case 3: // full: a publication date and raw text
			obs[i].ReportedOn, obs[i].Raw = day, "trên 5"
		case 4: // lean, another source
			obs[i].Source = "other.csv"
		}
	}
	mustImport(t, db, obs)
	got, _ := scanAll(t, db, 0, true)
	if len(got) != len(obs) {
		t.Fatalf("read back %d observations, want %d", len(got), len(obs))
	}
	for i, o := range got {
		want := obs[i]
		want.Revision, want.ID, want.IngestedAt = 1, int64(i+1), t0
		if !reflect.DeepEqual(o, want) {
			t.Errorf("observation %d = %+v, want %+v", i+1, o, want)
		}
	}
}
