package engine

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chiso-vn/chiso/internal/pgtest"
	"github.com/chiso-vn/chiso/store"
	"github.com/chiso-vn/chiso/store/pgstore"
)

// TestMain stops the PostgreSQL cluster the benchmarks may have started.
func TestMain(m *testing.M) {
	code := m.Run()
	if err := stopBenchCluster(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = max(code, 1)
	}
	os.Exit(code)
}

var (
	benchClusterOnce sync.Once
	benchCluster     *pgtest.Cluster
	benchClusterErr  error
)

// benchClusterSettings are the server's durable defaults, with the memory
// a server of this size would be given.
var benchClusterSettings = map[string]string{
	"listen_addresses": "",
	"shared_buffers":   "1GB",
	"max_wal_size":     "16GB",
	"max_connections":  "20",
}

func stopBenchCluster() error {
	if benchCluster == nil {
		return nil
	}
	return benchCluster.Stop()
}

// pgDatabase returns a PostgreSQL database holding the fixture's store,
// copied from its SQLite file once per run (chiso migrate's CopyFrom).
func (f *fixture) pgDatabase(b *testing.B) string {
	benchClusterOnce.Do(func() { benchCluster, benchClusterErr = pgtest.Start(benchClusterSettings) })
	if benchClusterErr != nil {
		b.Skipf("no PostgreSQL: %v", benchClusterErr)
	}
	name := "bench_" + strings.ToLower(f.size.name)
	dsn := benchCluster.DSN(name)
	ctx := context.Background()
	if f.pgReady {
		return dsn
	}
	if err := benchCluster.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		b.Fatal(err)
	}
	src, err := store.Open(ctx, f.path("chiso.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer src.Close()
	dst, err := pgstore.Open(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer dst.Close()
	start := time.Now()
	counts, err := dst.CopyFrom(ctx, src)
	if err != nil {
		b.Fatal(err)
	}
	if err := benchCluster.Exec(ctx, "VACUUM ANALYZE"); err != nil {
		b.Fatal(err)
	}
	b.Logf("copied %s into PostgreSQL in %s: %v", f.size.name, time.Since(start).Round(time.Millisecond), counts)
	f.pgReady = true
	return dsn
}

// loadPG builds an engine from the PostgreSQL copy: catalogue, rules,
// load, as the daemon's start does.
func (f *fixture) loadPG(b *testing.B, dsn string) *Engine {
	ctx := context.Background()
	db, err := pgstore.Open(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	return f.loadFrom(b, db)
}

// BenchmarkPostgres measures the engine on the PostgreSQL store, for the
// sizes named by CHISO_BENCH_PG (pack1M, pack10M, …; default pack1M):
// cold is a cold start (open the store, load every current figure,
// evaluate every rule, as `chiso eval` and a daemon's start do, with
// load-s the load alone), warm a full evaluation over the loaded index,
// memory the resident size after a load and an evaluation in this process.
//
//	CHISO_BENCH_PG=pack10M go test -run '^$' -bench Postgres -benchtime 1x -timeout 2h ./engine
func BenchmarkPostgres(b *testing.B) {
	names := os.Getenv("CHISO_BENCH_PG")
	if names == "" {
		names = "pack1M"
	}
	for _, size := range benchSizes {
		if !containsWord(names, size.name) {
			continue
		}
		b.Run(size.name+"/cold", func(b *testing.B) {
			f := benchFixture(b, size)
			dsn := f.pgDatabase(b)
			f.eng = nil
			runtime.GC()
			debug.FreeOSMemory()
			resetPeak(b)
			var res Result
			var load time.Duration
			cpu := cpuTime()
			for b.Loop() {
				start := time.Now()
				e := f.loadPG(b, dsn)
				load += time.Since(start)
				res = f.evaluate(b, e)
				f.eng = e
			}
			f.report(b, res, cpu)
			b.ReportMetric(load.Seconds()/float64(b.N), "load-s")
			rss, hwm := memory(b)
			b.ReportMetric(rss, "rss-MiB")
			b.ReportMetric(hwm, "hwm-MiB")
		})
		b.Run(size.name+"/warm", func(b *testing.B) {
			f := benchFixture(b, size)
			if f.eng == nil {
				f.eng = f.loadPG(b, f.pgDatabase(b))
			}
			f.loopFull(b, f.eng)
		})
		if f := fixtures[size.name]; f != nil {
			f.eng = nil
		}
	}
}

func containsWord(list, word string) bool {
	return slices.Contains(strings.FieldsFunc(list, func(r rune) bool { return r == ',' || r == ' ' }), word)
}
