package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/internal/synth"
)

// scanDB returns a database holding areas × indicators × periods generated
// observations. It is kept in the temporary folder between runs, since
// building the 10M one takes a minute; delete chiso-bench-*.db to rebuild.
func scanDB(b *testing.B, c csvCase) *DB {
	path := filepath.Join(os.TempDir(), fmt.Sprintf("chiso-bench-%d.db", c.rows()))
	db, err := Open(context.Background(), path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if st := mustStats(b, db); st.Observations == int64(c.rows()) {
		return db
	}
	if _, err := db.ImportCatalogue(context.Background(), synth.Catalogue(c.areas, c.indicators)); err != nil {
		b.Fatal(err)
	}
	_, err = db.Import(context.Background(), ImportOptions{Source: "bench", Now: t0}, func(emit func(chiso.Observation) error) error {
		for i := range c.indicators {
			for a := range c.areas {
				p := synth.FirstPeriod
				for n := range c.periods {
					o := chiso.Observation{Indicator: synth.IndicatorCode(i), Area: synth.AreaCode(a), Period: p, Value: float64(n) + 0.5}
					if err := emit(o); err != nil {
						return err
					}
					p = p.Next()
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return db
}

// BenchmarkScan streams every current observation, as the evaluation engine
// does at start-up. The 10M case runs only with CHISO_BENCH_10M=1.
func BenchmarkScan(b *testing.B) {
	cases := []csvCase{{700, 40, 36}}
	if os.Getenv("CHISO_BENCH_10M") != "" {
		cases = append(cases, csvCase{2800, 100, 36})
	}
	for _, c := range cases {
		b.Run(fmt.Sprintf("rows=%d", c.rows()), func(b *testing.B) { benchScan(b, scanDB(b, c), c.rows()) })
	}
}

// benchScan times full scans of a database of rows current observations.
func benchScan(b *testing.B, db *DB, rows int) {
	var cpu time.Duration
	for b.Loop() {
		c0, n := cpuTime(), 0
		if _, err := db.Scan(context.Background(), 0, false, func(chiso.Observation) error { n++; return nil }); err != nil {
			b.Fatal(err)
		}
		cpu += cpuTime() - c0
		if n != rows {
			b.Fatalf("scanned %d, want %d", n, rows)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
}
