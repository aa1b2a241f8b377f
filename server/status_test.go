package server

import (
	"bytes"
	"compress/gzip"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
)

const openMetricsAccept = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"

// TestValueOpenMetricsMatchesRegistry holds the cached value bytes, which
// /metrics reuses for OpenMetrics scrapes, to what expfmt writes for the
// collector's metrics in OpenMetrics.
func TestValueOpenMetricsMatchesRegistry(t *testing.T) {
	c := NewValueCollector()
	c.Swap(&Snapshot{
		Values: []SeriesValue{{Indicator: "a", Area: "DB", Value: 1, PeriodEnd: 1.6725312e+09},
			{Indicator: "a", Area: "PT", Value: math.NaN(), PeriodEnd: math.Inf(1)},
			{Indicator: "x\"q\\b\nn", Area: "Phú Thọ", Value: 0.1 + 0.2, PeriodEnd: -1}},
		Targets: []TargetValue{{Indicator: "a", Area: "DB", Deadline: "2025", Op: "≈", Value: 99.5}},
	})
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	var want strings.Builder
	if err := encodeFamilies(&want, reg, expfmt.NewFormat(expfmt.TypeOpenMetrics)); err != nil {
		t.Fatal(err)
	}
	got := string(c.encoded(false))
	if !sameExposition(got, want.String()) {
		t.Fatalf("cached values differ from OpenMetrics\ngot:\n%s\nwant:\n%s", got, want.String())
	}
}

// sameExposition compares two expositions line by line, sample values as
// numbers: OpenMetrics writes 1 as 1.0 and reads either.
func sameExposition(a, b string) bool {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	if len(la) != len(lb) {
		return false
	}
	for i := range la {
		if la[i] == lb[i] {
			continue
		}
		ka, va, _ := cutLast(la[i])
		kb, vb, _ := cutLast(lb[i])
		fa, erra := strconv.ParseFloat(va, 64)
		fb, errb := strconv.ParseFloat(vb, 64)
		if ka != kb || strings.HasPrefix(ka, "#") || erra != nil || errb != nil || (fa != fb && !(math.IsNaN(fa) && math.IsNaN(fb))) {
			return false
		}
	}
	return true
}

func cutLast(line string) (string, string, bool) {
	i := strings.LastIndexByte(line, ' ')
	if i < 0 {
		return line, "", false
	}
	return line[:i], line[i+1:], true
}

func TestMetricsNegotiatesOpenMetrics(t *testing.T) {
	ts, reg := newTestServer(t, &backend{})
	reg.MustRegister(prometheus.NewCounter(prometheus.CounterOpts{Name: "chiso_test_things_total", Help: "Things."}))
	for _, gz := range []bool{false, true} {
		req, _ := http.NewRequest("GET", ts.URL+"/metrics", nil)
		req.Header.Set("Accept", openMetricsAccept)
		if gz {
			req.Header.Set("Accept-Encoding", "gzip")
		}
		tr := &http.Transport{DisableCompression: true}
		resp, err := (&http.Client{Transport: tr}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var r io.Reader = resp.Body
		if gz {
			if r, err = gzip.NewReader(resp.Body); err != nil {
				t.Fatal(err)
			}
		}
		body, err := io.ReadAll(r)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/openmetrics-text; version=1.0.0") {
			t.Errorf("gzip %v: Content-Type %q", gz, ct)
		}
		if !bytes.HasSuffix(body, []byte("\n# EOF\n")) || bytes.Count(body, []byte("# EOF")) != 1 {
			t.Errorf("gzip %v: not one closing # EOF:\n%s", gz, body)
		}
		if !bytes.Contains(body, []byte("# TYPE chiso_test_things counter\n")) || !bytes.Contains(body, []byte("\nchiso_test_things_total 0.0\n")) {
			t.Errorf("gzip %v: counter not in OpenMetrics form:\n%s", gz, body)
		}
	}
	// a scraper that asks for nothing in particular gets the text format
	resp, err := http.Get(ts.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") || bytes.Contains(body, []byte("# EOF")) {
		t.Errorf("plain scrape: %q\n%s", ct, body)
	}
}

func TestStatusEndpointsAndPprof(t *testing.T) {
	for _, pprofOn := range []bool{false, true} {
		reg := prometheus.NewRegistry()
		b := &backend{}
		s, err := New(Deps{Importer: b, Querier: b, Status: b, Reloader: b, Gatherer: reg, Registerer: reg,
			Build:  BuildInfo{Version: "v1.2.3", Revision: "abc", GoVersion: "go1.26"},
			Config: func() ([]byte, error) { return []byte("listen: 127.0.0.1:9787\n"), nil }, Pprof: pprofOn})
		if err != nil {
			t.Fatal(err)
		}
		ts := httptestServer(t, s)
		code, body := do(t, "GET", ts+"/api/v1/status/buildinfo", "", "", "")
		data, _ := body["data"].(map[string]any)
		if code != 200 || data["version"] != "v1.2.3" || data["revision"] != "abc" || data["goVersion"] != "go1.26" {
			t.Errorf("buildinfo: %d %v", code, body)
		}
		code, body = do(t, "GET", ts+"/api/v1/status/config", "", "", "")
		data, _ = body["data"].(map[string]any)
		if code != 200 || data["yaml"] != "listen: 127.0.0.1:9787\n" {
			t.Errorf("config: %d %v", code, body)
		}
		resp, err := http.Get(ts + "/debug/pprof/cmdline")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if want := map[bool]int{false: 404, true: 200}[pprofOn]; resp.StatusCode != want {
			t.Errorf("pprof %v: /debug/pprof/cmdline = %d, want %d", pprofOn, resp.StatusCode, want)
		}
	}
}

func httptestServer(t *testing.T, s *Server) string {
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return ts.URL
}
