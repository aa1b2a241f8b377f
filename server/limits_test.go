package server

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// startLimited serves the in-memory backends with the limits on a real
// listener, configured as the daemon configures its own.
func startLimited(t *testing.T, lim Limits) (*httptest.Server, *backend) {
	t.Helper()
	b := &backend{}
	s, err := New(Deps{Importer: b, Querier: b, Status: b, Reloader: b, Alerting: newFake(),
		Tokens: func() []Token { return []Token{{Name: "test", Value: "tok"}} }, Gatherer: prometheus.NewRegistry(), Limits: lim})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(s.Handler())
	ts.Config = s.HTTPServer(nil)
	ts.Listener = s.Listener(ts.Listener)
	ts.Start()
	t.Cleanup(ts.Close)
	return ts, b
}

// writeEndpoints are every endpoint that takes a body or changes state.
var writeEndpoints = []struct{ method, path string }{
	{"POST", "/-/reload"}, {"PUT", "/-/reload"}, {"POST", "/api/v1/observations"},
	{"POST", "/api/v1/alerts/fp1/ack"}, {"POST", "/api/v1/silences"}, {"DELETE", "/api/v1/silences/1"},
	{"POST", "/api/v1/silences/preview"}, {"POST", "/api/v1/receivers/ops/test"},
}

// rawRequest sends the head of a request that announces a body of length
// bytes, then sends body slowly (one byte every gap), and returns the status
// of the answer, which must come within wait.
func rawRequest(t *testing.T, addr, method, path, token string, length int64, body string, gap, wait time.Duration) int {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(wait))
	head := fmt.Sprintf("%s %s HTTP/1.1\r\nHost: chiso\r\nContent-Type: application/json\r\nContent-Length: %d\r\n", method, path, length)
	if token != "" {
		head += "Authorization: Bearer " + token + "\r\n"
	}
	if _, err := io.WriteString(c, head+"\r\n"); err != nil {
		t.Fatal(err)
	}
	go func() {
		for i := range len(body) {
			if _, err := io.WriteString(c, body[i:i+1]); err != nil {
				return
			}
			time.Sleep(gap)
		}
	}()
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("%s %s: no answer within %s: %v", method, path, wait, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestOversizedBodyIs413OnEveryWriteEndpoint: a body announced beyond the
// endpoint's limit is refused at once with 413 (the import's limit is 256
// MiB, the others' 1 MiB), whether or not the endpoint reads a body; before,
// the JSON endpoints answered 400, the import read 64 MiB and answered 422,
// and the others ignored the body.
func TestOversizedBodyIs413OnEveryWriteEndpoint(t *testing.T) {
	ts, _ := startLimited(t, Limits{})
	addr := ts.Listener.Addr().String()
	for _, e := range writeEndpoints {
		limit := DefaultLimits().MaxBodyBytes
		if e.path == "/api/v1/observations" {
			limit = DefaultLimits().MaxImportBytes
		}
		if code := rawRequest(t, addr, e.method, e.path, "tok", limit+1, "{", 0, 5*time.Second); code != 413 {
			t.Errorf("%s %s with %d bytes announced: %d, want 413", e.method, e.path, limit+1, code)
		}
	}
}

// TestOversizedChunkedBodyIs413: a body sent without a length is cut at
// the limit while it is read, and the answer is 413, not 400 or 422.
func TestOversizedChunkedBodyIs413(t *testing.T) {
	ts, b := startLimited(t, Limits{MaxBodyBytes: 4 << 10, MaxImportBytes: 64 << 10})
	big := func(n int) io.Reader { // no length: sent chunked
		return io.MultiReader(strings.NewReader(`{"matchers": ["area=\"`), strings.NewReader(strings.Repeat("P", n)+`\""]}`))
	}
	cases := []struct {
		method, path string
		size         int
	}{
		{"POST", "/api/v1/alerts/fp1/ack", 8 << 10}, {"POST", "/api/v1/silences", 8 << 10},
		{"POST", "/api/v1/silences/preview", 8 << 10}, {"POST", "/api/v1/observations", 128 << 10},
	}
	for _, c := range cases {
		req, _ := http.NewRequest(c.method, ts.URL+c.path, big(c.size))
		req.Header.Set("Authorization", "Bearer tok")
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 413 || !strings.Contains(string(body), "larger than") {
			t.Errorf("%s %s chunked: %d %s, want 413", c.method, c.path, resp.StatusCode, body)
		}
	}
	if len(b.imported) != 1 {
		t.Errorf("the importer saw %d uploads, want 1 (cut at its limit)", len(b.imported))
	}
}

// TestSlowBodyIsCutButAnImportMayTakeLonger: an anonymous client that
// sends its body slowly is answered 408 after ReadTimeout instead of holding
// its connection forever, while an authenticated import has
// ImportReadTimeout.
func TestSlowBodyIsCutButAnImportMayTakeLonger(t *testing.T) {
	ts, b := startLimited(t, Limits{ReadTimeout: 300 * time.Millisecond, ImportReadTimeout: 10 * time.Second})
	addr := ts.Listener.Addr().String()
	slow := `{"matchers": ["area=\"PT\""]}`
	start := time.Now()
	if code := rawRequest(t, addr, "POST", "/api/v1/silences/preview", "", int64(len(slow)), slow, 100*time.Millisecond, 2*time.Second); code != 408 {
		t.Errorf("slow preview: %d, want 408", code)
	}
	if d := time.Since(start); d > 1500*time.Millisecond {
		t.Errorf("slow preview answered after %s", d)
	}
	csv := "indicator,area,period,value\n"
	if code := rawRequest(t, addr, "POST", "/api/v1/observations", "tok", int64(len(csv)), csv, 30*time.Millisecond, 5*time.Second); code != 200 {
		t.Errorf("slow authenticated import: %d, want 200", code)
	}
	if len(b.imported) != 1 {
		t.Errorf("imported = %q", b.imported)
	}
}
