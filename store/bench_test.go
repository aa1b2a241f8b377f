package store

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/internal/synth"
)

// cpuTime returns the CPU time (user + system) this process has used. On a
// shared machine it is a steadier measure than the wall clock.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkImportSynthetic imports 1,008,000 generated observations (700
// areas × 40 indicators × 36 months) into a fresh database per iteration.
func BenchmarkImportSynthetic(b *testing.B) {
	const areas, indicators, periods = 700, 40, 36
	var cpu time.Duration
	for b.Loop() {
		b.StopTimer()
		db := openTest(b, areas, indicators)
		c0 := cpuTime()
		b.StartTimer()
		_, err := db.Import(context.Background(), ImportOptions{Source: "bench", Now: t0}, func(emit func(chiso.Observation) error) error {
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
		if err != nil {
			b.Fatal(err)
		}
		cpu += cpuTime() - c0
	}
	rows := float64(areas*indicators*periods) * float64(b.N)
	b.ReportMetric(rows/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
}
