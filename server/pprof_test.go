package server

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// TestPprofCmdlineHidesPasswords: with --web.enable-pprof, the command line
// at /debug/pprof/cmdline shows a database URL given with --db without
// its password.
func TestPprofCmdlineHidesPasswords(t *testing.T) {
	args := os.Args
	defer func() { os.Args = args }()
	os.Args = []string{"chiso", "--db", "postgres://chiso:hunter2@db.example:5432/chiso", "--db=postgresql://chiso:hun@ter2@db/chiso",
		"--db", "postgres://chiso@db/chiso?sslmode=require&password=hunter2", "serve", "--web.enable-pprof"}
	b := &backend{}
	s, err := New(Deps{Importer: b, Querier: b, Status: b, Reloader: b, Tokens: func() []Token { return nil },
		Gatherer: prometheus.NewRegistry(), Pprof: true})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	resp, err := http.Get(ts.URL + "/debug/pprof/cmdline")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	out := string(body)
	if strings.Contains(out, "hunter2") || strings.Contains(out, "ter2") || !strings.Contains(out, "db.example:5432/chiso") ||
		!strings.Contains(out, "serve") {
		t.Errorf("cmdline: %q", out)
	}
}
