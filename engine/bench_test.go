package engine

// The benchmarks measure the engine on synthetic data against the sqlite3
// shell running a range and a change query over the same rows. They are
// opt-in and slow the first time (the 10M store takes minutes to build; it
// is cached under os.TempDir()/chiso-bench):
//
//	go test -run '^$' -bench . -benchtime 1x -timeout 2h ./engine
//
// -benchtime 3x or more steadies the warm and add figures (at 10M, 12x or
// more: the garbage collector runs about every other evaluation). Metrics:
// sqlite-ms is the shell's time for both queries; x-sqlite is the
// benchmark's time divided by it (goals: warm ≤ 0.1, cold ≤ 1); first-ms is
// the untimed first evaluation before the warm ones; rss-MiB and hwm-MiB are
// VmRSS and VmHWM after a load and an evaluation (goal ≤ 1024 at 10M, with
// -benchtime 1x).

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chiso-vn/chiso/sample/samplecat"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/checks"
	"github.com/chiso-vn/chiso/internal/synth"
	"github.com/chiso-vn/chiso/pack"
	"github.com/chiso-vn/chiso/rules"
	"github.com/chiso-vn/chiso/store"
)

// benchSize is one synthetic data set: areas × indicators × monthly
// periods. With pack set, the indicators are renamed to the sample
// catalogue's (of the same kind) and the rules are the default pack;
// otherwise synth's catalogue is checked by a representative rule set of
// range, change, scale, target and outlier rules over every area (the
// pack's rules name the sample catalogue's indicators, not synth's).
type benchSize struct {
	name                      string
	areas, indicators, months int
	pack                      bool
}

var benchSizes = []benchSize{
	{"tiny", 30, 9, 36, false},         // 9,720 observations, to try the benchmarks
	{"1M", 700, 40, 36, false},         // 1,008,000 observations
	{"pack1M", 2000, 12, 42, true},     // 1,008,000 observations
	{"10M", 2800, 100, 36, false},      // 10,080,000 observations
	{"pack10M", 20000, 12, 42, true},   // 10,080,000 observations
	{"pack30M", 60000, 12, 42, true},   // 30,240,000 observations, for the curve toward 100M
	{"pack100M", 200000, 12, 42, true}, // 100,800,000 observations: the ministry's scale
}

// benchNow is the evaluation time: after the last generated month.
var benchNow = time.Date(2023, 6, 1, 7, 0, 0, 0, time.UTC)

// fixture is a size's data, built once per run.
type fixture struct {
	size   benchSize
	dir    string
	cat    *chiso.Catalogue
	groups []rules.Group
	shell  time.Duration // the sqlite3 shell's time for both queries; 0 if not measured
	// shellCPU is the shell's CPU time for both queries: on a busy machine
	// it is the fairer comparison.
	shellCPU time.Duration
	eng      *Engine           // a loaded, evaluated engine, shared by warm and add
	codes    map[string]string // synth's indicator code → the catalogue's; nil keeps synth's
	nextID   int64
	pgReady  bool // the store was copied into the PostgreSQL benchmark cluster (pgDatabase)
}

var (
	fixturesMu sync.Mutex
	fixtures   = map[string]*fixture{}
)

func BenchmarkEngine(b *testing.B) {
	for _, size := range benchSizes {
		if size.areas > 20000 && os.Getenv("CHISO_BENCH_LARGE") == "" {
			continue // 30M and 100M: minutes to build, tens of GB on disk
		}
		for _, bench := range []struct {
			name string
			run  func(*fixture, *testing.B)
		}{
			{"sqlite3", (*fixture).benchShell}, {"scan", (*fixture).benchScan}, {"cold", (*fixture).benchCold},
			{"memory", (*fixture).benchMemory},
			{"warm", (*fixture).benchWarm}, {"serial", (*fixture).benchSerial}, {"floor", (*fixture).benchFloor},
			{"add", (*fixture).benchAdd},
		} {
			b.Run(size.name+"/"+bench.name, func(b *testing.B) { bench.run(benchFixture(b, size), b) })
		}
		if f := fixtures[size.name]; f != nil {
			f.eng = nil // let the next size measure its own memory
		}
	}
}

// benchFixture returns the size's fixture, generating the data files the
// first time.
func benchFixture(b *testing.B, size benchSize) *fixture {
	fixturesMu.Lock()
	defer fixturesMu.Unlock()
	if f := fixtures[size.name]; f != nil {
		return f
	}
	dir := filepath.Join(os.TempDir(), "chiso-bench", fmt.Sprintf("%dx%dx%d-v%d", size.areas, size.indicators, size.months, synth.Version))
	f := &fixture{size: size, dir: dir, cat: benchCatalogue(size)}
	var err error
	if size.pack {
		f.dir += "-pack"
		f.cat, f.codes, err = packCatalogue(size)
		if err == nil {
			f.groups, err = rules.Load(pack.FS(), pack.Patterns, f.cat)
		}
	} else {
		f.groups, err = rules.Parse("bench.yaml", []byte(benchRules(f.cat)), f.cat)
	}
	if err != nil {
		b.Fatal(err)
	}
	if err := f.build(); err != nil {
		b.Fatal(err)
	}
	fixtures[size.name] = f
	return f
}

// benchCatalogue is synth's catalogue with national targets for the
// percent indicators, so that the target check has work.
func benchCatalogue(size benchSize) *chiso.Catalogue {
	cat := synth.Catalogue(size.areas, size.indicators)
	for _, ind := range cat.Indicators {
		if ind.Kind == chiso.KindPercent {
			cat.Targets = append(cat.Targets, chiso.Target{Indicator: ind.Code, Area: chiso.AnyArea,
				Period: chiso.MustParsePeriod("2022"), Op: chiso.OpGE, Value: 60, Source: "bench"},
				chiso.Target{Indicator: ind.Code, Area: chiso.AnyArea,
					Period: chiso.MustParsePeriod("2025"), Op: chiso.OpGE, Value: 90, Source: "bench"})
		}
	}
	return cat
}

// packCatalogue is the sample catalogue with synth's areas as provinces of
// the country, and the map from synth's indicator codes to sample
// indicators of the same kind.
func packCatalogue(size benchSize) (*chiso.Catalogue, map[string]string, error) {
	cat, err := samplecat.Catalogue()
	if err != nil {
		return nil, nil, err
	}
	byKind := map[chiso.IndicatorKind][]string{}
	for _, ind := range cat.Indicators {
		byKind[ind.Kind] = append(byKind[ind.Kind], ind.Code)
	}
	synthCat := synth.Catalogue(size.areas, size.indicators)
	codes := map[string]string{}
	for i, ind := range synthCat.Indicators {
		same := byKind[ind.Kind]
		codes[ind.Code] = same[(i/3)%len(same)]
	}
	for _, a := range synthCat.Areas {
		a.Parent = "VN"
		cat.Areas = append(cat.Areas, a)
	}
	return cat, codes, nil
}

// benchRules is a representative rule set over every area: range, change,
// scale, target and, when the kind exists, outlier.
func benchRules(cat *chiso.Catalogue) string {
	var all, growing, shares []string
	for _, ind := range cat.Indicators {
		all = append(all, ind.Code)
		if ind.Kind == chiso.KindPercent {
			shares = append(shares, ind.Code)
		} else {
			growing = append(growing, ind.Code)
		}
	}
	list := func(xs []string) string { return "[" + strings.Join(xs, ", ") + "]" }
	var b strings.Builder
	fmt.Fprintf(&b, "groups:\n  - name: bench\n    schedule: \"@daily\"\n    rules:\n")
	fmt.Fprintf(&b, "      - {alert: Range, check: range, indicators: %s, severity: critical}\n", list(all))
	fmt.Fprintf(&b, "      - {alert: Change, check: change, indicators: %s, severity: warning, max_increase: 2, max_decrease: 0.5, min_base: 1}\n", list(growing))
	fmt.Fprintf(&b, "      - {alert: Scale, check: scale, indicators: %s, severity: critical}\n", list(all))
	fmt.Fprintf(&b, "      - {alert: Target, check: target, indicators: %s, severity: warning, on_track: true}\n", list(shares))
	if _, ok := checks.Lookup("outlier"); ok {
		fmt.Fprintf(&b, "      - {alert: Outlier, check: outlier, indicators: %s, severity: info}\n", list(all))
	}
	return b.String()
}

// code returns the catalogue's code of a synth indicator.
func (f *fixture) code(synthCode string) string {
	if f.codes != nil {
		return f.codes[synthCode]
	}
	return synthCode
}

func (f *fixture) path(name string) string { return filepath.Join(f.dir, name) }

// build writes the CSV, the chiso store and the shell's database, unless a
// previous run left them complete.
func (f *fixture) build() error {
	if _, err := os.Stat(f.path("ready")); err == nil {
		return nil
	}
	if err := os.RemoveAll(f.dir); err != nil {
		return err
	}
	if err := os.MkdirAll(f.dir, 0o755); err != nil {
		return err
	}
	if err := f.writeCSV(); err != nil {
		return err
	}
	if err := f.buildStore(); err != nil {
		return err
	}
	return os.WriteFile(f.path("ready"), nil, 0o644)
}

func (f *fixture) writeCSV() error {
	out, err := os.Create(f.path("obs.csv"))
	if err != nil {
		return err
	}
	if err := synth.WriteCSV(out, f.size.areas, f.size.indicators, f.size.months, 1); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// buildStore imports the CSV into a chiso store, one import per indicator
// as a department would send them.
func (f *fixture) buildStore() error {
	ctx := context.Background()
	db, err := store.Open(ctx, f.path("chiso.db"))
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ImportCatalogue(ctx, f.cat); err != nil {
		return err
	}
	in, err := os.Open(f.path("obs.csv"))
	if err != nil {
		return err
	}
	defer in.Close()
	rows := newCSVRows(in)
	rows.codes = f.codes
	for rows.more() {
		ind := rows.indicator()
		_, err := db.Import(ctx, store.ImportOptions{Source: ind + ".csv", Now: benchNow}, func(emit func(chiso.Observation) error) error {
			return rows.each(ind, emit)
		})
		if err != nil {
			return err
		}
	}
	return rows.err
}

// csvRows reads synth's canonical CSV one indicator at a time.
type csvRows struct {
	codes map[string]string // renames indicators; nil keeps them
	sc    *bufio.Scanner
	next  []string // the line read ahead; nil at the end
	err   error
}

func newCSVRows(r io.Reader) *csvRows {
	c := &csvRows{sc: bufio.NewScanner(r)}
	c.sc.Scan() // header
	c.advance()
	return c
}

func (c *csvRows) advance() {
	c.next = nil
	if c.sc.Scan() {
		c.next = strings.Split(c.sc.Text(), ",")
	} else if err := c.sc.Err(); err != nil {
		c.err = err
	}
}

func (c *csvRows) more() bool        { return c.next != nil && c.err == nil }
func (c *csvRows) indicator() string { return c.next[0] }

// each emits the rows of the indicator.
func (c *csvRows) each(ind string, emit func(chiso.Observation) error) error {
	for c.more() && c.next[0] == ind {
		p, err := chiso.ParsePeriod(c.next[2])
		if err != nil {
			return err
		}
		v, err := strconv.ParseFloat(c.next[3], 64)
		if err != nil {
			return err
		}
		q, err := chiso.ParseQualifier(c.next[4])
		if err != nil {
			return err
		}
		code := ind
		if c.codes != nil {
			code = c.codes[ind]
		}
		if err := emit(chiso.Observation{Indicator: code, Area: c.next[1], Period: p, Value: v, Qualifier: q}); err != nil {
			return err
		}
		c.advance()
	}
	return c.err
}

// buildShellDB loads the CSV into the shell's table, indexed on the series
// key; not timed.
func (f *fixture) buildShellDB() error {
	if _, err := exec.LookPath("sqlite3"); err != nil {
		return nil
	}
	script := fmt.Sprintf(`CREATE TABLE obs(indicator TEXT, area TEXT, period TEXT, value REAL, qualifier TEXT);
.mode csv
.import --skip 1 %s obs
CREATE INDEX obs_key ON obs(indicator, area, period);
ANALYZE;
`, f.path("obs.csv"))
	cmd := exec.Command("sqlite3", f.path("shell.db"))
	cmd.Stdin = strings.NewReader(script)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("sqlite3: %v: %s", err, out)
	}
	return nil
}

// shellQueries are the range and change queries the shell is timed on.
const shellQueries = `SELECT count(*) FROM obs WHERE value < 0 OR value > 100;
SELECT count(*) FROM (SELECT value / LAG(value) OVER (PARTITION BY indicator, area ORDER BY period) AS r FROM obs) WHERE r > 100 OR r < 0.01;
`

func (f *fixture) benchShell(b *testing.B) {
	if _, err := exec.LookPath("sqlite3"); err != nil {
		b.Skip("sqlite3 shell not installed: no comparison")
	}
	if _, err := os.Stat(f.path("shell.db")); err != nil { // built when first compared: 9 GB at 100M
		if err := f.buildShellDB(); err != nil {
			b.Fatal(err)
		}
	}
	best, cpu := time.Duration(math.MaxInt64), time.Duration(math.MaxInt64)
	for b.Loop() {
		start := time.Now()
		cmd := exec.Command("sqlite3", f.path("shell.db"))
		cmd.Stdin = strings.NewReader(shellQueries)
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("sqlite3: %v: %s", err, out)
		}
		best = min(best, time.Since(start))
		cpu = min(cpu, cmd.ProcessState.UserTime()+cmd.ProcessState.SystemTime())
	}
	f.shell, f.shellCPU = best, cpu
	b.ReportMetric(float64(best.Milliseconds()), "sqlite-ms")
	b.ReportMetric(float64(cpu.Milliseconds()), "sqlite-cpu-ms")
}

// newEngine builds an engine from the store: catalogue, rules, load.
func (f *fixture) load(b *testing.B) *Engine {
	ctx := context.Background()
	db, err := store.Open(ctx, f.path("chiso.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	e := f.loadFrom(b, db)
	if f.nextID, err = db.LastID(ctx); err != nil {
		b.Fatal(err)
	}
	return e
}

// benchStore is what a benchmark's engine is built from: the SQLite or
// the PostgreSQL store.
type benchStore interface {
	Source
	Catalogue(context.Context) (*chiso.Catalogue, error)
}

// loadFrom builds an engine as the daemon's start does: catalogue, rules,
// load.
func (f *fixture) loadFrom(b *testing.B, db benchStore) *Engine {
	ctx := context.Background()
	cat, err := db.Catalogue(ctx)
	if err != nil {
		b.Fatal(err)
	}
	e, err := New(cat, f.groups, Options{Lang: "en"})
	if err != nil {
		b.Fatal(err)
	}
	if err := e.Load(ctx, db); err != nil {
		b.Fatal(err)
	}
	return e
}

// benchScan reads every current observation from the store and does
// nothing with it: the floor under a cold evaluation.
func (f *fixture) benchScan(b *testing.B) {
	ctx := context.Background()
	db, err := store.Open(ctx, f.path("chiso.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	n := 0
	for b.Loop() {
		n = 0
		if _, err := db.Scan(ctx, 0, false, func(chiso.Observation) error { n++; return nil }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n), "obs")
	if f.shell > 0 {
		b.ReportMetric(float64(b.Elapsed())/float64(b.N)/float64(f.shell), "x-sqlite")
	}
}

// benchCold is what `chiso eval` does: open the store, load the index,
// evaluate every rule.
func (f *fixture) benchCold(b *testing.B) {
	var res Result
	cpu := cpuTime()
	for b.Loop() {
		e := f.load(b)
		res = f.evaluate(b, e)
	}
	f.report(b, res, cpu)
}

// benchMemory loads the index into a process that holds nothing else and
// reports its resident memory after the load (load-hwm-MiB, and heap-MiB
// live after a collection) and after a full evaluation (rss-MiB, hwm-MiB).
func (f *fixture) benchMemory(b *testing.B) {
	f.eng = nil
	runtime.GC()
	debug.FreeOSMemory()
	resetPeak(b)
	var loadHWM, heap float64
	for b.Loop() {
		f.eng = nil
		f.eng = f.load(b)
		runtime.GC()
		_, loadHWM = memory(b)
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		heap = float64(ms.HeapAlloc) / (1 << 20)
		f.evaluate(b, f.eng)
	}
	runtime.GC()
	rss, hwm := memory(b)
	b.ReportMetric(loadHWM, "load-hwm-MiB")
	b.ReportMetric(heap, "heap-MiB")
	b.ReportMetric(rss, "rss-MiB")
	b.ReportMetric(hwm, "hwm-MiB")
	b.ReportMetric(float64(f.eng.ix.points), "obs")
}

// benchWarm evaluates every rule in full over the loaded index.
func (f *fixture) benchWarm(b *testing.B) {
	f.loopFull(b, f.engine(b))
}

// loopFull evaluates every rule of e in full each iteration and reports.
// The first evaluation of an engine, which also grows the process's heap to
// its working size, is made before the timed ones and reported apart as
// first-ms (the cold benchmark includes it).
func (f *fixture) loopFull(b *testing.B, e *Engine) {
	e.invalidate()
	start := time.Now()
	f.evaluate(b, e)
	first := time.Since(start)
	var res Result
	cpu := cpuTime()
	for b.Loop() {
		e.invalidate()
		res = f.evaluate(b, e)
	}
	f.report(b, res, cpu)
	b.ReportMetric(float64(first.Milliseconds()), "first-ms")
}

// overIndex returns an engine of groups over the fixture's loaded index.
func (f *fixture) overIndex(b *testing.B, groups []rules.Group, opts Options) *Engine {
	e, err := New(f.cat, groups, opts)
	if err != nil {
		b.Fatal(err)
	}
	e.ix = f.engine(b).ix
	return e
}

// benchSerial is benchWarm with one worker: what the pool gains.
func (f *fixture) benchSerial(b *testing.B) {
	f.loopFull(b, f.overIndex(b, f.groups, Options{Lang: "en", Workers: 1}))
}

// benchFloor evaluates, over the same index, two minimal checks that do
// what the shell's queries do (a range test and a ratio to the previous
// like period, lineage-aware): the engine's own cost without the real
// check kinds' work.
func (f *fixture) benchFloor(b *testing.B) {
	var inds []string
	for _, ind := range f.cat.Indicators {
		inds = append(inds, ind.Code)
	}
	groups := []rules.Group{{Name: "floor", Rules: []rules.Rule{
		{Alert: "Range", Check: "above", Indicators: inds, Severity: chiso.Critical, Params: above{Max: 1e12}},
		{Alert: "Ratio", Check: "jump", Indicators: inds, Severity: chiso.Warning, Params: jump{}},
	}}}
	f.loopFull(b, f.overIndex(b, groups, Options{Lang: "en"}))
}

// benchAdd adds every indicator of one area for one new month, then
// evaluates: the incremental path.
func (f *fixture) benchAdd(b *testing.B) {
	e := f.engine(b)
	f.evaluate(b, e)
	p := synth.FirstPeriod
	for range f.size.months {
		p = p.Next()
	}
	i := 0
	var res Result
	cpu := cpuTime()
	for b.Loop() {
		area := synth.AreaCode(i % f.size.areas)
		batch := make([]chiso.Observation, 0, f.size.indicators)
		for k := range f.size.indicators {
			f.nextID++
			batch = append(batch, chiso.Observation{Indicator: f.code(synth.IndicatorCode(k)), Area: area, Period: p,
				Value: 50 + float64(i%7), Revision: 1 + i/f.size.areas, ID: f.nextID})
		}
		e.Add(batch...)
		res = f.evaluate(b, e)
		i++
	}
	evaluated := 0
	for _, s := range res.PerRule {
		evaluated += s.Evaluated
	}
	b.ReportMetric(float64(evaluated), "units")
	b.ReportMetric(float64((cpuTime()-cpu).Milliseconds())/float64(b.N), "cpu-ms")
}

func (f *fixture) engine(b *testing.B) *Engine {
	if f.eng == nil {
		f.eng = f.load(b)
	}
	return f.eng
}

func (f *fixture) evaluate(b *testing.B, e *Engine) Result {
	res, err := e.Evaluate(context.Background(), "", benchNow)
	if err != nil {
		b.Fatal(err)
	}
	for id, s := range res.PerRule {
		if s.Err != nil {
			b.Fatalf("rule %s: %v", id, s.Err)
		}
	}
	return res
}

// report adds the findings count, the process's CPU time per operation
// since cpu, each rule's time (summed over workers) and the ratio to the
// shell's time. Other processes on the machine slow the wall clock; CPU
// time tells what the evaluation itself cost.
func (f *fixture) report(b *testing.B, res Result, cpu time.Duration) {
	b.ReportMetric(float64(res.Findings.Len()), "findings")
	perOp := float64(cpuTime()-cpu) / float64(b.N)
	b.ReportMetric(perOp/1e6, "cpu-ms")
	if f.shellCPU > 0 {
		b.ReportMetric(perOp/float64(f.shellCPU), "x-sqlite-cpu")
	}
	for id, s := range res.PerRule {
		b.ReportMetric(float64(s.Duration.Milliseconds()), id.Rule+"-ms")
	}
	if f.shell > 0 && b.N > 0 {
		b.ReportMetric(float64(b.Elapsed())/float64(b.N)/float64(f.shell), "x-sqlite")
	}
}

// cpuTime returns the user and system CPU time of the process.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// invalidate makes the next evaluation of every rule a full one.
func (e *Engine) invalidate() {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, st := range e.rules {
		st.valid = false
	}
}

// resetPeak resets VmHWM, so that it measures from now on.
func resetPeak(b *testing.B) {
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		b.Logf("cannot reset the peak resident memory (%v): hwm-MiB includes what ran before", err)
	}
}

// memory returns VmRSS and VmHWM in MiB.
func memory(b *testing.B) (rss, hwm float64) {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Skip("no /proc/self/status: no memory figures")
	}
	for _, line := range strings.Split(string(data), "\n") {
		name, val, ok := strings.Cut(line, ":")
		if !ok || (name != "VmRSS" && name != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(val), " kB"), 64)
		if err != nil {
			b.Fatal(errors.New("read " + name + ": " + err.Error()))
		}
		if name == "VmRSS" {
			rss = kb / 1024
		} else {
			hwm = kb / 1024
		}
	}
	return rss, hwm
}

// BenchmarkPool evaluates the minimal checks over 400,000 in-memory points
// with one and with two workers: on an idle machine two take about half
// the time of one.
func BenchmarkPool(b *testing.B) {
	cat := synth.Catalogue(1000, 10)
	var inds []string
	for _, ind := range cat.Indicators {
		inds = append(inds, ind.Code)
	}
	var all []chiso.Observation
	for a := range 1000 {
		for _, ind := range inds {
			p := synth.FirstPeriod
			for m := range 40 {
				all = append(all, chiso.Observation{Indicator: ind, Area: synth.AreaCode(a), Period: p, Value: float64(m + a)})
				p = p.Next()
			}
		}
	}
	for _, workers := range []int{1, 2} {
		b.Run(strconv.Itoa(workers), func(b *testing.B) {
			e, err := New(cat, []rules.Group{{Name: "pool", Rules: []rules.Rule{
				{Alert: "Range", Check: "above", Indicators: inds, Params: above{Max: 1e12}},
				{Alert: "Ratio", Check: "jump", Indicators: inds, Params: jump{}},
			}}}, Options{Workers: workers})
			if err != nil {
				b.Fatal(err)
			}
			e.Add(all...)
			cpu := cpuTime()
			for b.Loop() {
				e.invalidate()
				if _, err := e.Evaluate(context.Background(), "", benchNow); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N)/1e6, "cpu-ms")
		})
	}
}
