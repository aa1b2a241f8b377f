package daemon

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/config"
)

// reloadStatus sends POST /-/reload with a bearer token and returns the
// status.
func (h *harness) reloadWith(token string) int {
	h.t.Helper()
	req, _ := http.NewRequest("POST", h.url+"/-/reload", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestChangedTokenFileIsPickedUp: a token file in another folder than the
// configuration is watched; an editor's save of a new token makes the old
// one invalid and the new one good, without a restart, and the reload is
// audited.
func TestChangedTokenFileIsPickedUp(t *testing.T) {
	dir := t.TempDir()
	secrets := filepath.Join(dir, "secrets")
	writeFile(t, filepath.Join(secrets, "ops.token"), "old-ops-token\n")
	h := startOwn(t, dir, "listen: 127.0.0.1:0\nauth: {tokens: [{name: ops, file: secrets/ops.token, actions: [reload]}]}\n")
	if code := h.reloadWith("old-ops-token"); code != 200 {
		t.Fatalf("the configured token: %d", code)
	}
	before := h.d.ReloadStatus().LastAttempt
	writeAtomic(t, filepath.Join(secrets, "ops.token"), "new-ops-token\n")
	// Polling with the new token would fail until the reload, and the
	// address would be held back: wait for the reload itself.
	h.waitFor("the reload on the change", 5*time.Second, func() bool { return h.d.ReloadStatus().LastAttempt.After(before) })
	if code := h.reloadWith("new-ops-token"); code != 200 {
		t.Fatalf("the new token: %d", code)
	}
	if code := h.reloadWith("old-ops-token"); code != 401 {
		t.Errorf("the replaced token: %d, want 401", code)
	}
	es, err := h.d.db.AuditEntries(context.Background(), chiso.AuditFilter{Token: "[watch]", Action: "reload"})
	if err != nil || len(es) == 0 || es[0].Outcome != chiso.AuditOK {
		t.Errorf("the reload on the change is not audited: %v %+v", err, es)
	}
	// An emptied token file fails the reload: the running token stays.
	writeAtomic(t, filepath.Join(secrets, "ops.token"), "\n")
	h.waitFor("the failed reload", 5*time.Second, func() bool { return !h.d.ReloadStatus().Success })
	// The running token is still good: the reload it asks for runs, and
	// fails again on the empty file (422), rather than 401.
	if code := h.reloadWith("new-ops-token"); code != http.StatusUnprocessableEntity {
		t.Errorf("after a failed reload the running token: %d, want 422", code)
	}
	st := h.d.ReloadStatus()
	if !strings.Contains(st.Error, "chiso.yaml:2:") || !strings.Contains(st.Error, "auth.tokens[0].file: token file secrets/ops.token is empty") {
		t.Errorf("reload error: %s", st.Error)
	}
}

// startOwn starts a daemon on the sample data with the configuration
// given whole.
func startOwn(t *testing.T, dir, cfgText string) *harness {
	t.Helper()
	ctx := context.Background()
	if _, err := InitDatabase(ctx, filepath.Join(dir, "chiso.db"), true, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "rules.d", "coverage.yaml"), coverageRules)
	writeFile(t, filepath.Join(dir, "chiso.yaml"), cfgText)
	cfg, err := config.Load(filepath.Join(dir, "chiso.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	d := New(cfg, Options{})
	if err := d.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	h := &harness{t: t, dir: dir, d: d, url: "http://" + d.Addr()}
	h.waitFor("ready", 5*time.Second, d.Ready)
	return h
}

// TestReloadWithUnknownAreaKeepsTheRunningScopes: a scope naming an area
// the catalogue lacks fails the reload with its place in the file.
func TestReloadWithUnknownAreaKeepsTheRunningScopes(t *testing.T) {
	h := start(t, "watch: false\n")
	cfgFile := filepath.Join(h.dir, "chiso.yaml")
	good, _ := os.ReadFile(cfgFile)
	writeFile(t, cfgFile, strings.Replace(string(good), "{name: test, file: token}", "{name: test, file: token, areas: [PT25, QQ], actions: [import, reload]}", 1))
	err := h.d.Reload(context.Background())
	if err == nil || !strings.Contains(err.Error(), `chiso.yaml:2:57: auth.tokens[0].areas[1]: unknown area "QQ"`) {
		t.Fatalf("Reload = %v", err)
	}
	if tok := h.d.tokens(); len(tok) != 1 || tok[0].Areas != nil || tok[0].Actions != nil {
		t.Errorf("running tokens changed: %v", tok)
	}
	writeFile(t, cfgFile, strings.Replace(string(good), "{name: test, file: token}", "{name: test, file: token, areas: [PT25], lineage: true, actions: [import, reload]}", 1))
	if err := h.d.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	if tok := h.d.tokens(); strings.Join(tok[0].Areas, ",") != "HB,PT,PT25,VP" {
		t.Errorf("scope after the reload: %v", tok[0].Areas)
	}
	if code, body := h.post("/api/v1/observations", "text/csv", "indicator,area,period,value\nbts_stations,DB,2024,10\n"); code != 403 {
		t.Errorf("an import outside the new scope: %d %s", code, body)
	}
}

// TestAuditIsPrunedAfterItsRetention: entries older than audit.retention
// go, at start and at each pruning.
func TestAuditIsPrunedAfterItsRetention(t *testing.T) {
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	h := startWith(t, "watch: false\naudit: {retention: 720h}\n", Options{Now: clock})
	ctx := context.Background()
	for _, age := range []time.Duration{800 * time.Hour, 719 * time.Hour, time.Hour} {
		if _, err := h.d.db.AddAudit(ctx, chiso.AuditEntry{At: now.Add(-age), Action: "reload", Outcome: chiso.AuditOK, Token: age.String()}); err != nil {
			t.Fatal(err)
		}
	}
	h.d.pruneAudit(ctx)
	es, err := h.d.db.AuditEntries(ctx, chiso.AuditFilter{Action: "reload"})
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, e := range es {
		kept = append(kept, e.Token)
	}
	if strings.Join(kept, ",") != "1h0m0s,719h0m0s" {
		t.Errorf("kept %v, want the entries younger than 720h", kept)
	}
}
