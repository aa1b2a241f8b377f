package server

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/alerting"
	"github.com/prometheus/client_golang/prometheus"
)

// pagedServer serves n items of every list, in the orders the interfaces
// promise, with pages of 3 by default and at most 5.
func pagedServer(t *testing.T, n int, lim Limits) (*httptest.Server, *backend) {
	t.Helper()
	b := &backend{cat: &chiso.Catalogue{}}
	f := &fakeAlerting{}
	for i := range n {
		code := fmt.Sprintf("c%03d", i)
		b.obs = append(b.obs, chiso.Observation{Indicator: "a", Area: code, Period: chiso.MustParsePeriod("2024"), Value: float64(i)})
		// findings of one rule on one cell: the last three share a key
		fd := chiso.Finding{Group: "g", Rule: "r", Area: code, Indicator: "a", Diagnosis: chiso.OutOfRange,
			Period: chiso.MustParsePeriod("2024"), Value: float64(i), Expected: math.NaN()}
		if i >= n-3 {
			fd.Area = "zz"
		}
		b.findings = append(b.findings, fd)
		b.groups = append(b.groups, GroupStatus{Name: code})
		b.cat.Indicators = append(b.cat.Indicators, chiso.Indicator{Code: code, Min: math.NaN(), Max: math.NaN()})
		b.cat.Areas = append(b.cat.Areas, chiso.Area{Code: code})
		st := testAlert("fp"+code, code, "warning", chiso.Firing)
		f.alerts = append(f.alerts, st)
		f.silences = append([]alerting.Silence{{ID: int64(i + 1), EndsAt: time.Now().Add(time.Hour)}}, f.silences...)
		f.events = append([]alerting.Event{{ID: int64(i + 1), Fingerprint: "fp" + code, At: time.Date(2026, 1, 1, i/4, 0, 0, 0, time.UTC), Value: math.NaN()}}, f.events...)
	}
	s, err := New(Deps{Importer: b, Querier: b, Status: b, Reloader: b, Alerting: f,
		Tokens: func() []Token { return []Token{{Name: "test", Value: "tok"}} }, Gatherer: prometheus.NewRegistry(), Limits: lim})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return ts, b
}

// listEndpoints are every list of the API, with what tells their items
// apart.
var listEndpoints = []struct {
	method, path, body string
	id                 func(map[string]any) string
}{
	{"GET", "/api/v1/observations", "", field("area")},
	{"GET", "/api/v1/findings", "", func(m map[string]any) string { return fmt.Sprint(m["area"], m["value"]) }},
	{"GET", "/api/v1/rules", "", field("name")},
	{"GET", "/api/v1/indicators", "", field("code")},
	{"GET", "/api/v1/areas", "", field("code")},
	{"GET", "/api/v1/alerts", "", field("fingerprint")},
	{"GET", "/api/v1/alerts/history", "", func(m map[string]any) string { return fmt.Sprint(m["id"]) }},
	{"GET", "/api/v1/silences", "", func(m map[string]any) string { return fmt.Sprint(m["id"]) }},
	{"POST", "/api/v1/silences/preview", `{"matchers": ["severity=\"warning\""]}`, field("fingerprint")},
}

func field(name string) func(map[string]any) string {
	return func(m map[string]any) string { return fmt.Sprint(m[name]) }
}

// getPage fetches one page and returns its items and next.
func getPage(t *testing.T, method, u, body string) (int, []map[string]any, string, map[string]any) {
	t.Helper()
	code, env := do(t, method, u, "", "application/json", body)
	var items []map[string]any
	data := env["data"]
	if m, ok := data.(map[string]any); ok { // rules: {"groups": [...]}
		data = m["groups"]
	}
	for _, it := range asList(data) {
		items = append(items, it.(map[string]any))
	}
	next, _ := env["next"].(string)
	return code, items, next, env
}

func asList(v any) []any { l, _ := v.([]any); return l }

// TestEveryListPagesWithACursor: each list returns a page of the default
// size with an opaque next, and following next lists every item once, in
// order; limit beyond the maximum, zero or negative is refused, as is a
// cursor that is not one of the list's. Before, the lists returned
// everything at once (observations even with limit=0), without next.
func TestEveryListPagesWithACursor(t *testing.T) {
	const n = 11
	ts, _ := pagedServer(t, n, Limits{PageSize: 3, MaxPageSize: 5})
	for _, e := range listEndpoints {
		t.Run(e.path, func(t *testing.T) {
			code, first, next, env := getPage(t, e.method, ts.URL+e.path, e.body)
			if code != 200 || len(first) != 3 || next == "" {
				t.Fatalf("first page: %d, %d items, next %q: %v", code, len(first), next, env)
			}
			seen := map[string]bool{}
			var order []string
			items := first
			for pages := 1; ; pages++ {
				for _, it := range items {
					id := e.id(it)
					if seen[id] {
						t.Fatalf("page %d repeats %s", pages, id)
					}
					seen[id] = true
					order = append(order, id)
				}
				if next == "" {
					break
				}
				if pages > n {
					t.Fatal("next never ends")
				}
				code, items, next, env = getPage(t, e.method, ts.URL+e.path+"?limit=5&cursor="+url.QueryEscape(next), e.body)
				if code != 200 || len(items) == 0 || len(items) > 5 {
					t.Fatalf("page %d: %d, %d items: %v", pages+1, code, len(items), env)
				}
			}
			if len(order) != n {
				t.Errorf("pages list %d items, want %d: %v", len(order), n, order)
			}
			for _, bad := range []string{"?limit=0", "?limit=6", "?limit=-1", "?limit=x", "?cursor=abc", "?cursor=" + encodeCursor("elsewhere", 1)} {
				if code, _, _, env := getPage(t, e.method, ts.URL+e.path+bad, e.body); code != 400 || env["error"] == "" {
					t.Errorf("%s: %d %v, want 400", bad, code, env)
				}
			}
		})
	}
}

// TestObservationsPassTheCursorToTheQuerier: the store gets the page's
// size and the position the cursor holds, not a request for everything.
func TestObservationsPassTheCursorToTheQuerier(t *testing.T) {
	ts, b := pagedServer(t, 20, Limits{})
	_, _, next, _ := getPage(t, "GET", ts.URL+"/api/v1/observations?limit=7", "")
	if b.query.Limit != 7 || b.query.After != (Position{}) {
		t.Fatalf("first query %+v", b.query)
	}
	getPage(t, "GET", ts.URL+"/api/v1/observations?cursor="+next, "")
	if b.query.Limit != DefaultLimits().PageSize || b.query.After != (Position{Series: 7}) {
		t.Fatalf("second query %+v", b.query)
	}
}

// TestLargeListIsStreamedToASlowReader: a list larger than the socket
// buffers, read steadily but slower than WriteTimeout in all, arrives
// whole: the deadline is renewed as items go out. A client that stops
// reading is cut off.
func TestLargeListIsStreamedToASlowReader(t *testing.T) {
	const n = 6000
	ts, b := startLimited(t, Limits{WriteTimeout: 1500 * time.Millisecond})
	raw := strings.Repeat("x", 1000)
	for i := range n {
		b.obs = append(b.obs, chiso.Observation{Indicator: "a", Area: fmt.Sprint(i), Period: chiso.MustParsePeriod("2024"), Raw: raw})
	}
	get := func(pause time.Duration) (int, error) {
		resp, err := http.Get(ts.URL + "/api/v1/observations?limit=6000")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		time.Sleep(pause)
		var body []byte
		buf := make([]byte, 64<<10)
		start := time.Now()
		for {
			k, err := io.ReadFull(resp.Body, buf)
			body = append(body, buf[:k]...)
			if err == io.EOF || err == io.ErrUnexpectedEOF && k < len(buf) && json.Valid(body) {
				break
			}
			if err != nil {
				return 0, fmt.Errorf("after %d bytes in %s: %w", len(body), time.Since(start), err)
			}
			time.Sleep(20 * time.Millisecond) // at most 3 MB/s: 6.6 MB take longer than WriteTimeout
		}
		t.Logf("read %d bytes in %s", len(body), time.Since(start).Round(time.Millisecond))
		var env struct{ Data []json.RawMessage }
		if err := json.Unmarshal(body, &env); err != nil {
			return 0, err
		}
		return len(env.Data), nil
	}
	if got, err := get(0); err != nil || got != n {
		t.Errorf("slow reader: %d items, %v; want %d", got, err, n)
	}
	if got, err := get(3 * time.Second); err == nil {
		t.Errorf("a client that stopped reading for 3s got the whole list (%d items)", got)
	}
}
