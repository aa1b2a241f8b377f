package daemon

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/chiso-vn/chiso/sample/samplecat"
	"github.com/chiso-vn/chiso/server"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/internal/setup"
	"github.com/chiso-vn/chiso/store"
)

// The engine's full load reads the store's columns; what the daemon notes
// from them (changed indicators, the latest value of exported series) must
// be what it notes from a row scan, revisions included.
func TestTrackingSourceNotesTheSameFromFiguresAsFromRows(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "chiso.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	if _, err := setup.Init(ctx, db, true, now); err != nil {
		t.Fatal(err)
	}
	// A revision of a sample figure: the latest value must be the new one.
	rev := chiso.Observation{Indicator: "bts_sites", Area: "PT", Period: chiso.MustParsePeriod("2024"), Value: 1950}
	if _, err := db.Import(ctx, store.ImportOptions{Source: "revision", Now: now.Add(time.Hour)}, func(emit func(chiso.Observation) error) error {
		return emit(rev)
	}); err != nil {
		t.Fatal(err)
	}
	cat, err := samplecat.Catalogue()
	if err != nil {
		t.Fatal(err)
	}
	levels := []chiso.AreaLevel{chiso.LevelProvince, chiso.LevelCountry}
	rows, figures := newTrackingSource(db, cat, levels), newTrackingSource(db, cat, levels)
	lastRows, err := rows.Scan(ctx, 0, false, func(chiso.Observation) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	lastFigures, err := figures.ScanFigures(ctx, func(*store.SeriesFigures) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if lastRows != lastFigures || rows.lastID != figures.lastID {
		t.Errorf("last id: rows %d, figures %d", lastRows, lastFigures)
	}
	if !reflect.DeepEqual(rows.changed, figures.changed) {
		t.Errorf("changed indicators differ:\nrows    %v\nfigures %v", rows.changed, figures.changed)
	}
	if !reflect.DeepEqual(rows.latest, figures.latest) {
		t.Errorf("latest values differ:\nrows    %v\nfigures %v", rows.latest, figures.latest)
	}
	got := figures.latest[chiso.SeriesKey{Indicator: "bts_sites", Area: "PT"}]
	if got.value != 1950 || got.period != rev.Period {
		t.Errorf("latest bts_sites PT = %v %v, want the revision 1950 in 2024", got.period, got.value)
	}
	if len(figures.latest) == 0 {
		t.Error("no exported series noted")
	}
}

// TestSnapshotTargetsOnlyWhereTheAreaExists: the exported targets pair a
// series with a target only if its area exists at the deadline: the old
// Phú Thọ (dissolved 2025-07-01) has no 2025 target; Điện Biên has.
func TestSnapshotTargetsOnlyWhereTheAreaExists(t *testing.T) {
	cat, err := samplecat.Catalogue()
	if err != nil {
		t.Fatal(err)
	}
	s := &trackingSource{cat: cat}
	values := []server.SeriesValue{{Indicator: "digital_economy_share", Area: "PT"}, {Indicator: "electronic_document_rate", Area: "DB"}}
	got := map[string]bool{}
	for _, tv := range s.targets(values) {
		got[tv.Area+" "+tv.Deadline] = true
	}
	if got["PT 2025"] || !got["DB 2025"] {
		t.Fatalf("targets %v: want DB 2025 and no PT 2025", got)
	}
}
