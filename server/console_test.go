package server

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestConsoleIsMountedBesideTheAPI checks that the console serves / and
// the pages while the API, /metrics and the lifecycle endpoints stay the
// server's, and that the console gets the server's token check.
func TestConsoleIsMountedBesideTheAPI(t *testing.T) {
	b := &backend{ready: true}
	var got *Server
	s, err := New(Deps{Importer: b, Querier: b, Status: b, Reloader: b,
		Tokens: func() []Token { return []Token{{Name: "steward", Value: "tok"}} },
		Limits: Limits{MaxBodyBytes: 100, MaxImportBytes: 1000},
		Console: func(s *Server) http.Handler {
			got = s
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n, _ := io.Copy(io.Discard, r.Body)
				io.WriteString(w, "console "+r.Method+" "+r.URL.Path+" "+strings.Repeat("+", int(n/100)))
			})
		}})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	if got != s {
		t.Fatal("the console did not get its server")
	}
	if p, err := s.Authorize("192.0.2.1:1", "tok", ""); err != nil || p.Name != "steward" {
		t.Errorf("signing in with the token: %+v %v", p, err)
	}
	get := func(path string) string {
		resp, err := http.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return string(body)
	}
	for path, want := range map[string]string{"/": "console GET /", "/series/a/b": "console GET /series/a/b",
		"/-/healthy": "chiso is healthy", "/api/v1/nope": `"status":"error"`} {
		if got := get(path); !strings.Contains(got, want) {
			t.Errorf("GET %s = %q, want %q", path, got, want)
		}
	}
	// an upload to the console's import page may be as large as an API import
	resp, err := http.Post(ts.URL+"/import", "text/csv", strings.NewReader(strings.Repeat("x", 900)))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "console POST /import +++++++++" {
		t.Errorf("POST /import of 900 bytes: %d %q", resp.StatusCode, body)
	}
	resp, err = http.Post(ts.URL+"/silences", "text/plain", strings.NewReader(strings.Repeat("x", 900)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("POST /silences of 900 bytes: %d, want 413 (the body limit)", resp.StatusCode)
	}
}
