package pgstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/internal/pgtest"
	"github.com/chiso-vn/chiso/internal/synth"
	"github.com/chiso-vn/chiso/store"
	"github.com/chiso-vn/chiso/store/pgstore"
)

// BenchmarkImportSynthetic imports 1,008,000 generated observations (700
// areas × 40 indicators × 36 months) into a fresh database per iteration,
// as store.BenchmarkImportSynthetic does into SQLite.
func BenchmarkImportSynthetic(b *testing.B) {
	const areas, indicators, periods = 700, 40, 36
	ctx := context.Background()
	t0 := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	for b.Loop() {
		b.StopTimer()
		db, err := pgstore.Open(ctx, pgtest.New(b))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := db.ImportCatalogue(ctx, synth.Catalogue(areas, indicators)); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		res, err := db.Import(ctx, store.ImportOptions{Source: "bench", Now: t0}, func(emit func(chiso.Observation) error) error {
			for i := range indicators {
				ind := synth.IndicatorCode(i)
				for a := range areas {
					area := synth.AreaCode(a)
					p := synth.FirstPeriod
					for n := range periods {
						if err := emit(chiso.Observation{Indicator: ind, Area: area, Period: p, Value: float64(n)}); err != nil {
							return err
						}
						p = p.Next()
					}
				}
			}
			return nil
		})
		if err != nil || res.Added != areas*indicators*periods {
			b.Fatal(res, err)
		}
		b.StopTimer()
		db.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(areas*indicators*periods)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
