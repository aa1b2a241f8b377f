package store

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/chiso-vn/chiso/sample/samplecat"

	"github.com/chiso-vn/chiso"
)

// TestCatalogueBoundsAndValidityRoundTrip stores dated bounds and the days
// targets are in force, reads them back, and counts a changed bound as one
// change; a catalogue without them stores and reads as before.
func TestCatalogueBoundsAndValidityRoundTrip(t *testing.T) {
	db, ctx := openTest(t, 0, 0), context.Background()
	cat, err := samplecat.Catalogue()
	if err != nil {
		t.Fatal(err)
	}
	merger := time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
	cat.Targets[0].ValidTo = merger.AddDate(0, 0, -1)
	if _, err := db.ImportCatalogue(ctx, cat); err != nil {
		t.Fatal(err)
	}
	got, err := db.Catalogue(ctx)
	if err != nil {
		t.Fatal(err)
	}
	dti, _ := got.Indicator("dti_digital_infrastructure_rank")
	if len(got.Bounds) != 2 || len(dti.Bounds) != 2 {
		t.Fatalf("bounds read back: %+v", got.Bounds)
	}
	for _, tt := range []struct {
		period string
		max    float64
	}{{"2024", 63}, {"2025", 34}} {
		if at := dti.At(chiso.MustParsePeriod(tt.period)); at.Min != 1 || at.Max != tt.max {
			t.Errorf("DTI rank bounds for %s read back as %g–%g, want 1–%g", tt.period, at.Min, at.Max, tt.max)
		}
	}
	var inForce, limited int
	for _, tg := range got.Targets {
		if !tg.ValidTo.IsZero() {
			limited++
			if !tg.ValidTo.Equal(merger.AddDate(0, 0, -1)) || !tg.ValidFrom.IsZero() {
				t.Errorf("target %s %s valid %v–%v", tg.Indicator, tg.Period, tg.ValidFrom, tg.ValidTo)
			}
		}
		if tg.InForce() {
			inForce++
		}
	}
	if limited != 1 || inForce != len(cat.Targets)-1 {
		t.Errorf("%d targets with a valid_to, %d in force, want 1 and %d", limited, inForce, len(cat.Targets)-1)
	}
	cat.Bounds[1].Max = math.NaN()
	if changed, err := db.ImportCatalogue(ctx, cat); err != nil || changed != 1 {
		t.Errorf("changing one bound changed %d rows (%v), want 1", changed, err)
	}
	if got, _ = db.Catalogue(ctx); !math.IsNaN(got.Bounds[1].Max) {
		t.Errorf("an unbounded max read back as %g", got.Bounds[1].Max)
	}
}
