package console_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/config"
	"github.com/chiso-vn/chiso/daemon"
	"github.com/chiso-vn/chiso/ingest"
	"github.com/chiso-vn/chiso/internal/synth"
	"github.com/chiso-vn/chiso/pack"
	"github.com/chiso-vn/chiso/store"
)

// The synthetic grid of the benchmarks: 34 provinces × 245 indicators ×
// 120 months = 999.600 observations, with the sample's 59 beside them.
const (
	benchAreas      = 34
	benchIndicators = 245
	benchMonths     = 120
)

// BenchmarkPages renders each page of the console, over HTTP from the
// running daemon, at a million observations. Goal: ≤ 100 ms a page.
func BenchmarkPages(b *testing.B) {
	url := startMillion(b)
	for _, p := range []struct{ name, path string }{
		{"home", "/"},
		{"findings", "/findings"},
		{"findings_filtered", "/findings?severity=critical&sort=area&page=2"},
		{"series_monthly_10y", "/series/" + synth.IndicatorCode(1) + "/" + synth.AreaCode(7)},
		{"series_sample", "/series/ict_revenue/VP"},
		{"alerts", "/alerts"},
		{"rules", "/rules"},
		{"import", "/import"},
	} {
		b.Run(p.name, func(b *testing.B) {
			b.ReportAllocs()
			var size, wire int
			for b.Loop() {
				size, wire = get(b, url+p.path)
			}
			b.ReportMetric(float64(size), "page-bytes")
			b.ReportMetric(float64(wire), "sent-bytes")
		})
	}
}

// get fetches a page as a browser does, accepting gzip, and returns its
// size and the bytes sent.
func get(b *testing.B, url string) (size, sent int) {
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("GET %s: %s", url, resp.Status)
	}
	if resp.Header.Get("Content-Encoding") != "gzip" {
		return len(body), len(body)
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	n, _ := io.Copy(io.Discard, zr)
	return int(n), len(body)
}

// startMillion starts a daemon on the sample data and the synthetic grid,
// with rules that find the grid's planted out-of-range figures and unit
// slips, and returns its URL once the first evaluation is done.
func startMillion(b *testing.B) string {
	b.Helper()
	dir := b.TempDir()
	ctx := context.Background()
	path := filepath.Join(dir, "chiso.db")
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := daemon.InitDatabase(ctx, path, true, now); err != nil {
		b.Fatal(err)
	}
	db, err := store.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := db.ImportCatalogue(ctx, synth.Catalogue(benchAreas, benchIndicators)); err != nil {
		b.Fatal(err)
	}
	cat, err := db.Catalogue(ctx)
	if err != nil {
		b.Fatal(err)
	}
	var csv bytes.Buffer
	if err := synth.WriteCSV(&csv, benchAreas, benchIndicators, benchMonths, 1); err != nil {
		b.Fatal(err)
	}
	_, err = db.Import(ctx, store.ImportOptions{Source: "grid.csv", Now: now}, func(emit func(chiso.Observation) error) error {
		return ingest.Read(&csv, "grid.csv", ingest.Options{Catalogue: cat}, emit)
	})
	if err != nil {
		b.Fatal(err)
	}
	st, err := db.Stats(ctx)
	if err != nil || st.Observations < benchAreas*benchIndicators*benchMonths {
		b.Fatalf("the store holds %d observations (%v), want the grid's %d", st.Observations, err, benchAreas*benchIndicators*benchMonths)
	}
	b.Logf("%d observations in %d series", st.Observations, st.Series)
	if err := db.Close(); err != nil {
		b.Fatal(err)
	}
	if _, err := daemon.WriteRulePack(filepath.Join(dir, config.DefaultRulesDir), pack.FS()); err != nil {
		b.Fatal(err)
	}
	codes := make([]string, benchIndicators)
	for i := range codes {
		codes[i] = synth.IndicatorCode(i)
	}
	list := "[" + strings.Join(codes, ", ") + "]"
	write(b, filepath.Join(dir, config.DefaultRulesDir, "synthetic.yaml"), fmt.Sprintf(`groups:
  - name: synthetic
    schedule: "0 5 * * *"
    rules:
      - alert: SyntheticImpossible
        check: range
        indicators: %s
        severity: critical
      - alert: SyntheticUnitSlip
        check: scale
        indicators: %s
        severity: warning
        tolerance: 0.2
`, list, list))
	write(b, filepath.Join(dir, "token"), "s3cret\n")
	write(b, filepath.Join(dir, "chiso.yaml"), "listen: 127.0.0.1:0\nwatch: false\nauth: {tokens: [{name: test, file: token}]}\n")
	cfg, err := config.Load(filepath.Join(dir, "chiso.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	d := daemon.New(cfg, daemon.Options{Version: "bench"})
	if err := d.Start(ctx); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = d.Close() })
	deadline := time.Now().Add(5 * time.Minute)
	for !d.Ready() {
		if time.Now().After(deadline) {
			b.Fatal("the first evaluation of a million observations took over 5 minutes")
		}
		time.Sleep(50 * time.Millisecond)
	}
	findings := 0
	for range d.Findings() {
		findings++
	}
	url := "http://" + d.Addr()
	resp, err := http.Get(url + "/api/v1/alerts?limit=10000")
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	b.Logf("%d findings, %d alerts", findings, bytes.Count(body, []byte(`"fingerprint"`)))
	return url
}
