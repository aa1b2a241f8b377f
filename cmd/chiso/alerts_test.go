package main

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/alerting"
	"github.com/chiso-vn/chiso/alerts"
	"github.com/chiso-vn/chiso/server"
	"github.com/chiso-vn/chiso/store"
	"github.com/goccy/go-yaml"
)

// alertDaemon is the real API over a real alert manager and store, as
// chiso serve runs it, holding two firing alerts (PT and VP).
type alertDaemon struct {
	url, dbPath, tokenFile string
	db                     *store.DB
	fp                     map[string]string // fingerprint by area
}

// managerAPI is the daemon's view of alerting, rebuilt here so that the
// command's tests need no daemon package.
type managerAPI struct {
	*alerts.Manager
	db *store.DB
}

func (a managerAPI) AlertHistory(ctx context.Context, f alerting.HistoryFilter) ([]alerting.Event, error) {
	return a.db.AlertHistory(ctx, f)
}

const cliAlerting = `
route: {receiver: ops, group_by: [alertname, area], group_wait: 1h}
receivers:
  - name: ops
    webhook: {url: "http://127.0.0.1:1/hook"}
`

func startAlertDaemon(t *testing.T) *alertDaemon {
	t.Helper()
	t.Setenv("CHISO_TOKEN", "")
	dir := t.TempDir()
	d := &alertDaemon{dbPath: filepath.Join(dir, "chiso.db"), tokenFile: filepath.Join(dir, "token"), fp: map[string]string{}}
	if err := os.WriteFile(d.tokenFile, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(context.Background(), d.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	d.db = db
	m := startManager(t, db)
	srv, err := server.New(server.Deps{Alerting: managerAPI{Manager: m, db: db}, Tokens: func() []server.Token { return []server.Token{{Name: "test", Value: "s3cret"}} }})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	d.url = ts.URL
	for _, a := range m.Alerts(time.Now()) {
		d.fp[a.Labels["area"]] = a.Fingerprint
	}
	return d
}

// startManager starts a manager on db and makes a below-target finding
// fire for PT and VP.
func startManager(t *testing.T, db *store.DB) *alerts.Manager {
	t.Helper()
	var ac alerts.Config
	if err := yaml.UnmarshalWithOptions([]byte(cliAlerting), &ac, yaml.Strict()); err != nil {
		t.Fatal(err)
	}
	m, err := alerts.New(alerts.Options{Store: db, Config: &ac})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().Add(-time.Minute)
	if err := m.Start(context.Background(), now); err != nil {
		t.Fatal(err)
	}
	var fs []chiso.Finding
	for _, area := range []string{"PT", "VP"} {
		fs = append(fs, chiso.Finding{Rule: "BelowTarget", Group: "g", Check: "target", Diagnosis: chiso.BelowTarget,
			Severity: chiso.Warning, Status: chiso.Fail, Indicator: "fibre_share", Area: area,
			Period: chiso.MustParsePeriod("2024"), Value: 83.7, Expected: 100, Message: "dưới mục tiêu", DataID: 7})
	}
	grp := alerts.Group{Name: "g", Rules: []alerts.Rule{{Name: "BelowTarget"}}}
	if err := m.Process(context.Background(), alerts.Evaluation{Group: grp, Findings: slices.Values(fs), Now: now}); err != nil {
		t.Fatal(err)
	}
	return m
}

// chiso runs the command against the daemon with its URL.
func (d *alertDaemon) chiso(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	return runChiso(t, append(args, "--url", d.url)...)
}

func TestAlertsListFiltersAndShowsWhatMutes(t *testing.T) {
	d := startAlertDaemon(t)
	if len(d.fp) != 2 {
		t.Fatalf("alerts = %v, want PT and VP", d.fp)
	}
	code, out, errs := d.chiso(t, "alerts", "list")
	if code != 0 || !strings.Contains(out, d.fp["PT"]) || !strings.Contains(out, d.fp["VP"]) ||
		!strings.Contains(out, "firing") || !strings.Contains(out, "BelowTarget") {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = d.chiso(t, "alerts", "list", "area=VP", "--state", "firing", "--format", "json")
	var got []struct{ Fingerprint string }
	if err := json.Unmarshal([]byte(out), &got); code != 0 || err != nil || len(got) != 1 || got[0].Fingerprint != d.fp["VP"] {
		t.Fatalf("exit %d, %v: %s%s", code, err, out, errs)
	}
	code, _, errs = d.chiso(t, "alerts", "list", "area=~(", "--format", "yaml")
	if code != 2 || !strings.Contains(errs, `matcher "area=~("`) || !strings.Contains(errs, `--format "yaml"`) {
		t.Fatalf("bad arguments: exit %d, %s", code, errs)
	}
}

func TestAckNeedsTokenAndQuietsTheAlert(t *testing.T) {
	d := startAlertDaemon(t)
	args := []string{"ack", d.fp["PT"], "--kind", "correct", "--by", "lan", "--comment", "đã kiểm tra với Sở"}
	code, _, errs := d.chiso(t, args...)
	if code != 1 || !strings.Contains(errs, "401") || !strings.Contains(errs, "--token-file") {
		t.Fatalf("without token: exit %d, %s", code, errs)
	}
	code, out, errs := d.chiso(t, append(args, "--token-file", d.tokenFile)...)
	if code != 0 || !strings.Contains(out, "acknowledged "+d.fp["PT"]) {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	_, out, _ = d.chiso(t, "alerts", "list", "area=PT")
	if !strings.Contains(out, "ack:correct by lan") {
		t.Fatalf("list does not show the acknowledgement:\n%s", out)
	}
	code, _, errs = d.chiso(t, "ack", "nope", "--kind", "correct", "--by", "lan", "--token-file", d.tokenFile)
	if code != 1 || !strings.Contains(errs, "404") {
		t.Fatalf("unknown alert: exit %d, %s", code, errs)
	}
	code, _, errs = d.chiso(t, "ack", "--kind", "fine", "--by", "")
	if code != 2 || !strings.Contains(errs, "got 0 arguments") || !strings.Contains(errs, `--kind "fine"`) || !strings.Contains(errs, "--by is required") {
		t.Fatalf("bad arguments: exit %d, %s", code, errs)
	}
}

func TestAlertsHistoryFromTheDaemonAndTheDatabase(t *testing.T) {
	d := startAlertDaemon(t)
	d.chiso(t, "ack", d.fp["VP"], "--kind", "will_be_corrected", "--by", "minh", "--token-file", d.tokenFile)
	viaAPI := historyFingerprints(t, d.chiso, "alerts", "history", "--area", "VP", "--since", "1h", "--format", "json")
	viaDB := historyFingerprints(t, func(t *testing.T, a ...string) (int, string, string) { return runChiso(t, a...) },
		"--db", d.dbPath, "alerts", "history", "--area", "VP", "--format", "json")
	want := "acknowledged " + d.fp["VP"] + ",transition " + d.fp["VP"]
	if viaAPI != want || viaDB != want {
		t.Fatalf("history via API %q, via database %q; want %q", viaAPI, viaDB, want)
	}
	_, out, _ := d.chiso(t, "alerts", "history", "--fingerprint", d.fp["VP"])
	if !strings.Contains(out, "will_be_corrected by minh") || !strings.Contains(out, "→ firing") {
		t.Fatalf("table:\n%s", out)
	}
	code, _, errs := d.chiso(t, "alerts", "history", "--since", "yesterday", "--limit", "0")
	if code != 2 || !strings.Contains(errs, "--since") || !strings.Contains(errs, "--limit 0") {
		t.Fatalf("bad flags: exit %d, %s", code, errs)
	}
}

func historyFingerprints(t *testing.T, run func(*testing.T, ...string) (int, string, string), args ...string) string {
	t.Helper()
	code, out, errs := run(t, args...)
	var evs []eventRow
	if err := json.Unmarshal([]byte(out), &evs); code != 0 || err != nil {
		t.Fatalf("exit %d, %v\n%s%s", code, err, out, errs)
	}
	var s []string
	for _, ev := range evs {
		s = append(s, ev.Kind+" "+ev.Fingerprint)
	}
	return strings.Join(s, ",")
}

func TestSilenceLifecycle(t *testing.T) {
	d := startAlertDaemon(t)
	code, _, errs := d.chiso(t, "silence", "add", "--by", " ", "--duration", "soon")
	if code != 2 || !strings.Contains(errs, "at least one matcher") || !strings.Contains(errs, `--duration "soon"`) ||
		!strings.Contains(errs, "--by is required") || !strings.Contains(errs, "--comment is required") {
		t.Fatalf("bad silence: exit %d, %s", code, errs)
	}
	code, out, errs := d.chiso(t, "silence", "add", "area=VP", `severity!="info"`, "--duration", "2h", "--by", "lan",
		"--comment", "Vĩnh Phúc đang sửa số liệu", "--token-file", d.tokenFile)
	if code != 0 || !strings.HasPrefix(out, `silence 1 {area="VP", severity!="info"} until `) {
		t.Fatalf("add: exit %d\n%s%s", code, out, errs)
	}
	_, out, _ = d.chiso(t, "silence", "preview", "area=VP")
	if !strings.Contains(out, d.fp["VP"]) || strings.Contains(out, d.fp["PT"]) {
		t.Fatalf("preview:\n%s", out)
	}
	_, out, _ = d.chiso(t, "alerts", "list", "area=VP")
	if !strings.Contains(out, "silence:1") {
		t.Fatalf("list does not show the silence:\n%s", out)
	}
	if code, out, errs = d.chiso(t, "silence", "expire", "1", "--token-file", d.tokenFile); code != 0 {
		t.Fatalf("expire: exit %d\n%s%s", code, out, errs)
	}
	_, out, _ = d.chiso(t, "silence", "list", "--state", "expired")
	if !strings.Contains(out, "expired") || !strings.Contains(out, "Vĩnh Phúc đang sửa số liệu") {
		t.Fatalf("list expired:\n%s", out)
	}
	if code, _, errs = d.chiso(t, "silence", "expire", "9", "--token-file", d.tokenFile); code != 1 || !strings.Contains(errs, "404") {
		t.Fatalf("expire unknown: exit %d, %s", code, errs)
	}
}

func TestTestReceiverQueuesANotification(t *testing.T) {
	d := startAlertDaemon(t)
	code, out, errs := d.chiso(t, "alerts", "test-receiver", "ops", "--token-file", d.tokenFile)
	if code != 0 || !strings.Contains(out, "receiver ops") {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	entries, err := d.db.Notifications(context.Background(), store.OutboxFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	tests := 0
	for _, e := range entries {
		if e.Reason == alerting.ReasonTest && e.Receiver == "ops" {
			tests++
		}
	}
	if tests != 1 {
		t.Fatalf("%d test notifications queued, want 1", tests)
	}
	code, _, errs = d.chiso(t, "alerts", "test-receiver", "nobody", "--token-file", d.tokenFile)
	if code != 1 || !strings.Contains(errs, "404") {
		t.Fatalf("unknown receiver: exit %d, %s", code, errs)
	}
}

func TestDaemonNotRunning(t *testing.T) {
	code, _, errs := runChiso(t, "alerts", "list", "--url", "http://127.0.0.1:1")
	if code != 1 || !strings.Contains(errs, "is chiso serve running?") {
		t.Fatalf("exit %d, %s", code, errs)
	}
}

func TestAlertsPreview(t *testing.T) {
	dir := t.TempDir()
	cfg, subject := filepath.Join(dir, "chiso.yaml"), filepath.Join(dir, "subject.tmpl")
	src := `alerting:
  route: {receiver: heads}
  receivers:
    - name: heads
      email: {smarthost: "127.0.0.1:25", from: "chiso@example.vn", lang: en, tls: none}
    - name: hook
      webhook: {url: "http://127.0.0.1:1/"}
    - name: own
      email: {smarthost: "127.0.0.1:25", from: "chiso@example.vn", tls: none, subject: subject.tmpl}
`
	if err := os.WriteFile(cfg, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(subject, []byte("Sở KH&CN: {{len .Firing}} {{with .First}}{{.AreaName | upper}}{{end}}"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		code int
		want []string
	}{
		{[]string{}, 0, []string{"Subject: [chiso] Phú Thọ: 2 số liệu cần kiểm tra\n", "Số vị trí trạm BTS – Phú Thọ", "gần 1.900 vị trí trạm"}},
		{[]string{"--reason", "digest", "--lang", "en"}, 0, []string{"Subject: [chiso] Phú Thọ:", "BTS base-station sites", "nearly 1,900 sites"}},
		{[]string{"--format", "html", "--reason", "resolved"}, 0, []string{"<html", "Vĩnh Phúc"}},
		{[]string{"--config", cfg}, 1, []string{"several e-mail receivers (heads, own): choose one with --receiver"}},
		{[]string{"--config", cfg, "--receiver", "heads"}, 0, []string{"BTS base-station sites"}},
		{[]string{"--config", cfg, "--receiver", "own"}, 0, []string{"Subject: Sở KH&CN: 2 PHÚ THỌ\n", "Số vị trí trạm BTS"}},
		{[]string{"--config", cfg, "--receiver", "heads", "--lang", "vi"}, 0, []string{"Số vị trí trạm BTS"}},
		{[]string{"--config", cfg, "--receiver", "hook"}, 1, []string{`no e-mail receiver "hook" (e-mail receivers: heads, own)`}},
		{[]string{"--reason", "later", "--format", "pdf"}, 2, []string{`--reason "later"`, `--format "pdf"`}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, out, errs := runChiso(t, append([]string{"alerts", "preview"}, tt.args...)...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\n%s%s", code, tt.code, out, errs)
			}
			for _, w := range tt.want {
				if !strings.Contains(out+errs, w) {
					t.Errorf("output lacks %q:\n%s%s", w, out, errs)
				}
			}
		})
	}
}

func TestUnknownVerb(t *testing.T) {
	code, _, errs := runChiso(t, "silence", "mute")
	if code != 2 || !strings.Contains(errs, `unknown verb "mute"`) || !strings.Contains(errs, "preview") {
		t.Fatalf("exit %d, %s", code, errs)
	}
}

// TestArgumentsQuoteAtMost80Characters: the commands that talk to the
// daemon quote at most 80 characters of a bad argument.
func TestArgumentsQuoteAtMost80Characters(t *testing.T) {
	long := strings.Repeat("x", 1<<20)
	_, err := parseMatcherArgs([]string{"area=~\"(" + long})
	_, err2 := silenceRequest([]string{"area=PT"}, long, long, "lan", "c")
	cf := &clientFlags{url: long}
	_, err3 := cf.client()
	for _, e := range []error{err, err2, err3, checkFormat(long), checkAck([]string{"fp"}, server.AckRequest{Kind: chiso.AckKind(long), By: "lan"})} {
		if e == nil {
			t.Error("accepted")
		} else if len(e.Error()) > 600 {
			t.Errorf("error of %d bytes: %.200v", len(e.Error()), e)
		}
	}
}

// TestAlertsListValueQualified: the VALUE column writes an alert's figure
// with the qualifier it was published with ("over 95", not "95").
func TestAlertsListValueQualified(t *testing.T) {
	raw := []json.RawMessage{
		json.RawMessage(`{"fingerprint":"a","labels":{"area":"DB"},"state":"firing","value":95,"finding":{"qualifier":"over"}}`),
		json.RawMessage(`{"fingerprint":"b","labels":{"area":"PT"},"state":"firing","value":1900,"finding":{}}`),
	}
	var out, errs strings.Builder
	if code := printAlerts(&env{stdout: &out, stderr: &errs}, raw, "table"); code != 0 {
		t.Fatalf("exit %d: %s", code, errs.String())
	}
	if !strings.Contains(out.String(), "over 95 ") || strings.Contains(out.String(), "exact") {
		t.Fatalf("table:\n%s", out.String())
	}
}
