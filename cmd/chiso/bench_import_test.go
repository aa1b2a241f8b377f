//go:build unix

package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chiso-vn/chiso/internal/synth"
	"github.com/chiso-vn/chiso/internal/testbin"
)

// importCase is one size of the command-line import benchmark.
type importCase struct {
	areas, indicators, periods int
}

func (c importCase) rows() int { return c.areas * c.indicators * c.periods }

// BenchmarkImportCommand times `chiso import --locale en FILE` as a user
// runs it, a whole process, against the sqlite3 shell's .import of the same
// file into obs(indicator, area, period, value) with an index on
// (indicator, area, period) created before the import, so that the shell
// maintains it as chiso maintains its own tables; a second shell run creates
// the index after the import instead (sqlite3-index-after-s). The file is a
// plain table (no qualifier column), so chiso reads every value as a printed
// figure. Each iteration creates a fresh database (chiso init and catalogue
// import, not timed), then runs chiso and the shell one after the other, so
// that the load of a shared machine falls on both. It reports wall and CPU
// times, their ratios (chiso ÷ shell; below 1 is faster) and the peak
// resident size of each process.
//
// The chiso binary is built from this folder; the generated files are kept
// under the system's temporary folder for later runs. With CHISO_BENCH_10M=1
// it also imports 10,080,000 rows: the series of the 1,008,000-row case with
// ten times the periods, to show that memory does not grow with the rows.
func BenchmarkImportCommand(b *testing.B) {
	cases := []importCase{{70, 40, 36}, {700, 40, 36}}
	if os.Getenv("CHISO_BENCH_10M") != "" {
		cases = append(cases, importCase{700, 40, 360})
	}
	bin := buildChiso(b)
	shell, err := exec.LookPath("sqlite3")
	if err != nil {
		if os.Getenv("CI") == "true" {
			b.Fatalf("sqlite3 not found (%v): apt-get install sqlite3", err)
		}
		b.Logf("sqlite3 not found (%v): reporting chiso alone", err)
	}
	for _, c := range cases {
		b.Run(fmt.Sprintf("rows=%d", c.rows()), func(b *testing.B) { benchImportCommand(b, bin, shell, c) })
	}
}

// procStats adds up what processes used.
type procStats struct {
	wall, cpu time.Duration
	peakRSS   int64 // bytes, the largest of any run
}

func (s *procStats) add(r procRun) {
	s.wall += r.wall
	s.cpu += r.cpu
	s.peakRSS = max(s.peakRSS, r.peakRSS)
}

func benchImportCommand(b *testing.B, bin, shell string, c importCase) {
	data := synthFiles(b, c)
	dir := b.TempDir()
	var chiso, before, after procStats
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		db := filepath.Join(dir, fmt.Sprintf("chiso%d.db", i))
		runProcess(b, bin, "", "--db", db, "init")
		runProcess(b, bin, "", "--db", db, "catalogue", "import", data.indicators, data.areas)
		b.StartTimer()
		r := runProcess(b, bin, "", "--db", db, "import", "--locale", "en", data.observations)
		b.StopTimer()
		chiso.add(r)
		if want := fmt.Sprintf(": %d added, 0 revised, 0 unchanged", c.rows()); !strings.Contains(r.stdout, want) {
			b.Fatalf("chiso import printed %q, want %q", firstLine(r.stdout), want)
		}
		removeDB(db)
		if shell != "" {
			shellImport(b, shell, filepath.Join(dir, "shell.db"), data.observations, true, &before)
			shellImport(b, shell, filepath.Join(dir, "shell.db"), data.observations, false, &after)
		}
		b.StartTimer()
	}
	n := float64(b.N)
	b.ReportMetric(float64(c.rows())*n/chiso.wall.Seconds(), "rows/s")
	b.ReportMetric(chiso.wall.Seconds()/n, "chiso-s")
	b.ReportMetric(chiso.cpu.Seconds()/n, "chiso-cpu-s")
	b.ReportMetric(float64(chiso.peakRSS)/(1<<20), "chiso-peak-rss-MB")
	if shell == "" {
		return
	}
	b.ReportMetric(before.wall.Seconds()/n, "sqlite3-s")
	b.ReportMetric(before.cpu.Seconds()/n, "sqlite3-cpu-s")
	b.ReportMetric(float64(before.peakRSS)/(1<<20), "sqlite3-peak-rss-MB")
	b.ReportMetric(after.wall.Seconds()/n, "sqlite3-index-after-s")
	b.ReportMetric(chiso.wall.Seconds()/before.wall.Seconds(), "ratio-wall")
	b.ReportMetric(chiso.cpu.Seconds()/before.cpu.Seconds(), "ratio-cpu")
	b.ReportMetric(chiso.wall.Seconds()/after.wall.Seconds(), "ratio-wall-index-after")
}

// shellImport has the sqlite3 shell import the CSV into a new database, the
// index on the key created before or after the rows, and adds its run to s.
func shellImport(b *testing.B, shell, db, csvPath string, indexFirst bool, s *procStats) {
	index := `CREATE INDEX obs_key ON obs(indicator, area, period);`
	script := []string{`CREATE TABLE obs(indicator TEXT, area TEXT, period TEXT, value REAL);`,
		`.mode csv`, `.import --skip 1 ` + csvPath + ` obs`}
	if indexFirst {
		script = append([]string{script[0], index}, script[1:]...)
	} else {
		script = append(script, index)
	}
	removeDB(db)
	s.add(runProcess(b, shell, strings.Join(script, "\n")+"\n", db))
	removeDB(db)
}

// procRun is one finished process: what it printed and used.
type procRun struct {
	stdout    string
	wall, cpu time.Duration
	peakRSS   int64 // bytes
}

// runProcess runs a program with stdin, fails the benchmark unless it
// succeeds quietly, and returns what it printed and used.
//
// The peak resident size comes from /usr/bin/time when it is installed. The
// kernel's own figure for a child of this process (rusage's Maxrss) counts
// the resident size of the benchmark itself, whose memory the child shares
// until it runs its program; without /usr/bin/time that figure is reported,
// an upper bound.
func runProcess(b *testing.B, name, stdin string, args ...string) procRun {
	rssFile := ""
	if _, err := os.Stat(timeTool); err == nil {
		rssFile = filepath.Join(b.TempDir(), "rss")
		args = append([]string{"-f", "%M", "-o", rssFile, name}, args...)
		name = timeTool
	}
	cmd := exec.Command(name, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	t0 := time.Now()
	err := cmd.Run()
	r := procRun{stdout: stdout.String(), wall: time.Since(t0)}
	if err != nil || stderr.Len() > 0 {
		b.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, stderr.String())
	}
	ps := cmd.ProcessState
	r.cpu = ps.UserTime() + ps.SystemTime() // includes the children /usr/bin/time waited for
	if rssFile == "" {
		r.peakRSS = maxRSS(ps)
		return r
	}
	data, err := os.ReadFile(rssFile)
	if _, serr := fmt.Sscan(string(data), &r.peakRSS); err != nil || serr != nil {
		b.Fatalf("%s: %q %v %v", timeTool, data, err, serr)
	}
	r.peakRSS <<= 10 // kilobytes
	return r
}

// timeTool is GNU time, which reports a child's peak resident size.
const timeTool = "/usr/bin/time"

// maxRSS returns the kernel's peak resident size of a finished process in
// bytes.
func maxRSS(ps *os.ProcessState) int64 {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0
	}
	if runtime.GOOS == "darwin" {
		return int64(ru.Maxrss) // bytes there, kilobytes elsewhere
	}
	return int64(ru.Maxrss) << 10
}

// buildChiso builds this command into a temporary folder.
func buildChiso(b *testing.B) string { return testbin.Chiso(b) }

// benchFiles are the generated catalogue and observation files of a case.
type benchFiles struct {
	indicators, areas, observations string
}

// synthFiles generates a case's catalogue and plain observation files once,
// under the system's temporary folder, and returns their paths; it reads the
// observations once so that every timed run finds them in the page cache.
func synthFiles(b *testing.B, c importCase) benchFiles {
	dir := filepath.Join(os.TempDir(), "chiso-bench-import", fmt.Sprintf("%dx%dx%d", c.areas, c.indicators, c.periods))
	f := benchFiles{filepath.Join(dir, "indicators.csv"), filepath.Join(dir, "areas.csv"), filepath.Join(dir, "observations.csv")}
	done := filepath.Join(dir, "complete")
	if _, err := os.Stat(done); err != nil {
		cat := synth.Catalogue(c.areas, c.indicators)
		err := os.MkdirAll(dir, 0o755)
		for _, w := range []struct {
			path  string
			write func(io.Writer) error
		}{
			{f.indicators, func(w io.Writer) error { return synth.WriteIndicatorsCSV(w, cat) }},
			{f.areas, func(w io.Writer) error { return synth.WriteAreasCSV(w, cat) }},
			{f.observations, func(w io.Writer) error { return synth.WritePlainCSV(w, c.areas, c.indicators, c.periods, 1) }},
			{done, func(io.Writer) error { return nil }},
		} {
			if err == nil {
				err = writeBenchFile(w.path, w.write)
			}
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	if err := readThrough(f.observations); err != nil {
		b.Fatal(err)
	}
	return f
}

// readThrough reads a file without keeping it.
func readThrough(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(io.Discard, f)
	return err
}

func writeBenchFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}

// removeDB removes a database file with its WAL and shared-memory files.
func removeDB(path string) {
	for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
		os.Remove(path + suffix)
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
