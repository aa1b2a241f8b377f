package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chiso-vn/chiso/sample/samplecat"
	"github.com/chiso-vn/chiso/store/pgstore"

	"github.com/chiso-vn/chiso/pack"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/config"
	"github.com/chiso-vn/chiso/ingest"
	"github.com/chiso-vn/chiso/rules"
	"github.com/chiso-vn/chiso/store"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// coverageRules has two groups: one reads the coverage share, the other
// only the number of BTS stations, so an import of one triggers only its
// group.
const coverageRules = `groups:
  - name: coverage
    schedule: "0 7 * * *"
    rules:
      - alert: CoverageOutOfRange
        check: range
        indicator: village_mobile_broadband_coverage
        severity: critical
  - name: stations
    schedule: "0 7 * * *"
    rules:
      - alert: StationsOutOfRange
        check: range
        indicator: bts_stations
`

const brokenRules = `groups:
  - name: coverage
    schedule: "0 7 * * *"
    rules:
      - alert: CoverageOutOfRange
        check: rnage
        indicator: village_mobile_broadband_coverage
`

type harness struct {
	t     testing.TB
	dir   string
	db    string // the database's address: the SQLite file in dir, or a PostgreSQL URL
	d     *Daemon
	url   string
	token string
}

// start creates a database with the sample data, a rule folder and a
// configuration file in a temp dir, and starts a daemon on a free port.
func start(t testing.TB, extraConfig string) *harness {
	t.Helper()
	return startWith(t, extraConfig, Options{Version: "test", Revision: "abc"})
}

func startWith(t testing.TB, extraConfig string, opts Options) *harness {
	t.Helper()
	return startHooked(t, extraConfig, opts, nil)
}

// startIn is startWith in a folder that may already hold a database.
func startIn(t testing.TB, dir, extraConfig string, opts Options) *harness {
	t.Helper()
	return startHookedIn(t, dir, extraConfig, opts, nil)
}

// startHooked is startWith with a function that may set the daemon's test
// hooks between New and Start.
func startHooked(t testing.TB, extraConfig string, opts Options, hook func(*Daemon)) *harness {
	t.Helper()
	return startHookedIn(t, t.TempDir(), extraConfig, opts, hook)
}

// startHookedIn is startHooked in a folder that may already hold a
// database.
func startHookedIn(t testing.TB, dir, extraConfig string, opts Options, hook func(*Daemon)) *harness {
	t.Helper()
	ctx := context.Background()
	db, dbConfig := filepath.Join(dir, "chiso.db"), ""
	if dsn, ok := postgresTests.Load(t); ok {
		db, dbConfig = dsn.(string), fmt.Sprintf("database: %q\n", dsn)
	}
	if _, err := InitDatabase(ctx, db, true, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "rules.d", "coverage.yaml"), coverageRules)
	writeFile(t, filepath.Join(dir, "token"), "s3cret\n")
	cfgText := "listen: 127.0.0.1:0\nauth: {tokens: [{name: test, file: token}]}\n" + dbConfig + extraConfig
	writeFile(t, filepath.Join(dir, "chiso.yaml"), cfgText)
	cfg, err := config.Load(filepath.Join(dir, "chiso.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	d := New(cfg, opts)
	if hook != nil {
		hook(d)
	}
	if err := d.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	if _, onPG := d.db.(*pgstore.DB); onPG != (dbConfig != "") {
		t.Fatalf("the daemon runs on %T with database %s", d.db, db)
	}
	h := &harness{t: t, dir: dir, db: db, d: d, url: "http://" + d.Addr(), token: "s3cret"}
	h.waitFor("ready", 5*time.Second, d.Ready)
	if dbConfig != "" && !strings.Contains(extraConfig, "cluster:") {
		// on a shared database the daemon leads once it has won the
		// lease, and evaluates every group then: wait for that, so that
		// a test sees no evaluation it did not cause
		h.waitFor("leading", 10*time.Second, func() bool { _, ok := d.lead.current(); return ok && d.evalAllRuns.Load() > 0 })
	}
	return h
}

func writeFile(t testing.TB, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeAtomic replaces a file as editors do: write a temporary file, rename.
func writeAtomic(t *testing.T, path, text string) {
	t.Helper()
	tmp := filepath.Join(filepath.Dir(path), ".tmp-"+filepath.Base(path))
	writeFile(t, tmp, text)
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func (h *harness) waitFor(what string, limit time.Duration, cond func() bool) time.Duration {
	h.t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > limit {
			h.t.Fatalf("%s: not within %s", what, limit)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return time.Since(start)
}

func (h *harness) post(path, ctype, body string) (int, string) {
	h.t.Helper()
	req, _ := http.NewRequest("POST", h.url+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+h.token)
	req.Header.Set("Content-Type", ctype)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (h *harness) get(path string) string {
	h.t.Helper()
	resp, err := http.Get(h.url + path)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func (h *harness) findingsFor(area string) []chiso.Finding {
	var out []chiso.Finding
	for f := range h.d.Findings() {
		if f.Area == area {
			out = append(out, f)
		}
	}
	return out
}

const badCoverage = "indicator,area,period,value\nvillage_mobile_broadband_coverage,PT,2024,120\n"

func TestPostedObservationIsEvaluatedAtOnce(t *testing.T) {
	h := start(t, "")
	stationsBefore := h.d.state.group("stations").lastRun
	coverageBefore := h.d.state.group("coverage").lastRun
	code, body := h.post("/api/v1/observations", "text/csv", badCoverage)
	if code != 200 {
		t.Fatalf("POST = %d %s", code, body)
	}
	took := h.waitFor("finding", 2*time.Second, func() bool { return len(h.findingsFor("PT")) > 0 })
	t.Logf("finding visible %s after the POST answered", took)
	f := h.findingsFor("PT")[0]
	if f.Rule != "CoverageOutOfRange" || f.Diagnosis != chiso.OutOfRange || f.Value != 120 || f.Severity != chiso.Critical {
		t.Errorf("finding = %+v", f)
	}
	if got := h.d.state.group("coverage").lastRun; !got.After(coverageBefore) {
		t.Errorf("coverage group not re-evaluated: %v", got)
	}
	if got := h.d.state.group("stations").lastRun; !got.Equal(stationsBefore) {
		t.Errorf("stations group evaluated on an import it does not read: %v → %v", stationsBefore, got)
	}
	var api struct{ Data []chiso.Finding }
	if err := json.Unmarshal([]byte(h.get("/api/v1/findings?area=PT")), &api); err != nil || len(api.Data) != 1 {
		t.Errorf("API findings = %+v, %v", api, err)
	}
	h.waitFor("metrics", 2*time.Second, func() bool {
		m := h.get("/metrics")
		return strings.Contains(m, `chiso_indicator_value{area="PT",indicator="village_mobile_broadband_coverage"} 120`) &&
			strings.Contains(m, `chiso_rule_findings{group="coverage",rule="CoverageOutOfRange",severity="critical",status="fail"} 1`)
	})
}

func TestBadUploadStoresNothingAndNamesEveryRow(t *testing.T) {
	h := start(t, "")
	before, _ := h.d.db.LastID(context.Background())
	code, body := h.post("/api/v1/observations", "text/csv",
		"indicator,area,period,value\nvillage_mobile_broadband_coverage,PT,2024,50\nnope,PT,2024,1\nvillage_mobile_broadband_coverage,XX,2025,1\n")
	if code != 422 {
		t.Fatalf("status %d: %s", code, body)
	}
	for _, want := range []string{`"line":3`, `"value":"nope"`, `"line":4`, `"value":"XX"`} {
		if !strings.Contains(body, want) {
			t.Errorf("response lacks %s: %s", want, body)
		}
	}
	after, _ := h.d.db.LastID(context.Background())
	if after != before {
		t.Errorf("a bad file stored something: last id %d → %d", before, after)
	}
	if got := testutil.ToFloat64(h.d.metrics.imports.WithLabelValues("api", "failure")); got != 1 {
		t.Errorf("failed imports = %v", got)
	}
}

// TestImportByAnotherProcessIsPickedUp writes through a second connection
// to the database, as the chiso import command does.
func TestImportByAnotherProcessIsPickedUp(t *testing.T) {
	h := start(t, "")
	ctx := context.Background()
	db, err := OpenDatabase(ctx, h.db)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cat, _ := db.Catalogue(ctx)
	_, err = db.Import(ctx, store.ImportOptions{Source: "cli", Now: time.Now()}, func(emit func(chiso.Observation) error) error {
		return ingest.Read(strings.NewReader(badCoverage), "cli.csv", ingest.Options{Catalogue: cat}, emit)
	})
	if err != nil {
		t.Fatal(err)
	}
	took := h.waitFor("finding", time.Second, func() bool { return len(h.findingsFor("PT")) > 0 })
	t.Logf("external import evaluated after %s", took)
	h.waitFor("external import counted", time.Second, func() bool {
		return testutil.ToFloat64(h.d.metrics.imports.WithLabelValues("external", "success")) == 1
	})
	h.post("/api/v1/observations", "text/csv", strings.Replace(badCoverage, "120", "130", 1))
	h.waitFor("own import seen", time.Second, func() bool { return len(h.findingsFor("PT")) > 0 && h.findingsFor("PT")[0].Value == 130 })
	// counted, not slept on: once the import log has judged every import
	// it has seen, the API import can no longer be miscounted
	h.waitFor("the API import judged", 2*time.Second, h.d.imports.settled)
	if got := testutil.ToFloat64(h.d.metrics.imports.WithLabelValues("external", "success")); got != 1 {
		t.Errorf("external imports after an API import = %v, want still 1", got)
	}
}

func TestReloadKeepsRunningRulesOnError(t *testing.T) {
	h := start(t, "watch: false\n")
	ruleFile := filepath.Join(h.dir, "rules.d", "coverage.yaml")
	writeFile(t, ruleFile, brokenRules)
	err := h.d.Reload(context.Background())
	if err == nil || !strings.Contains(err.Error(), "coverage.yaml:6:") {
		t.Fatalf("Reload = %v, want the position of the bad check", err)
	}
	if n := len(h.d.Rules()); n != 2 {
		t.Errorf("groups after a failed reload = %d, want the old 2", n)
	}
	if v := testutil.ToFloat64(h.d.metrics.reloadOK); v != 0 {
		t.Errorf("chiso_config_last_reload_successful = %v", v)
	}
	st := h.d.ReloadStatus()
	if st.Success || len(st.Errors) == 0 || st.Errors[0].Line != 6 {
		t.Errorf("reload status = %+v", st)
	}
	h.post("/api/v1/observations", "text/csv", badCoverage)
	h.waitFor("old rules still evaluate", 2*time.Second, func() bool { return len(h.findingsFor("PT")) > 0 })

	writeFile(t, ruleFile, strings.Replace(coverageRules, "severity: critical", "severity: info", 1))
	if err := h.d.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	if v := testutil.ToFloat64(h.d.metrics.reloadOK); v != 1 {
		t.Errorf("chiso_config_last_reload_successful = %v after a good reload", v)
	}
	h.waitFor("new severity", 2*time.Second, func() bool {
		f := h.findingsFor("PT")
		return len(f) == 1 && f[0].Severity == chiso.Info
	})
}

// TestReloadRemovingAGroupKeepsRunning is the crash: rename a
// group in a copy of a rule file, reload, delete the copy, reload. The
// second reload panicked in the findings collector and the process exited.
func TestReloadRemovingAGroupKeepsRunning(t *testing.T) {
	h := start(t, "watch: false\n")
	cp := filepath.Join(h.dir, "rules.d", "copy.yaml")
	writeFile(t, cp, `groups:
  - name: coverage-copy
    schedule: "0 7 * * *"
    rules:
      - alert: CoverageOutOfRange
        check: range
        indicator: village_mobile_broadband_coverage
`)
	if err := h.d.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	h.post("/api/v1/observations", "text/csv", badCoverage)
	h.waitFor("findings of the copy", 2*time.Second, func() bool {
		return strings.Contains(h.get("/metrics"), `chiso_rule_findings{group="coverage-copy"`)
	})
	if err := os.Remove(cp); err != nil {
		t.Fatal(err)
	}
	if err := h.d.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	if m := h.get("/metrics"); strings.Contains(m, `group="coverage-copy"`) {
		t.Errorf("/metrics keeps series of the removed group:\n%s", grepLines(m, "coverage-copy"))
	}
	if n := len(h.d.Rules()); n != 2 {
		t.Errorf("groups after the copy was deleted = %d, want 2", n)
	}
}

func TestReloadOnFileChange(t *testing.T) {
	h := start(t, "")
	ruleFile := filepath.Join(h.dir, "rules.d", "coverage.yaml")
	extra := coverageRules + `  - name: added
    schedule: "@daily"
    rules:
      - alert: SitesOutOfRange
        check: range
        indicator: bts_sites
`
	writeAtomic(t, ruleFile, extra)
	took := h.waitFor("reload after the edit", 3*time.Second, func() bool { return len(h.d.Rules()) == 3 })
	t.Logf("reloaded %s after an atomic save", took)
	writeAtomic(t, ruleFile, brokenRules)
	h.waitFor("failed reload noticed", 3*time.Second, func() bool { return !h.d.ReloadStatus().Success })
	if len(h.d.Rules()) != 3 {
		t.Errorf("a broken edit changed the running groups")
	}
}

func TestDropFolder(t *testing.T) {
	h := start(t, "drop_folder: {path: inbox, settle: 50ms}\n")
	inbox := filepath.Join(h.dir, "inbox")
	h.waitFor("inbox created", 2*time.Second, func() bool { _, err := os.Stat(filepath.Join(inbox, "done")); return err == nil })
	writeFile(t, filepath.Join(inbox, "good.csv"), badCoverage)
	writeFile(t, filepath.Join(inbox, "bad.csv"), "indicator,area,period,value\nnope,PT,2024,1\n")
	writeFile(t, filepath.Join(inbox, "notes.txt"), "not data")
	exists := func(p string) func() bool {
		return func() bool { _, err := os.Stat(filepath.Join(inbox, p)); return err == nil }
	}
	h.waitFor("good file done", 3*time.Second, exists("done/good.csv"))
	h.waitFor("bad file failed", 3*time.Second, exists("failed/bad.csv.errors.txt"))
	report, _ := os.ReadFile(filepath.Join(inbox, "failed", "bad.csv.errors.txt"))
	if !strings.Contains(string(report), "bad.csv:2:1") || !strings.Contains(string(report), "nope") {
		t.Errorf("error report = %s", report)
	}
	if !exists("notes.txt")() {
		t.Error("a file of unknown type was taken")
	}
	h.waitFor("finding from the dropped file", 2*time.Second, func() bool { return len(h.findingsFor("PT")) > 0 })
}

func TestMetricsAreLintClean(t *testing.T) {
	h := start(t, "")
	h.post("/api/v1/observations", "text/csv", badCoverage)
	h.waitFor("finding", 2*time.Second, func() bool { return len(h.findingsFor("PT")) > 0 })
	problems, err := testutil.GatherAndLint(h.d.Registry())
	if err != nil || len(problems) > 0 {
		t.Fatalf("lint: %v %v", err, problems)
	}
	body := h.get("/metrics")
	for _, name := range []string{"chiso_build_info", "chiso_config_last_reload_successful", "chiso_config_last_reload_success_timestamp_seconds",
		"chiso_rule_group_last_evaluation_timestamp_seconds", "chiso_rule_group_last_duration_seconds", "chiso_rule_findings",
		"chiso_indicator_value", "chiso_indicator_period_end_timestamp_seconds", "chiso_indicator_target",
		"chiso_observations", "chiso_imports_total", "go_goroutines", "process_cpu_seconds_total"} {
		if !strings.Contains(body, "\n"+name) {
			t.Errorf("/metrics lacks %s", name)
		}
	}
	promtoolCheck(t, body)
}

// promtoolCheck runs `promtool check metrics` on an exposition. Without
// promtool the test is skipped, except in CI, where it fails.
func promtoolCheck(t *testing.T, exposition string) {
	t.Helper()
	path, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("promtool not found (apt-get install prometheus)")
		}
		t.Skip("promtool not found; apt-get install prometheus")
	}
	cmd := exec.Command(path, "check", "metrics")
	cmd.Stdin = strings.NewReader(exposition)
	out, err := cmd.CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Fatalf("promtool check metrics: %v\n%s", err, out)
	}
}

func TestCloseIsIdempotent(t *testing.T) {
	h := start(t, "")
	if err := h.d.Close(); err != nil {
		t.Fatal(err)
	}
	if err := h.d.Close(); err != nil {
		t.Fatalf("second Close = %v", err)
	}
	if _, err := http.Get(h.url + "/-/healthy"); err == nil {
		t.Error("server still answers after Close")
	}
}

func TestStartFailsOnBadRules(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "rules.d", "x.yaml"), brokenRules)
	cfg := config.Default(dir)
	cfg.Listen = "127.0.0.1:0"
	d := New(cfg, Options{})
	err := d.Start(context.Background())
	if err == nil || !strings.Contains(err.Error(), "x.yaml:6:") {
		t.Errorf("Start = %v", err)
	}
	if cerr := d.Close(); cerr != nil {
		t.Errorf("Close after a failed Start = %v", cerr)
	}
}

func TestInitDatabase(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.db")
	ctx := context.Background()
	created, err := InitDatabase(ctx, path, true, time.Now())
	if err != nil || !created {
		t.Fatalf("InitDatabase = %v, %v", created, err)
	}
	created, err = InitDatabase(ctx, path, true, time.Now())
	if err != nil || created {
		t.Fatalf("second InitDatabase = %v, %v; want false, nil", created, err)
	}
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st, _ := db.Stats(ctx)
	if st.Observations < 50 || st.Indicators < 40 {
		t.Errorf("stats = %+v", st)
	}
	empty := filepath.Join(dir, "empty.db")
	if _, err := InitDatabase(ctx, empty, false, time.Now()); err != nil {
		t.Fatal(err)
	}
	db2, _ := store.Open(ctx, empty)
	defer db2.Close()
	if st, _ := db2.Stats(ctx); st.Observations != 0 || st.Indicators == 0 {
		t.Errorf("catalogue only: stats = %+v", st)
	}
}

func TestWriteRulePack(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "rules.d")
	created, err := WriteRulePack(dir, pack.FS())
	if err != nil || !created {
		t.Fatalf("WriteRulePack = %v, %v", created, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "targets.yaml")); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "targets.yaml"), "edited")
	created, err = WriteRulePack(dir, pack.FS())
	if err != nil || created {
		t.Fatalf("second WriteRulePack = %v, %v", created, err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "targets.yaml")); string(b) != "edited" {
		t.Error("an existing rule folder was overwritten")
	}
}

func TestCheckSchedule(t *testing.T) {
	cases := []struct {
		spec string
		ok   bool
	}{
		{"0 7 * * *", true},
		{"@every 6h", true},
		{"TZ=UTC 0 7 * * *", false},
		{"CRON_TZ=", false},
		{"TZ=", false},
		{"61 * * * *", false},
		{"", false},
	}
	for _, c := range cases {
		err := checkSchedule(c.spec)
		if (err == nil) != c.ok {
			t.Errorf("checkSchedule(%q) = %v, want ok=%v", c.spec, err, c.ok)
		}
	}
}

func TestGroupsReading(t *testing.T) {
	cfg := config.Default(t.TempDir())
	writeFile(t, filepath.Join(cfg.Dir, "rules.d", "a.yaml"), coverageRules)
	cat, err := samplecat.Catalogue()
	if err != nil {
		t.Fatal(err)
	}
	gs, err := loadGroups(cfg, cat)
	if err != nil {
		t.Fatal(err)
	}
	set := newGroupSet(gs)
	cases := []struct {
		changed []string
		want    string
	}{
		{[]string{"village_mobile_broadband_coverage"}, "coverage"},
		{[]string{"bts_stations", "communes"}, "stations"},
		{[]string{"bts_stations", "village_mobile_broadband_coverage"}, "coverage,stations"},
		{[]string{"communes"}, ""},
	}
	for _, c := range cases {
		m := map[string]bool{}
		for _, i := range c.changed {
			m[i] = true
		}
		if got := strings.Join(set.reading(m), ","); got != c.want {
			t.Errorf("reading(%v) = %q, want %q", c.changed, got, c.want)
		}
	}
}

func TestConfigErrorKeepsRunningConfig(t *testing.T) {
	h := start(t, "watch: false\n")
	writeFile(t, filepath.Join(h.dir, "chiso.yaml"), "listen: 127.0.0.1:0\nbogus: 1\n")
	err := h.d.Reload(context.Background())
	var ce *config.Error
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "chiso.yaml:2:1") {
		t.Fatalf("Reload = %v", err)
	}
	if len(h.d.tokens()) != 1 {
		t.Error("tokens lost on a failed reload")
	}
	code, _ := h.post("/-/reload", "text/plain", "")
	if code != 422 {
		t.Errorf("POST /-/reload with a bad file = %d, want 422", code)
	}
	if got := fmt.Sprint(testutil.ToFloat64(h.d.metrics.reloads.WithLabelValues("failure"))); got != "2" {
		t.Errorf("failed reloads = %s", got)
	}
}

func TestConsistencyRuleIsTriggeredByTheIndicatorsItsExpressionNames(t *testing.T) {
	cfg := config.Default(t.TempDir())
	writeFile(t, filepath.Join(cfg.Dir, "rules.d", "a.yaml"), `groups:
  - name: radios
    schedule: "@daily"
    rules:
      - alert: RadiosInconsistent
        check: consistency
        expr: commune_radio_stations_it <= commune_radio_stations <= communes
`)
	cat, _ := samplecat.Catalogue()
	gs, err := loadGroups(cfg, cat)
	if err != nil {
		t.Fatal(err)
	}
	set := newGroupSet(gs)
	if got := set.reading(map[string]bool{"communes": true}); len(got) != 1 {
		t.Errorf("an import of communes triggers %v, want radios", got)
	}
	if got := set.reading(map[string]bool{"bts_sites": true}); len(got) != 0 {
		t.Errorf("an import of bts_sites triggers %v, want none", got)
	}
}

// sink records what the daemon hands to alerting.
type sink struct {
	mu       sync.Mutex
	findings map[string][]chiso.Finding
	rules    [][]string
}

func (s *sink) Process(_ context.Context, g rules.Group, fs iter.Seq[chiso.Finding], now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.findings[g.Name] = slices.Collect(fs)
	return nil
}

func (s *sink) SetRules(_ context.Context, gs []rules.Group, _ time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var names []string
	for _, g := range gs {
		names = append(names, g.Name)
	}
	s.rules = append(s.rules, names)
	return nil
}

func (s *sink) has(group, area string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.findings[group] {
		if f.Area == area {
			return true
		}
	}
	return false
}

func TestFindingsAndRulesReachAlerting(t *testing.T) {
	s := &sink{findings: map[string][]chiso.Finding{}}
	h := startWith(t, "watch: false\n", Options{Alerts: s})
	h.post("/api/v1/observations", "text/csv", badCoverage)
	h.waitFor("findings handed to alerting", 2*time.Second, func() bool { return s.has("coverage", "PT") })
	if err := h.d.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.rules) != 2 || strings.Join(s.rules[1], ",") != "coverage,stations" {
		t.Errorf("rule sets handed to alerting = %v, want one at start and one on reload", s.rules)
	}
}

func TestFindingsBecomeAlertsAndSurviveARestart(t *testing.T) {
	h := start(t, "")
	h.post("/api/v1/observations", "text/csv", badCoverage)
	firing := `chiso_alerts{severity="critical",state="firing"} 1`
	h.waitFor("a firing alert in /metrics", 2*time.Second, func() bool { return strings.Contains(h.get("/metrics"), firing) })
	if err := h.d.Close(); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(filepath.Join(h.dir, "chiso.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	d := New(cfg, Options{})
	if err := d.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	h2 := &harness{t: t, d: d, url: "http://" + d.Addr()}
	// The gauges follow the restored state at the alert loop's first tick,
	// which a busy machine may delay.
	h2.waitFor("the firing alert restored after a restart", 5*time.Second, func() bool { return strings.Contains(h2.get("/metrics"), firing) })
}

func TestBadAlertingSectionFailsTheReload(t *testing.T) {
	h := start(t, "watch: false\n")
	cfgFile := filepath.Join(h.dir, "chiso.yaml")
	good, _ := os.ReadFile(cfgFile)
	writeFile(t, cfgFile, string(good)+"alerting:\n  route: {receiver: nobody}\n")
	err := h.d.Reload(context.Background())
	if err == nil || !strings.Contains(err.Error(), "nobody") {
		t.Fatalf("Reload = %v, want the unknown receiver named", err)
	}
	if h.d.ReloadStatus().Success {
		t.Error("reload status says success")
	}
}

func TestFiringAlertIsDeliveredToAWebhook(t *testing.T) {
	got := make(chan string, 10)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- string(b)
	}))
	defer hook.Close()
	h := start(t, fmt.Sprintf(`alerting:
  route: {receiver: ops, group_by: [alertname], group_wait: 0s}
  receivers:
    - name: ops
      webhook: {url: %q}
`, hook.URL))
	h.post("/api/v1/observations", "text/csv", badCoverage)
	deadline := time.After(5 * time.Second)
	for {
		select {
		case body := <-got:
			if strings.Contains(body, "CoverageOutOfRange") {
				return
			}
		case <-deadline:
			t.Fatal("no webhook notification for the firing alert within 5 s")
		}
	}
}

func TestAlertsAPIServesTheManager(t *testing.T) {
	h := start(t, "")
	h.post("/api/v1/observations", "text/csv", badCoverage)
	h.waitFor("the alert in /api/v1/alerts", 2*time.Second, func() bool {
		return strings.Contains(h.get("/api/v1/alerts"), "CoverageOutOfRange")
	})
}

// TestRulesAPICountsWhatCouldNotBeEvaluated: a change rule over a series
// whose first figure has nothing to compare with says so in /api/v1/rules.
func TestRulesAPICountsWhatCouldNotBeEvaluated(t *testing.T) {
	h := start(t, "watch: false\n")
	writeFile(t, filepath.Join(h.dir, "rules.d", "revenue.yaml"), `groups:
  - name: revenue
    schedule: "0 7 * * *"
    rules:
      - alert: RevenueJump
        check: change
        indicator: ict_revenue
        max_increase: 10
`)
	if err := h.d.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	if code, body := h.post("/api/v1/observations", "text/csv", "indicator,area,period,value\nict_revenue,VP,2024,\"190.000 tỷ đồng\"\n"); code != 200 {
		t.Fatalf("POST = %d %s", code, body)
	}
	h.waitFor("skips in /api/v1/rules", 3*time.Second, func() bool {
		body := h.get("/api/v1/rules")
		return strings.Contains(body, `"evaluated_units"`) && strings.Contains(body, `"too_little_history":`)
	})
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
