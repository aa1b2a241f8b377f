package store

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/ingest"
	"github.com/chiso-vn/chiso/internal/synth"
)

// csvCase is one size of the CSV import benchmark.
type csvCase struct {
	areas, indicators, periods int
}

func (c csvCase) rows() int { return c.areas * c.indicators * c.periods }

// BenchmarkImportCSV reads a generated canonical CSV through ingest.Read into
// store.Import on a fresh database, and in the same iteration has the
// sqlite3 shell .import the same file into an on-disk table indexed on
// (indicator, area, period). It reports both times, their ratio (chiso ÷
// sqlite3; below 1 is faster), the CPU time of each (steadier than the wall
// clock on a shared machine) and the peak Go heap and resident size during
// the import, to show that memory does not grow with the file.
//
// With CHISO_BENCH_10M=1 it also imports 10,080,000 rows.
func BenchmarkImportCSV(b *testing.B) {
	cases := []csvCase{{70, 40, 36}, {700, 40, 36}}
	if os.Getenv("CHISO_BENCH_10M") != "" {
		cases = append(cases, csvCase{2800, 100, 36})
	}
	for _, c := range cases {
		b.Run(fmt.Sprintf("rows=%d", c.rows()), func(b *testing.B) { benchImportCSV(b, c) })
	}
}

func benchImportCSV(b *testing.B, c csvCase) {
	dir := b.TempDir()
	csvPath := filepath.Join(dir, "observations.csv")
	writeSynthCSV(b, csvPath, c)
	cat := synth.Catalogue(c.areas, c.indicators)
	sqlite, haveSQLite := exec.LookPath("sqlite3")
	if haveSQLite != nil {
		b.Logf("sqlite3 not found (%v): reporting chiso alone", haveSQLite)
	}
	var wall, cpu, refWall, refCPU time.Duration
	var peak memPeak
	var dbBytes, refBytes int64
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		db := openBenchDB(b, filepath.Join(dir, fmt.Sprintf("chiso%d.db", i)), cat)
		runtime.GC()
		stopSampling := peak.sample()
		c0, t0 := cpuTime(), time.Now()
		b.StartTimer()
		importCSVFile(b, db, csvPath, cat)
		b.StopTimer()
		wall, cpu = wall+time.Since(t0), cpu+cpuTime()-c0
		stopSampling()
		db.Close()
		dbBytes = fileSize(db.Path())
		if haveSQLite == nil {
			ref := filepath.Join(dir, fmt.Sprintf("ref%d.db", i))
			w, c := sqliteImport(b, sqlite, csvPath, ref)
			refWall, refCPU, refBytes = refWall+w, refCPU+c, fileSize(ref)
		}
		b.StartTimer()
	}
	n := float64(b.N)
	b.ReportMetric(float64(c.rows())*n/wall.Seconds(), "rows/s")
	b.ReportMetric(cpu.Seconds()/n, "chiso-cpu-s")
	b.ReportMetric(float64(peak.heap)/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(peak.rss)/(1<<20), "peak-rss-MB")
	b.ReportMetric(float64(dbBytes)/(1<<20), "db-MB")
	if haveSQLite == nil {
		b.ReportMetric(refWall.Seconds()/n, "sqlite3-s")
		b.ReportMetric(refCPU.Seconds()/n, "sqlite3-cpu-s")
		b.ReportMetric(float64(refBytes)/(1<<20), "sqlite3-db-MB")
		b.ReportMetric(wall.Seconds()/refWall.Seconds(), "ratio-wall")
		b.ReportMetric(cpu.Seconds()/refCPU.Seconds(), "ratio-cpu")
	}
}

// writeSynthCSV writes the generated observations of a case to path.
func writeSynthCSV(b *testing.B, path string, c csvCase) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if err := synth.WriteCSV(f, c.areas, c.indicators, c.periods, 1); err != nil {
		b.Fatal(err)
	}
}

// openBenchDB opens a fresh database holding the catalogue.
func openBenchDB(b *testing.B, path string, cat *chiso.Catalogue) *DB {
	db, err := Open(context.Background(), path)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := db.ImportCatalogue(context.Background(), cat); err != nil {
		b.Fatal(err)
	}
	return db
}

// importCSVFile imports the CSV file the way chiso import does.
func importCSVFile(b *testing.B, db *DB, path string, cat *chiso.Catalogue) ImportResult {
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	opts := ingest.Options{Catalogue: cat}
	res, err := db.Import(context.Background(), ImportOptions{Source: filepath.Base(path), Now: t0},
		func(emit func(chiso.Observation) error) error {
			return ingest.Read(f, filepath.Base(path), opts, emit)
		})
	if err != nil {
		b.Fatal(err)
	}
	return res
}

// sqliteImport has the sqlite3 shell import the CSV into a new on-disk
// database with an index on (indicator, area, period), and returns its wall
// and CPU time.
func sqliteImport(b *testing.B, sqlite, csvPath, dbPath string) (wall, cpu time.Duration) {
	script := strings.Join([]string{
		`CREATE TABLE obs(indicator TEXT, area TEXT, period TEXT, value REAL, qualifier TEXT);`,
		`CREATE INDEX obs_key ON obs(indicator, area, period);`,
		`.mode csv`,
		`.import --skip 1 ` + csvPath + ` obs`,
	}, "\n")
	cmd := exec.Command(sqlite, dbPath)
	cmd.Stdin = strings.NewReader(script)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	t0 := time.Now()
	if err := cmd.Run(); err != nil || stderr.Len() > 0 {
		b.Fatalf("sqlite3: %v %s", err, stderr.String())
	}
	wall = time.Since(t0)
	return wall, cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
}

// memPeak records the largest Go heap in use and resident set size seen
// while sampling.
type memPeak struct {
	mu        sync.Mutex
	heap, rss uint64
}

// sample polls memory every 10 ms until the returned function is called.
func (p *memPeak) sample() (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			p.record()
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

func (p *memPeak) record() {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	rss := residentBytes()
	p.mu.Lock()
	p.heap, p.rss = max(p.heap, ms.HeapInuse), max(p.rss, rss)
	p.mu.Unlock()
}

// residentBytes reads the resident set size from /proc (0 elsewhere): it
// includes SQLite's page cache, which lives outside the Go heap.
func residentBytes() uint64 {
	data, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	var size, resident uint64
	fmt.Sscan(string(data), &size, &resident)
	return resident * uint64(os.Getpagesize())
}

// fileSize returns the size of a database file with its WAL, 0 if missing.
func fileSize(path string) int64 {
	var n int64
	for _, p := range []string{path, path + "-wal"} {
		if fi, err := os.Stat(p); err == nil {
			n += fi.Size()
		}
	}
	return n
}

// BenchmarkIngestCSVOnly reads the 1M-row CSV through ingest.Read with an
// emit that does nothing: the parsing share of BenchmarkImportCSV.
func BenchmarkIngestCSVOnly(b *testing.B) {
	c := csvCase{700, 40, 36}
	path := filepath.Join(b.TempDir(), "observations.csv")
	writeSynthCSV(b, path, c)
	opts := ingest.Options{Catalogue: synth.Catalogue(c.areas, c.indicators)}
	var cpu time.Duration
	for b.Loop() {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		c0 := cpuTime()
		if err := ingest.Read(f, "observations.csv", opts, func(chiso.Observation) error { return nil }); err != nil {
			b.Fatal(err)
		}
		cpu += cpuTime() - c0
		f.Close()
	}
	b.ReportMetric(float64(c.rows())*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
}
