package server

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/chiso-vn/chiso"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/common/expfmt"
)

// backend is an in-memory implementation of the server's interfaces: the
// server is an adapter over them, so these tests exercise routing, auth
// and encoding; the daemon's tests run the real store behind it.
type backend struct {
	imported  []string
	importErr error
	findings  []chiso.Finding
	ready     bool
	reloads   int
	query     ObservationQuery
	obs       []chiso.Observation
	groups    []GroupStatus    // nil: one group
	cat       *chiso.Catalogue // nil: one indicator and one area
}

func (b *backend) Import(_ context.Context, req ImportRequest) (ImportSummary, error) {
	body, err := io.ReadAll(req.Body)
	b.imported = append(b.imported, req.Name+":"+string(body))
	if err != nil {
		return ImportSummary{}, err
	}
	if b.importErr != nil {
		return ImportSummary{}, b.importErr
	}
	return ImportSummary{Added: strings.Count(string(body), "\n"), DryRun: req.DryRun}, nil
}

// Observations pages through b.obs, its positions being indexes; without
// any it returns one observation.
func (b *backend) Observations(_ context.Context, q ObservationQuery) (ObservationPage, error) {
	b.query = q
	if b.obs == nil {
		return ObservationPage{Observations: []chiso.Observation{{Indicator: "a", Area: "PT", Period: chiso.MustParsePeriod("2024-H1"), Value: 1.5, Qualifier: chiso.Over}}}, nil
	}
	first := int(q.After.Series)
	end := min(len(b.obs), first+q.Limit)
	pg := ObservationPage{Observations: b.obs[first:end]}
	if end < len(b.obs) {
		pg.Next = &Position{Series: int64(end)}
	}
	return pg, nil
}

func (b *backend) Catalogue(context.Context) (*chiso.Catalogue, error) {
	if b.cat != nil {
		return b.cat, nil
	}
	return &chiso.Catalogue{Indicators: []chiso.Indicator{{Code: "a", Unit: "percent", Kind: chiso.KindPercent, Min: 0, Max: math.NaN()}},
		Areas: []chiso.Area{{Code: "PT", Name: "Phú Thọ", Level: chiso.LevelProvince}}}, nil
}

func (b *backend) Findings() iter.Seq[chiso.Finding] { return slices.Values(b.findings) }
func (b *backend) Rules() []GroupStatus {
	if b.groups != nil {
		return b.groups
	}
	return []GroupStatus{{Name: "g", Rules: []RuleStatus{{Name: "r", Health: "ok"}}}}
}
func (b *backend) ReloadStatus() ReloadStatus   { return ReloadStatus{Success: b.reloads > 0} }
func (b *backend) Ready() bool                  { return b.ready }
func (b *backend) Reload(context.Context) error { b.reloads++; return nil }

func newTestServer(t *testing.T, b *backend, tokens ...string) (*httptest.Server, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	var toks []Token
	for i, v := range tokens {
		toks = append(toks, Token{Name: fmt.Sprintf("t%d", i), Value: v})
	}
	s, err := New(Deps{Importer: b, Querier: b, Status: b, Reloader: b, Tokens: func() []Token { return toks },
		Gatherer: reg, Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return ts, reg
}

func do(t *testing.T, method, url, token, ctype, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(resp.Body)
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("%s %s: bad JSON %q: %v", method, url, raw, err)
		}
	}
	return resp.StatusCode, out
}

func TestWriteEndpointsNeedAToken(t *testing.T) {
	b := &backend{}
	ts, _ := newTestServer(t, b, "good", "other")
	cases := []struct {
		name, method, path, token string
		want                      int
	}{
		{"no token", "POST", "/api/v1/observations", "", 401},
		{"wrong token", "POST", "/api/v1/observations", "bad", 401},
		{"prefix of a token", "POST", "/api/v1/observations", "goo", 401},
		{"good token", "POST", "/api/v1/observations", "good", 200},
		{"second token", "POST", "/api/v1/observations", "other", 200},
		{"reload without token", "POST", "/-/reload", "", 401},
		{"reload", "POST", "/-/reload", "good", 200},
		{"reads need none", "GET", "/api/v1/findings", "", 200},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, body := do(t, c.method, ts.URL+c.path, c.token, "text/csv", "x\n")
			if code != c.want {
				t.Fatalf("status = %d, want %d (%v)", code, c.want, body)
			}
			if code == 401 && (body["status"] != "error" || body["error"] == "") {
				t.Errorf("401 body = %v", body)
			}
		})
	}
	if len(b.imported) != 2 || b.reloads != 1 {
		t.Errorf("imports %d, reloads %d; want 2 and 1", len(b.imported), b.reloads)
	}
}

func TestNoTokenConfiguredRefusesWrites(t *testing.T) {
	b := &backend{}
	ts, _ := newTestServer(t, b)
	code, body := do(t, "POST", ts.URL+"/api/v1/observations", "anything", "text/csv", "x\n")
	if code != 401 || !strings.Contains(body["error"].(string), "no bearer token is configured") {
		t.Fatalf("got %d %v", code, body)
	}
	if len(b.imported) != 0 {
		t.Fatal("imported without a configured token")
	}
}

func TestImportErrorsCarryPositions(t *testing.T) {
	b := &backend{importErr: &InputErrors{Errors: []InputError{
		{File: "upload.csv", Line: 3, Column: 4, Field: "value", Value: "1,2,3", Message: "ambiguous number"}}, More: 2}}
	ts, _ := newTestServer(t, b, "tok")
	code, body := do(t, "POST", ts.URL+"/api/v1/observations?name=dept.csv", "tok", "", "x\n")
	if code != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", code)
	}
	errs := body["errors"].([]any)
	first := errs[0].(map[string]any)
	if first["line"] != 3.0 || first["column"] != 4.0 || first["value"] != "1,2,3" || body["more"] != 2.0 {
		t.Errorf("body = %v", body)
	}
	if !strings.Contains(body["error"].(string), "3 problems") {
		t.Errorf("message = %v", body["error"])
	}
	if !strings.HasPrefix(b.imported[0], "dept.csv:") {
		t.Errorf("name = %q, want from ?name=", b.imported[0])
	}
}

func TestUploadFormatFromContentType(t *testing.T) {
	cases := []struct {
		ctype, want string
		code        int
	}{
		{"text/csv; charset=utf-8", "upload.csv", 200},
		{"application/json", "upload.json", 200},
		{"", "upload.csv", 200},
		{"image/png", "", 415},
	}
	for _, c := range cases {
		b := &backend{}
		ts, _ := newTestServer(t, b, "tok")
		code, _ := do(t, "POST", ts.URL+"/api/v1/observations", "tok", c.ctype, "x\n")
		if code != c.code || (c.want != "" && !strings.HasPrefix(b.imported[0], c.want)) {
			t.Errorf("%q: code %d, imported %v", c.ctype, code, b.imported)
		}
	}
}

func TestFindingsFilter(t *testing.T) {
	b := &backend{findings: []chiso.Finding{
		{Rule: "R1", Area: "PT", Severity: chiso.Warning, Status: chiso.Fail, Value: 1, Expected: math.NaN()},
		{Rule: "R2", Area: "DB", Severity: chiso.Critical, Status: chiso.Indeterminate, Value: 2, Expected: 3},
	}}
	ts, _ := newTestServer(t, b)
	cases := []struct {
		query string
		want  int
	}{{"", 2}, {"?area=PT", 1}, {"?severity=critical", 1}, {"?status=fail&area=DB", 0}, {"?rule=R2", 1}}
	for _, c := range cases {
		code, body := do(t, "GET", ts.URL+"/api/v1/findings"+c.query, "", "", "")
		if code != 200 || len(body["data"].([]any)) != c.want {
			t.Errorf("%s: %d %v", c.query, code, body)
		}
	}
}

func TestObservationQueryParsing(t *testing.T) {
	b := &backend{}
	ts, _ := newTestServer(t, b)
	code, body := do(t, "GET", ts.URL+"/api/v1/observations?indicator=a,b&indicator=c&from=2023&to=2024-Q2&limit=5", "", "", "")
	if code != 200 {
		t.Fatalf("%d %v", code, body)
	}
	q := b.query
	if len(q.Indicators) != 3 || q.From.String() != "2023" || q.To.String() != "2024-Q2" || q.Limit != 5 {
		t.Errorf("query = %+v", q)
	}
	obs := body["data"].([]any)[0].(map[string]any)
	if obs["period"] != "2024-H1" || obs["qualifier"] != "over" {
		t.Errorf("observation = %v", obs)
	}
	for _, bad := range []string{"?from=2024-13", "?limit=-1", "?to=x"} {
		if code, body := do(t, "GET", ts.URL+"/api/v1/observations"+bad, "", "", ""); code != 400 || body["error"] == "" {
			t.Errorf("%s: %d %v", bad, code, body)
		}
	}
}

func TestReadyAndHealthy(t *testing.T) {
	b := &backend{}
	ts, _ := newTestServer(t, b)
	if code, _ := do(t, "GET", ts.URL+"/-/ready", "", "", ""); code != 503 {
		t.Errorf("ready before evaluation = %d", code)
	}
	b.ready = true
	for _, p := range []string{"/-/ready", "/-/healthy"} {
		if code, _ := do(t, "GET", ts.URL+p, "", "", ""); code != 200 {
			t.Errorf("%s = %d", p, code)
		}
	}
}

func TestCatalogueEndpoints(t *testing.T) {
	ts, _ := newTestServer(t, &backend{})
	_, body := do(t, "GET", ts.URL+"/api/v1/indicators", "", "", "")
	ind := body["data"].([]any)[0].(map[string]any)
	if ind["max"] != nil || ind["min"] != 0.0 {
		t.Errorf("indicator bounds = %v", ind)
	}
	_, body = do(t, "GET", ts.URL+"/api/v1/areas", "", "", "")
	if body["data"].([]any)[0].(map[string]any)["name"] != "Phú Thọ" {
		t.Errorf("areas = %v", body)
	}
}

func TestValueCollectorSwapsSeries(t *testing.T) {
	c := NewValueCollector()
	c.Swap(&Snapshot{Values: []SeriesValue{{Indicator: "a", Area: "PT", Value: 81.7, PeriodEnd: 1735689600}},
		Targets: []TargetValue{{Indicator: "a", Area: "PT", Deadline: "2025", Op: ">=", Value: 80}}})
	want := `
# HELP chiso_indicator_value Latest reported value of an indicator in an area, in the indicator's canonical unit.
# TYPE chiso_indicator_value gauge
chiso_indicator_value{area="PT",indicator="a"} 81.7
# HELP chiso_indicator_target Target an indicator must reach in an area by the deadline period, compared with op.
# TYPE chiso_indicator_target gauge
chiso_indicator_target{area="PT",deadline="2025",indicator="a",op=">="} 80
`
	if err := testutil.CollectAndCompare(c, strings.NewReader(want), "chiso_indicator_value", "chiso_indicator_target"); err != nil {
		t.Fatal(err)
	}
	c.Swap(&Snapshot{})
	if n := testutil.CollectAndCount(c); n != 0 {
		t.Fatalf("after swap to empty: %d series, want 0", n)
	}
}

func TestMetricsLint(t *testing.T) {
	b := &backend{}
	ts, reg := newTestServer(t, b)
	c := NewValueCollector()
	c.Swap(&Snapshot{Values: []SeriesValue{{Indicator: "a", Area: "PT", Value: 1, PeriodEnd: 2}}})
	reg.MustRegister(c)
	do(t, "GET", ts.URL+"/api/v1/findings", "", "", "")
	problems, err := testutil.GatherAndLint(reg)
	if err != nil || len(problems) > 0 {
		t.Fatalf("lint: %v %v", err, problems)
	}
	code, _ := do(t, "GET", ts.URL+"/metrics", "", "", "")
	if code != 200 {
		t.Fatalf("/metrics = %d", code)
	}
}

func TestUnknownAPIPathIsJSON404(t *testing.T) {
	ts, _ := newTestServer(t, &backend{})
	code, body := do(t, "GET", ts.URL+"/api/v1/nothing", "", "", "")
	if code != 404 || body["status"] != "error" {
		t.Fatalf("%d %v", code, body)
	}
}

// TestValueTextMatchesRegistry holds the fast encoder of the value snapshot
// to what the registry and expfmt write for the collector's metrics.
func TestValueTextMatchesRegistry(t *testing.T) {
	snaps := map[string]*Snapshot{
		"empty":       {},
		"values only": {Values: []SeriesValue{{Indicator: "a", Area: "DB", Value: 0, PeriodEnd: 1}}},
		"odd values and labels": {
			Values: []SeriesValue{
				{Indicator: "a", Area: "DB", Value: 1, PeriodEnd: 1.6725312e+09},
				{Indicator: "b", Area: "DB", Value: -1, PeriodEnd: 0},
				{Indicator: "a", Area: "PT", Value: math.NaN(), PeriodEnd: math.Inf(1)},
				{Indicator: "x\"q\\b\nn", Area: "Phú Thọ", Value: 1e21, PeriodEnd: math.Inf(-1)},
				{Indicator: "z", Area: "Phú Thọ", Value: 0.1 + 0.2, PeriodEnd: 183001},
			},
			Targets: []TargetValue{
				{Indicator: "a", Area: "DB", Deadline: "2025", Op: ">=", Value: 80},
				{Indicator: "a", Area: "DB", Deadline: "2030", Op: "≈", Value: 99.5},
				{Indicator: "a", Area: "PT", Deadline: "2025", Op: "<", Value: 1},
			},
		},
	}
	for name, s := range snaps {
		t.Run(name, func(t *testing.T) {
			c := NewValueCollector()
			c.Swap(s)
			reg := prometheus.NewPedanticRegistry()
			reg.MustRegister(c)
			var want strings.Builder
			if err := encodeFamilies(&want, reg, expfmt.NewFormat(expfmt.TypeTextPlain)); err != nil {
				t.Fatal(err)
			}
			if got := string(c.encoded(false)); got != want.String() {
				t.Fatalf("fast encoding differs\ngot:\n%s\nwant:\n%s", got, want.String())
			}
		})
	}
}

func TestMetricsEndpointGzipAndPlainAgree(t *testing.T) {
	c := NewValueCollector()
	c.Swap(&Snapshot{Values: []SeriesValue{{Indicator: "a", Area: "PT", Value: 81.7, PeriodEnd: 2}}})
	reg := prometheus.NewRegistry()
	reg.MustRegister(prometheus.NewGauge(prometheus.GaugeOpts{Name: "chiso_test", Help: "A test gauge."}))
	s, err := New(Deps{Status: &backend{}, Tokens: func() []Token { return nil }, Gatherer: reg, Values: c})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	get := func(enc string) string {
		req, _ := http.NewRequest("GET", ts.URL+"/metrics", nil)
		req.Header.Set("Accept-Encoding", enc)
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var r io.Reader = resp.Body
		if resp.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(resp.Body) // multistream by default
			if err != nil {
				t.Fatal(err)
			}
			r = zr
		}
		b, _ := io.ReadAll(r)
		return string(b)
	}
	plain, zipped := get("identity"), get("gzip")
	if plain != zipped {
		t.Fatalf("gzip body differs from plain\nplain:\n%s\ngzip:\n%s", plain, zipped)
	}
	for _, want := range []string{"chiso_test 0\n", `chiso_indicator_value{area="PT",indicator="a"} 81.7` + "\n"} {
		if !strings.Contains(plain, want) {
			t.Errorf("missing %q in\n%s", want, plain)
		}
	}
}

func TestLandingPageLinksTheEndpointsAndCountsFindings(t *testing.T) {
	b := &backend{findings: []chiso.Finding{{Severity: chiso.Critical}, {Severity: chiso.Warning}, {Severity: chiso.Critical}}}
	ts, _ := newTestServer(t, b)
	get := func(path string) (int, string) {
		resp, err := http.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	code, page := get("/")
	if code != 200 || !strings.Contains(page, "Not ready") {
		t.Errorf("GET / before the first evaluation = %d\n%s", code, page)
	}
	b.ready = true
	_, page = get("/")
	for _, want := range []string{`href="/metrics"`, `href="/api/v1/findings"`, `href="/api/v1/rules"`,
		"3 current findings, 2 critical, 1 warning."} {
		if !strings.Contains(page, want) {
			t.Errorf("landing page lacks %q:\n%s", want, page)
		}
	}
	if code, _ := get("/no-such-page"); code != 404 {
		t.Errorf("GET /no-such-page = %d, want 404", code)
	}
}

// TestWriteSampleWithoutLabels holds the fast writer to expfmt for a sample
// with no labels, which it writes as "name value" (no stray brace).
func TestWriteSampleWithoutLabels(t *testing.T) {
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "chiso_test_plain", Help: "h"})
	g.Set(2.5)
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(g)
	var want strings.Builder
	if err := encodeFamilies(&want, reg, expfmt.NewFormat(expfmt.TypeTextPlain)); err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	writeHeader(&got, "chiso_test_plain", "h")
	writeSample(&got, "chiso_test_plain", 2.5)
	if got.String() != want.String() {
		t.Fatalf("got:\n%s\nwant:\n%s", got.String(), want.String())
	}
}
