package alerts_test

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/store"
)

// BenchmarkFire10k measures what the issue asks for: 10,000 new firing
// alerts (100 areas × 100 indicators) made from findings, routed, grouped
// by alertname and area, and queued in the outbox, one evaluation and one
// flush, on a real database.
func BenchmarkFire10k(b *testing.B) {
	fs := make([]chiso.Finding, 0, 10000)
	for a := range 100 {
		for i := range 100 {
			f := finding("BelowTarget", fmt.Sprintf("A%03d", a))
			f.Indicator = fmt.Sprintf("ind_%03d", i)
			fs = append(fs, f)
		}
	}
	ctx := context.Background()
	var process, tick, cpu time.Duration
	var runs int
	defer func() {
		b.ReportMetric(float64(process.Milliseconds())/float64(runs), "process-ms/op")
		b.ReportMetric(float64(tick.Milliseconds())/float64(runs), "flush-ms/op")
		b.ReportMetric(float64(cpu.Milliseconds())/float64(runs), "cpu-ms/op")
	}()
	for b.Loop() {
		b.StopTimer()
		e := newEnv(b, baseConfig)
		b.StartTimer()
		start, cpu0 := time.Now(), cpuTime()
		e.process(t0, fs...)
		mid := time.Now()
		e.tick(t0.Add(30 * time.Second))
		b.StopTimer()
		cpu += cpuTime() - cpu0
		process += mid.Sub(start)
		tick += time.Since(mid)
		runs++
		if n, err := e.db.Notifications(ctx, store.OutboxFilter{Limit: 1000}); err != nil || len(n) != 100 {
			b.Fatalf("queued %d notifications, %v", len(n), err)
		}
		e.db.Close()
		b.StartTimer()
	}
}

// cpuTime is the process's user and system CPU time so far: on a shared
// machine wall time says more about the neighbours than about the code.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
