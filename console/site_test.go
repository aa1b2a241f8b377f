package console_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chiso-vn/chiso/config"
	"github.com/chiso-vn/chiso/daemon"
	"github.com/chiso-vn/chiso/pack"
)

// site is a running daemon on the sample data, with the default rule
// pack, alerting routed to a webhook that accepts everything, and the
// figures of the Phú Thọ merger.
type site struct {
	t     testing.TB
	url   string
	token string
	d     *daemon.Daemon
}

// mergerCSV gives the new Phú Thọ (PT25) a 2025 estimate, and Vĩnh Phúc
// and Hòa Bình the 2024 figures that, with the old Phú Thọ's, make the
// predecessors' sum: 2.500 + 1.300 + 1.100 = 4.900 teams.
const mergerCSV = `indicator,area,period,value,qualifier,raw,source,reported_on
community_digital_teams,VP,2024,1300,,1.300 tổ,merger-test.csv,2025-01-10
community_digital_teams,HB,2024,1100,,1.100 tổ,merger-test.csv,2025-01-10
community_digital_teams,PT25,2025,5200,estimate,ước 5.200 tổ,merger-test.csv,2025-12-20
`

// mergerRevision revises the estimate: the first becomes an earlier
// revision.
const mergerRevision = `indicator,area,period,value,qualifier,raw,source,reported_on
community_digital_teams,PT25,2025,5350,,5.350 tổ,merger-final.csv,2026-02-01
`

func startSite(t testing.TB) *site {
	t.Helper()
	return startSiteWith(t, "")
}

// startSiteWith is startSite with more configuration, e.g. an http section.
func startSiteWith(t testing.TB, extraConfig string) *site {
	t.Helper()
	dir := t.TempDir()
	ctx := context.Background()
	if _, err := daemon.InitDatabase(ctx, filepath.Join(dir, "chiso.db"), true, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	if _, err := daemon.WriteRulePack(filepath.Join(dir, config.DefaultRulesDir), pack.FS()); err != nil {
		t.Fatal(err)
	}
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.Copy(io.Discard, r.Body) }))
	t.Cleanup(hook.Close)
	write(t, filepath.Join(dir, "token"), "s3cret\n")
	write(t, filepath.Join(dir, "steward"), "dien-bien-only\n")
	write(t, filepath.Join(dir, "chiso.yaml"), "listen: 127.0.0.1:0\nwatch: false\n"+
		"auth: {tokens: [{name: test, file: token}, {name: steward-db, file: steward, areas: [DB], actions: [ack, import]}]}\n"+
		"alerting:\n  external_url: http://chiso.example\n  route: {receiver: ops, group_by: [area], group_wait: 1h}\n"+
		"  receivers:\n    - name: ops\n      webhook: {url: "+hook.URL+"}\n"+extraConfig)
	cfg, err := config.Load(filepath.Join(dir, "chiso.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	d := daemon.New(cfg, daemon.Options{Version: "test"})
	if err := d.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	s := &site{t: t, url: "http://" + d.Addr(), token: "s3cret", d: d}
	s.waitFor("ready", d.Ready)
	s.post("/api/v1/observations", mergerCSV)
	s.post("/api/v1/observations", mergerRevision)
	s.waitFor("the merger's figures evaluated", func() bool {
		return strings.Contains(s.get("/api/v1/findings?area=PT25"), "PT25") || strings.Contains(s.get("/series/community_digital_teams/PT25"), "5.350")
	})
	return s
}

func write(t testing.TB, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// waitFor polls cond until it holds, failing after ten seconds.
func (s *site) waitFor(what string, cond func() bool) {
	s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			s.t.Fatalf("%s: not within 10s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *site) post(path, csv string) {
	s.t.Helper()
	req, _ := http.NewRequest("POST", s.url+path, strings.NewReader(csv))
	req.Header.Set("Authorization", "Bearer "+s.token)
	req.Header.Set("Content-Type", "text/csv")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		s.t.Fatalf("POST %s: %s %s", path, resp.Status, body)
	}
}

func (s *site) get(path string) string {
	s.t.Helper()
	body, code := s.fetch(path)
	if code != http.StatusOK {
		s.t.Fatalf("GET %s: %d %s", path, code, body)
	}
	return body
}

func (s *site) fetch(path string) (string, int) {
	s.t.Helper()
	resp, err := http.Get(s.url + path)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return string(body), resp.StatusCode
}
