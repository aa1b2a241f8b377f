package daemon

import (
	"context"
	"log/slog"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/ingest"
	"github.com/chiso-vn/chiso/internal/timespec"
	"github.com/chiso-vn/chiso/store"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestLongestGap(t *testing.T) {
	from := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC) // a Friday
	for spec, want := range map[string]time.Duration{
		"*/5 * * * *": 5 * time.Minute,
		"0 7 * * *":   24 * time.Hour,
		"0 7 * * 1-5": 72 * time.Hour, // Friday to Monday
		"0 7 1 * *":   31 * 24 * time.Hour,
		"@every 6h":   6 * time.Hour,
	} {
		s, err := timespec.ParseSchedule(spec)
		if err != nil {
			t.Fatal(err)
		}
		if got := longestGap(s, from, scheduleRunsAhead); got != want {
			t.Errorf("%s: %s, want %s", spec, got, want)
		}
	}
}

func TestProvinces(t *testing.T) {
	cat := &chiso.Catalogue{Areas: []chiso.Area{
		{Code: "VN", Level: chiso.LevelCountry},
		{Code: "PT", Level: chiso.LevelProvince, Parent: "VN"},
		{Code: "PT-VT", Level: chiso.LevelDistrict, Parent: "PT"},
		{Code: "PT-VT-1", Level: chiso.LevelCommune, Parent: "PT-VT"},
		{Code: "LOST", Level: chiso.LevelCommune, Parent: "NOWHERE"},
	}}
	got := provinces(cat)
	for area, want := range map[string]string{"VN": "VN", "PT": "PT", "PT-VT": "PT", "PT-VT-1": "PT", "LOST": "LOST"} {
		if got[area] != want {
			t.Errorf("%s → %s, want %s", area, got[area], want)
		}
	}
}

// String returns what was logged.
func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// metricValue returns the value of the sample line that starts with
// series in /metrics, or false when there is none.
func metricValue(body, series string) (float64, bool) {
	for line := range strings.SplitSeq(body, "\n") {
		if rest, ok := strings.CutPrefix(line, series+" "); ok {
			v, err := strconv.ParseFloat(rest, 64)
			return v, err == nil
		}
	}
	return 0, false
}

// TestOpsMetrics checks the series ops dashboards and alerts rely on: the
// schedule, rule health, catalogue info, zero findings, the breakdowns and
// the last import, and the log line of an import by another process.
func TestOpsMetrics(t *testing.T) {
	var logs logBuffer
	before := time.Now()
	h := startWith(t, "", Options{Version: "test", Revision: "abc",
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))})
	m := h.get("/metrics")
	if v, ok := metricValue(m, `chiso_rule_group_interval_seconds{group="coverage"}`); !ok || v != 86400 {
		t.Errorf("interval of a daily group = %v %v", v, ok)
	}
	next, ok := metricValue(m, `chiso_rule_group_next_evaluation_timestamp_seconds{group="coverage"}`)
	if now := float64(time.Now().Unix()); !ok || next < now || next > now+86400 {
		t.Errorf("next evaluation of a daily group = %v %v (now %v)", next, ok, now)
	}
	h.d.reloadMu.Lock()
	sched, err := h.d.jobs["coverage"].NextRun()
	h.d.reloadMu.Unlock()
	if err != nil || next != unixSeconds(sched) {
		t.Errorf("next evaluation = %v, the scheduler says %v (%v)", next, sched, err)
	}
	for series, want := range map[string]float64{
		`chiso_rule_health{group="coverage",health="ok",rule="CoverageOutOfRange"}`:      1,
		`chiso_rule_health{group="coverage",health="err",rule="CoverageOutOfRange"}`:     0,
		`chiso_rule_health{group="coverage",health="unknown",rule="CoverageOutOfRange"}`: 0,
		// no finding yet: the sum must read 0, not no data
		`chiso_rule_findings{group="coverage",rule="CoverageOutOfRange",severity="critical",status="fail"}`:                                                                                                         0,
		`chiso_rule_findings{group="coverage",rule="CoverageOutOfRange",severity="critical",status="indeterminate"}`:                                                                                                0,
		`chiso_indicator_info{indicator="village_mobile_broadband_coverage",kind="percent",name_en="Villages covered by mobile broadband",name_vi="Tỷ lệ thôn/bản được phủ sóng băng rộng di động",unit="percent"}`: 1,
		`chiso_area_info{area="PT",level="province",name="Phú Thọ"}`:                                                                                                                                                1,
		`chiso_area_info{area="VN",level="country",name="Việt Nam"}`:                                                                                                                                                1,
		`chiso_area_info{area="PT25",level="province",name="Phú Thọ"}`:                                                                                                                                              1,
	} {
		if v, ok := metricValue(m, series); !ok || v != want {
			t.Errorf("%s = %v (present %v), want %v", series, v, ok, want)
		}
	}
	if n := strings.Count(m, "\nchiso_indicator_info{"); n != 45 {
		t.Errorf("%d indicator info series, want the catalogue's 45", n)
	}

	if code, body := h.post("/api/v1/observations", "text/csv", badCoverage); code != 200 {
		t.Fatalf("POST = %d %s", code, body)
	}
	h.waitFor("finding counted", 2*time.Second, func() bool {
		v, _ := metricValue(h.get("/metrics"), `chiso_rule_findings{group="coverage",rule="CoverageOutOfRange",severity="critical",status="fail"}`)
		return v == 1
	})
	m = h.get("/metrics")
	for series, want := range map[string]float64{
		`chiso_findings_by_area{area="PT",diagnosis="out_of_range",severity="critical"}`:                                          1,
		`chiso_findings_by_indicator{diagnosis="out_of_range",indicator="village_mobile_broadband_coverage",severity="critical"}`: 1,
		`chiso_rule_findings{group="coverage",rule="CoverageOutOfRange",severity="critical",status="indeterminate"}`:              0,
	} {
		if v, ok := metricValue(m, series); !ok || v != want {
			t.Errorf("%s = %v (present %v), want %v", series, v, ok, want)
		}
	}
	last, ok := metricValue(m, "chiso_import_last_success_timestamp_seconds")
	if !ok || last < float64(before.Unix()) {
		t.Errorf("last import = %v %v, want after %v", last, ok, before.Unix())
	}

	// an import by another process: counted, logged, and it moves the last import
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(h.dir, "chiso.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cat, _ := db.Catalogue(ctx)
	later := time.Now().Add(time.Second)
	_, err = db.Import(ctx, store.ImportOptions{Source: "cli-import", Now: later}, func(emit func(chiso.Observation) error) error {
		return ingest.Read(strings.NewReader(strings.Replace(badCoverage, "120", "125", 1)), "cli.csv", ingest.Options{Catalogue: cat}, emit)
	})
	if err != nil {
		t.Fatal(err)
	}
	line := regexp.MustCompile(`level=INFO msg="picked up an import by another process" import=\d+ source=cli-import added=0 revised=1 unchanged=0`)
	h.waitFor("the log line of the external import", 2*time.Second, func() bool { return line.MatchString(logs.String()) })
	h.waitFor("last import moved", 2*time.Second, func() bool {
		v, _ := metricValue(h.get("/metrics"), "chiso_import_last_success_timestamp_seconds")
		return v > last
	})
}

// TestFindingBreakdown counts findings by province and by indicator, in
// the engine's order and out of it, across rules and groups, and drops a
// removed rule's counts.
func TestFindingBreakdown(t *testing.T) {
	cat := &chiso.Catalogue{Areas: []chiso.Area{
		{Code: "VN", Level: chiso.LevelCountry},
		{Code: "PT", Level: chiso.LevelProvince, Parent: "VN"},
		{Code: "PT-VT", Level: chiso.LevelDistrict, Parent: "PT"},
		{Code: "HN", Level: chiso.LevelProvince, Parent: "VN"},
	}}
	f := func(rule, area, ind string, d chiso.Diagnosis, s chiso.Severity) chiso.Finding {
		return chiso.Finding{Rule: rule, Area: area, Indicator: ind, Diagnosis: d, Severity: s}
	}
	c := newBreakdownCollector(cat)
	c.set("g1", slices.Values([]chiso.Finding{
		f("A", "HN", "x", chiso.OutOfRange, chiso.Warning),
		f("A", "HN", "x", chiso.OutOfRange, chiso.Warning),
		f("A", "PT", "x", chiso.OutOfRange, chiso.Warning),
		f("A", "PT-VT", "y", chiso.OutOfRange, chiso.Warning),
		f("B", "PT", "x", chiso.Missing, chiso.Critical),
		f("A", "HN", "y", chiso.OutOfRange, chiso.Warning), // out of order
	}))
	c.set("g2", slices.Values([]chiso.Finding{f("C", "PT-VT", "y", chiso.OutOfRange, chiso.Warning)}))
	want := `
# HELP chiso_findings_by_area Current findings about an area, by diagnosis and severity; a district's or commune's count under its province.
# TYPE chiso_findings_by_area gauge
chiso_findings_by_area{area="HN",diagnosis="out_of_range",severity="warning"} 3
chiso_findings_by_area{area="PT",diagnosis="missing",severity="critical"} 1
chiso_findings_by_area{area="PT",diagnosis="out_of_range",severity="warning"} 3
# HELP chiso_findings_by_indicator Current findings about an indicator, by diagnosis and severity.
# TYPE chiso_findings_by_indicator gauge
chiso_findings_by_indicator{diagnosis="missing",indicator="x",severity="critical"} 1
chiso_findings_by_indicator{diagnosis="out_of_range",indicator="x",severity="warning"} 3
chiso_findings_by_indicator{diagnosis="out_of_range",indicator="y",severity="warning"} 3
`
	if err := testutil.CollectAndCompare(c, strings.NewReader(want)); err != nil {
		t.Error(err)
	}
	c.retain(map[string]map[string]bool{"g1": {"A": true}}) // B and group g2 removed
	want = `
# HELP chiso_findings_by_area Current findings about an area, by diagnosis and severity; a district's or commune's count under its province.
# TYPE chiso_findings_by_area gauge
chiso_findings_by_area{area="HN",diagnosis="out_of_range",severity="warning"} 3
chiso_findings_by_area{area="PT",diagnosis="out_of_range",severity="warning"} 2
# HELP chiso_findings_by_indicator Current findings about an indicator, by diagnosis and severity.
# TYPE chiso_findings_by_indicator gauge
chiso_findings_by_indicator{diagnosis="out_of_range",indicator="x",severity="warning"} 3
chiso_findings_by_indicator{diagnosis="out_of_range",indicator="y",severity="warning"} 2
`
	if err := testutil.CollectAndCompare(c, strings.NewReader(want)); err != nil {
		t.Error(err)
	}
}
