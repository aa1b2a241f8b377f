//go:build unix

package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// evalCase is one size of the command-line evaluation benchmark: the
// engine benchmark's data set of that name (areas × the sample's 12
// indicators × 42 months, checked by the default rule pack).
type evalCase struct {
	name   string // the engine benchmark's size
	folder string // the start of the folder where it caches the databases, under os.TempDir()/chiso-bench
	rows   int
}

// evalAt is the engine benchmark's evaluation time.
const evalAt = "2023-06-01T07:00:00Z"

// evalShellQueries are the engine benchmark's reference queries: a range
// count and a LAG-based change count.
const evalShellQueries = `SELECT count(*) FROM obs WHERE value < 0 OR value > 100;
SELECT count(*) FROM (SELECT value / LAG(value) OVER (PARTITION BY indicator, area ORDER BY period) AS r FROM obs) WHERE r > 100 OR r < 0.01;
`

// BenchmarkEvalCommand times `chiso eval --format json > FILE` as a user
// runs it, a whole process with the default rule pack, against the sqlite3
// shell running the engine benchmark's two reference queries over the same
// figures (obs(indicator, area, period, value, qualifier) indexed on
// (indicator, area, period)), one after the other in each iteration so
// that the load of a shared machine falls on both. It reports the mean and
// the best wall time of each, CPU times, the ratios (chiso ÷ shell; below
// 1 is faster) and the peak resident size of each process.
//
// The databases are the engine benchmark's (BenchmarkEngine/pack1M): when
// they are not cached under the system's temporary folder, this runs that
// benchmark's sqlite3 step once to build them (minutes at 10M). With
// CHISO_BENCH_10M=1 it also evaluates pack10M, 10,080,000 figures.
func BenchmarkEvalCommand(b *testing.B) {
	cases := []evalCase{{"pack1M", "2000x12x42", 1_008_000}}
	if os.Getenv("CHISO_BENCH_10M") != "" {
		cases = append(cases, evalCase{"pack10M", "20000x12x42", 10_080_000})
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
		b.Run(fmt.Sprintf("figures=%d", c.rows), func(b *testing.B) { benchEvalCommand(b, bin, shell, c) })
	}
}

// evalStats adds up the runs of one program.
type evalStats struct {
	procStats
	best time.Duration // the shortest wall time
}

func (s *evalStats) add(r procRun) {
	s.procStats.add(r)
	if s.best == 0 || r.wall < s.best {
		s.best = r.wall
	}
}

func benchEvalCommand(b *testing.B, bin, shell string, c evalCase) {
	dir := evalFixture(b, c)
	out := filepath.Join(b.TempDir(), "findings.json")
	var chiso, sql evalStats
	var size int64
	for b.Loop() {
		r := runEvalProcess(b, bin, out, "--db", filepath.Join(dir, "chiso.db"), "eval", "--format", "json", "--at", evalAt)
		b.StopTimer()
		chiso.add(r)
		st, err := os.Stat(out)
		if err != nil || st.Size() < 100 {
			b.Fatalf("chiso eval wrote no findings to %s: %v", out, err)
		}
		size = st.Size()
		if shell != "" {
			sql.add(runProcess(b, shell, evalShellQueries, filepath.Join(dir, "shell.db")))
		}
		b.StartTimer()
	}
	n := float64(b.N)
	b.ReportMetric(chiso.wall.Seconds()/n, "chiso-s")
	b.ReportMetric(chiso.best.Seconds(), "chiso-best-s")
	b.ReportMetric(chiso.cpu.Seconds()/n, "chiso-cpu-s")
	b.ReportMetric(float64(chiso.peakRSS)/(1<<20), "chiso-peak-rss-MiB")
	b.ReportMetric(float64(size)/(1<<20), "json-MiB")
	if shell == "" {
		return
	}
	b.ReportMetric(sql.wall.Seconds()/n, "sqlite3-s")
	b.ReportMetric(sql.best.Seconds(), "sqlite3-best-s")
	b.ReportMetric(sql.cpu.Seconds()/n, "sqlite3-cpu-s")
	b.ReportMetric(float64(sql.peakRSS)/(1<<20), "sqlite3-peak-rss-MiB")
	b.ReportMetric(chiso.wall.Seconds()/sql.wall.Seconds(), "ratio-wall")
	b.ReportMetric(chiso.best.Seconds()/sql.best.Seconds(), "ratio-best")
	b.ReportMetric(chiso.cpu.Seconds()/sql.cpu.Seconds(), "ratio-cpu")
}

// evalFixture returns the folder of the engine benchmark's databases for
// the case, building them with that benchmark when they are missing.
func evalFixture(b *testing.B, c evalCase) string {
	if dir := readyFixture(c); dir != "" {
		return dir
	}
	b.Logf("building the %s databases with the engine benchmark (once; minutes at 10M)", c.name)
	cmd := exec.Command("go", "test", "-run", "^$", "-bench", "Engine/^"+c.name+"$/sqlite3$", "-benchtime", "1x",
		"-timeout", "2h", ".")
	cmd.Dir = filepath.Join("..", "..", "engine")
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("go test -bench Engine/%s ./engine: %v\n%s", c.name, err, out)
	}
	dir := readyFixture(c)
	if dir == "" {
		b.Fatalf("the engine benchmark built no %s*-pack folder under %s", c.folder, filepath.Join(os.TempDir(), "chiso-bench"))
	}
	return dir
}

// readyFixture returns the engine benchmark's complete folder for the
// case, the last by name when the folder's name carries a data version
// (AxIxM-vN-pack), or "".
func readyFixture(c evalCase) string {
	found, _ := filepath.Glob(filepath.Join(os.TempDir(), "chiso-bench", c.folder+"*-pack", "ready"))
	if len(found) == 0 {
		return ""
	}
	slices.Sort(found)
	return filepath.Dir(found[len(found)-1])
}

// runEvalProcess runs chiso with its standard output to a new file, as a shell's
// redirection does, and returns what it used. Exit status 1 (a finding
// fails) is success here; the summary must be on standard error.
func runEvalProcess(b *testing.B, bin, out string, args ...string) procRun {
	f, err := os.Create(out)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	name, rssFile := bin, filepath.Join(b.TempDir(), "rss")
	_, statErr := os.Stat(timeTool)
	if statErr == nil {
		args = append([]string{"-f", "%M", "-o", rssFile, bin}, args...)
		name = timeTool
	}
	cmd := exec.Command(name, args...)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = f, &stderr
	t0 := time.Now()
	err = cmd.Run()
	r := procRun{wall: time.Since(t0)}
	if code := cmd.ProcessState.ExitCode(); (code != 0 && code != 1) || !strings.Contains(stderr.String(), "findings:") {
		b.Fatalf("chiso %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	ps := cmd.ProcessState
	r.cpu = ps.UserTime() + ps.SystemTime()
	if statErr != nil {
		r.peakRSS = maxRSS(ps)
		return r
	}
	// GNU time writes "Command exited with non-zero status 1" before the
	// figure when chiso exits 1.
	data, err := os.ReadFile(rssFile)
	fields := strings.Fields(string(data))
	var kb int64
	if err != nil || len(fields) == 0 {
		b.Fatalf("%s: %q %v", timeTool, data, err)
	}
	if _, err := fmt.Sscan(fields[len(fields)-1], &kb); err != nil {
		b.Fatalf("%s: %q %v", timeTool, data, err)
	}
	r.peakRSS = kb << 10
	return r
}
