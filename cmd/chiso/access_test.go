package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/config"
	"github.com/chiso-vn/chiso/daemon"
	"github.com/chiso-vn/chiso/store"
)

// The access tests run a real daemon on the sample data with four tokens as
// a ministry would give them: a steward for the new Phú Thọ (PT25 and, by
// lineage, PT, VP and HB), one for the new Đắk Lắk (DL25, DL, PY), one for
// operations, and an administrator. The drop folder takes Phú Thọ's files
// only. Every action is tried within and outside a scope through the API,
// the command line and, for imports, the drop folder.

// Token values: distinctive, so that a test can look for them anywhere.
var accessTokens = map[string]string{
	"steward-pt": "tok-PT25-6f1d2c9a8b7e",
	"steward-dl": "tok-DL25-0a9b8c7d6e5f",
	"ops":        "tok-OPS-5e4d3c2b1a09",
	"admin":      "tok-ADMIN-8c7b6a5f4e3d",
}

const accessConfig = `listen: 127.0.0.1:0
watch: false
auth:
  tokens:
    - {name: steward-pt, file: tok-steward-pt, areas: [PT25], lineage: true, actions: [import, ack, silence]}
    - {name: steward-dl, file: tok-steward-dl, areas: [DL25], lineage: true, actions: [import, ack, silence]}
    - {name: ops, file: tok-ops, actions: [reload, test_receiver, ack, silence]}
    - {name: admin, file: tok-admin}
drop_folder: {path: drop, settle: 20ms, areas: [PT25], lineage: true}
alerting:
  route: {receiver: ops, group_by: [alertname, area], group_wait: 1h}
  receivers:
    - name: ops
      webhook: {url: "http://127.0.0.1:1/hook"}
`

const coverageRule = `groups:
  - name: coverage
    schedule: "0 7 * * *"
    rules:
      - alert: CoverageOutOfRange
        check: range
        indicator: village_mobile_broadband_coverage
        severity: critical
`

// accessDaemon is a daemon with the access configuration, and what the
// tests collect of everything it says: its log, every answer.
type accessDaemon struct {
	t       *testing.T
	dir     string
	url     string
	d       *daemon.Daemon
	log     *syncBuffer
	seen    strings.Builder // every answer, output and error the tests got
	fp      map[string]string
	tokFile map[string]string
}

func startAccessDaemon(t *testing.T) *accessDaemon {
	t.Helper()
	t.Setenv("CHISO_TOKEN", "")
	ctx := context.Background()
	dir := t.TempDir()
	if _, err := daemon.InitDatabase(ctx, filepath.Join(dir, "chiso.db"), true, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	a := &accessDaemon{t: t, dir: dir, log: &syncBuffer{}, fp: map[string]string{}, tokFile: map[string]string{}}
	for name, v := range accessTokens {
		a.tokFile[name] = filepath.Join(dir, "tok-"+name)
		writeTestFile(t, a.tokFile[name], v+"\n")
	}
	writeTestFile(t, filepath.Join(dir, "rules.d", "coverage.yaml"), coverageRule)
	writeTestFile(t, filepath.Join(dir, "chiso.yaml"), accessConfig)
	if err := os.MkdirAll(filepath.Join(dir, "drop"), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(filepath.Join(dir, "chiso.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewJSONHandler(a.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a.d = daemon.New(cfg, daemon.Options{Logger: logger})
	if err := a.d.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.d.Close() })
	a.url = "http://" + a.d.Addr()
	a.waitFor("ready", func() bool { return a.d.Ready() })
	// Out-of-range coverage for an old province of each steward: PT (Phú
	// Thọ's) and PY (Đắk Lắk's), imported by the administrator.
	code, body := a.call("POST", "/api/v1/observations", "admin", "text/csv",
		"indicator,area,period,value\nvillage_mobile_broadband_coverage,PT,2024,120\nvillage_mobile_broadband_coverage,PY,2024,130\n")
	if code != 200 {
		t.Fatalf("setup import: %d %s", code, body)
	}
	a.waitFor("alerts for PT and PY", func() bool {
		_, body := a.call("GET", "/api/v1/alerts", "", "", "")
		var env struct {
			Data []struct {
				Fingerprint string
				Labels      map[string]string
			}
		}
		_ = json.Unmarshal([]byte(body), &env)
		for _, al := range env.Data {
			a.fp[al.Labels["area"]] = al.Fingerprint
		}
		return a.fp["PT"] != "" && a.fp["PY"] != ""
	})
	return a
}

func (a *accessDaemon) waitFor(what string, cond func() bool) {
	a.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			a.t.Fatalf("%s: not within 15 s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// call sends a request with the named token (none for ""), and keeps the
// answer for the secrets test.
func (a *accessDaemon) call(method, path, token, ctype, body string) (int, string) {
	a.t.Helper()
	return a.callRaw(method, path, "Bearer "+accessTokens[token], token != "", ctype, body)
}

func (a *accessDaemon) callRaw(method, path, auth string, withAuth bool, ctype, body string) (int, string) {
	a.t.Helper()
	return a.callFrom(http.DefaultClient, method, path, auth, withAuth, ctype, body)
}

// clientFrom returns an HTTP client whose connections come from the
// loopback address ip (127.0.0.0/8 is all the loopback's), so that a test
// can be many clients.
func clientFrom(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	return &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
}

func (a *accessDaemon) callFrom(c *http.Client, method, path, auth string, withAuth bool, ctype, body string) (int, string) {
	a.t.Helper()
	req, err := http.NewRequest(method, a.url+path, strings.NewReader(body))
	if err != nil {
		a.t.Fatal(err)
	}
	if withAuth {
		req.Header.Set("Authorization", auth)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := c.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	fmt.Fprintf(&a.seen, "%s %s → %d %s\n%s\n", method, path, resp.StatusCode, resp.Header, b)
	return resp.StatusCode, string(b)
}

// cli runs a command against the daemon with the named token's file.
func (a *accessDaemon) cli(token string, args ...string) (int, string, string) {
	a.t.Helper()
	args = append(args, "--url", a.url)
	if token != "" {
		args = append(args, "--token-file", a.tokFile[token])
	}
	code, out, errs := runChiso(a.t, args...)
	fmt.Fprintf(&a.seen, "chiso %s → %d\n%s%s\n", strings.Join(args, " "), code, out, errs)
	return code, out, errs
}

// drop puts a file in the drop folder and returns where it ends: done or
// failed, and the error report beside a failed one.
func (a *accessDaemon) drop(name, text string) (string, string) {
	a.t.Helper()
	writeTestFile(a.t, filepath.Join(a.dir, "drop", ".part-"+name), text)
	if err := os.Rename(filepath.Join(a.dir, "drop", ".part-"+name), filepath.Join(a.dir, "drop", name)); err != nil {
		a.t.Fatal(err)
	}
	var where, report string
	a.waitFor(name+" imported or refused", func() bool {
		for _, to := range []string{"done", "failed"} {
			if _, err := os.Stat(filepath.Join(a.dir, "drop", to, name)); err == nil {
				where = to
			}
		}
		if where == "failed" { // the report is written after the move: wait for all of it
			b, _ := os.ReadFile(filepath.Join(a.dir, "drop", "failed", name+".errors.txt"))
			report = string(b)
			return strings.HasSuffix(report, "\n")
		}
		return where != ""
	})
	fmt.Fprintf(&a.seen, "drop %s → %s\n%s\n", name, where, report)
	return where, report
}

// audit returns the audit log, newest first, read from the database.
func (a *accessDaemon) audit() []chiso.AuditEntry {
	a.t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(a.dir, "chiso.db"))
	if err != nil {
		a.t.Fatal(err)
	}
	defer db.Close()
	es, err := db.AuditEntries(context.Background(), chiso.AuditFilter{})
	if err != nil {
		a.t.Fatal(err)
	}
	return es
}

// lastAudit returns the newest entry of the action.
func (a *accessDaemon) lastAudit(action string) chiso.AuditEntry {
	a.t.Helper()
	for _, e := range a.audit() {
		if e.Action == action {
			return e
		}
	}
	a.t.Fatalf("no audit entry for %s", action)
	return chiso.AuditEntry{}
}

func csvRows(rows ...string) string {
	return "indicator,area,period,value\n" + strings.Join(rows, "\n") + "\n"
}

// want checks an answer's status and that its text holds every part.
func want(t *testing.T, what string, code, wantCode int, text string, parts ...string) {
	t.Helper()
	if code != wantCode {
		t.Errorf("%s: %d, want %d\n%s", what, code, wantCode, text)
		return
	}
	for _, p := range parts {
		if !strings.Contains(text, p) {
			t.Errorf("%s: %q missing from\n%s", what, p, text)
		}
	}
}

// wantAudit checks the newest entry of an action.
func wantAudit(t *testing.T, a *accessDaemon, action, token, outcome string, parts ...string) {
	t.Helper()
	e := a.lastAudit(action)
	text := fmt.Sprintf("%+v", e)
	if e.Token != token || e.Outcome != outcome {
		t.Errorf("audit of %s: token %q outcome %q, want %q %q\n%s", action, e.Token, e.Outcome, token, outcome, text)
	}
	if token != "[drop_folder]" && !strings.HasPrefix(e.Remote, "127.0.0.1:") {
		t.Errorf("audit of %s: remote %q, want the client's address", action, e.Remote)
	}
	for _, p := range parts {
		if !strings.Contains(text, p) {
			t.Errorf("audit of %s: %q missing from %s", action, p, text)
		}
	}
}

func TestAccessImport(t *testing.T) {
	a := startAccessDaemon(t)
	inPT := csvRows("bts_stations,VP,2024,1000", "bts_stations,PT25,2025,5000")
	outPT := csvRows("bts_stations,PY,2024,800")

	t.Run("api", func(t *testing.T) {
		code, body := a.call("POST", "/api/v1/observations", "steward-pt", "text/csv", inPT)
		want(t, "in scope", code, 200, body, `"added":2`, `"areas":["PT25","VP"]`)
		wantAudit(t, a, "import", "steward-pt", chiso.AuditOK, "added 2", "PT25", "VP")
		code, body = a.call("POST", "/api/v1/observations", "steward-pt", "text/csv", outPT)
		want(t, "out of scope", code, 403, body, `token \"steward-pt\" may not import for area PY`, `"line":2`, `khu vực PY nằm ngoài phạm vi của token \"steward-pt\"`)
		wantAudit(t, a, "import", "steward-pt", chiso.AuditDenied, "PY")
		code, body = a.call("POST", "/api/v1/observations", "ops", "text/csv", inPT)
		want(t, "token without the action", code, 403, body, `token \"ops\" may not import`)
		wantAudit(t, a, "import", "ops", chiso.AuditDenied)
	})
	t.Run("command line", func(t *testing.T) {
		in := filepath.Join(a.dir, "in.csv")
		writeTestFile(t, in, csvRows("bts_stations,HB,2024,700"))
		code, out, errs := a.cli("steward-pt", "import", in)
		want(t, "in scope", code, 0, out+errs, "imported "+in+": 1 added", "areas HB")
		wantAudit(t, a, "import", "steward-pt", chiso.AuditOK, "in.csv", "HB")
		out2 := filepath.Join(a.dir, "out.csv")
		writeTestFile(t, out2, csvRows("bts_stations,HB,2024,710", "bts_stations,DL,2024,900"))
		code, out, errs = a.cli("steward-pt", "import", out2)
		want(t, "out of scope", code, 1, out+errs, "403", `token "steward-pt" may not import for area DL`, "out.csv:3: area \"DL\": khu vực DL nằm ngoài phạm vi")
		wantAudit(t, a, "import", "steward-pt", chiso.AuditDenied, "DL")
		code, out, errs = a.cli("steward-dl", "import", out2)
		want(t, "the other steward", code, 1, out+errs, "403", "may not import for area HB", "out.csv:2")
	})
	t.Run("drop folder", func(t *testing.T) {
		where, _ := a.drop("vp.csv", csvRows("bts_stations,VP,2023,950"))
		if where != "done" {
			t.Errorf("in scope: %s, want done", where)
		}
		wantAudit(t, a, "import", "[drop_folder]", chiso.AuditOK, "vp.csv", "added 1")
		where, report := a.drop("py.csv", csvRows("bts_stations,VP,2022,940", "bts_stations,PY,2023,810"))
		if where != "failed" || !strings.Contains(report, "PY") || !strings.Contains(report, "ngoài phạm vi của thư mục nhận tệp") {
			t.Errorf("out of scope: %s\n%s", where, report)
		}
		if !strings.Contains(report, "py.csv:3") {
			t.Errorf("the report does not name the row:\n%s", report)
		}
		wantAudit(t, a, "import", "[drop_folder]", chiso.AuditDenied, "py.csv", "PY")
	})
	// What was refused stored nothing: VP 2022 (dropped with PY) and HB's
	// 710 (sent with DL) are not there.
	_, body := a.call("GET", "/api/v1/observations?indicator=bts_stations&area=VP,HB,PY,DL", "", "", "")
	for _, gone := range []string{`"period":"2022"`, `"value":710`, `"value":810`, `"value":900`, `"value":800`} {
		if strings.Contains(body, gone) {
			t.Errorf("a refused file stored %s:\n%s", gone, body)
		}
	}
	for _, kept := range []string{`"value":950`, `"value":1000`, `"value":700`} {
		if !strings.Contains(body, kept) {
			t.Errorf("an accepted file's %s is missing:\n%s", kept, body)
		}
	}
}

// TestAccessMixedImportRefusedWhole: one file for four areas, two of them
// outside the steward's, stores nothing and names every row outside.
func TestAccessMixedImportRefusedWhole(t *testing.T) {
	a := startAccessDaemon(t)
	file := csvRows(
		"bts_stations,PT,2023,2500",   // line 2: in (lineage)
		"bts_stations,PY,2023,800",    // line 3: out
		"bts_stations,PT25,2025,4900", // line 4: in
		"bts_stations,DL,2023,1200",   // line 5: out
		"bts_stations,DL25,2025,3000", // line 6: out
		"bts_stations,VP,2023,1000",   // line 7: in
	)
	code, body := a.call("POST", "/api/v1/observations?name=mixed.csv", "steward-pt", "", file)
	if code != 403 {
		t.Fatalf("mixed file: %d, want 403\n%s", code, body)
	}
	var env struct {
		Error  string
		Errors []struct {
			File    string
			Line    int
			Field   string
			Value   string
			Message string
		}
	}
	if err := json.Unmarshal([]byte(body), &env); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(env.Error, `token "steward-pt" may not import for area PY, DL, DL25`) {
		t.Errorf("error %q does not name the token, the action and every area lacked", env.Error)
	}
	var rows []string
	for _, e := range env.Errors {
		rows = append(rows, fmt.Sprintf("%s:%d %s=%s", e.File, e.Line, e.Field, e.Value))
	}
	if got := strings.Join(rows, "; "); got != "mixed.csv:3 area=PY; mixed.csv:5 area=DL; mixed.csv:6 area=DL25" {
		t.Errorf("rows listed: %s", got)
	}
	_, obs := a.call("GET", "/api/v1/observations?indicator=bts_stations&area=PT,PT25,VP&from=2023", "", "", "")
	for _, v := range []string{`"value":2500`, `"value":4900`} {
		if strings.Contains(obs, v) {
			t.Errorf("the refused file stored %s: %s", v, obs)
		}
	}
	wantAudit(t, a, "import", "steward-pt", chiso.AuditDenied, "PY", "DL25", "mixed.csv")
	// The same file from the command line lists the same rows.
	path := filepath.Join(a.dir, "mixed.csv")
	writeTestFile(t, path, file)
	code, out, errs := a.cli("steward-pt", "import", path)
	want(t, "command line", code, 1, out+errs, "mixed.csv:3", "mixed.csv:5", "mixed.csv:6")
	if strings.Contains(errs, "mixed.csv:2") || strings.Contains(errs, "mixed.csv:4") || strings.Contains(errs, "mixed.csv:7") {
		t.Errorf("rows within the scope listed:\n%s", errs)
	}
}

func TestAccessAck(t *testing.T) {
	a := startAccessDaemon(t)
	ack := `{"kind": "correct", "by": "lan", "comment": "đã kiểm tra"}`
	t.Run("api", func(t *testing.T) {
		code, body := a.call("POST", "/api/v1/alerts/"+a.fp["PT"]+"/ack", "steward-pt", "application/json", ack)
		want(t, "in scope", code, 200, body, a.fp["PT"])
		wantAudit(t, a, "ack", "steward-pt", chiso.AuditOK, a.fp["PT"], "PT")
		code, body = a.call("POST", "/api/v1/alerts/"+a.fp["PY"]+"/ack", "steward-pt", "application/json", ack)
		want(t, "out of scope", code, 403, body, `token \"steward-pt\" may not ack for area PY`)
		wantAudit(t, a, "ack", "steward-pt", chiso.AuditDenied, a.fp["PY"], "PY")
		code, body = a.call("POST", "/api/v1/alerts/"+a.fp["PY"]+"/ack", "admin", "application/json", ack)
		want(t, "unscoped", code, 200, body, a.fp["PY"])
	})
	t.Run("command line", func(t *testing.T) {
		code, out, errs := a.cli("steward-dl", "ack", a.fp["PY"], "--kind", "will_be_corrected", "--by", "hoa")
		want(t, "in scope", code, 0, out+errs, "acknowledged "+a.fp["PY"])
		wantAudit(t, a, "ack", "steward-dl", chiso.AuditOK, "PY")
		code, out, errs = a.cli("steward-dl", "ack", a.fp["PT"], "--kind", "correct", "--by", "hoa")
		want(t, "out of scope", code, 1, out+errs, "403", `token "steward-dl" may not ack for area PT`)
		wantAudit(t, a, "ack", "steward-dl", chiso.AuditDenied, "PT")
	})
}

func TestAccessSilence(t *testing.T) {
	a := startAccessDaemon(t)
	add := func(token string, matchers ...string) (int, string) {
		b, _ := json.Marshal(map[string]any{"matchers": matchers, "duration": "2h", "created_by": "lan", "comment": "đang sửa"})
		return a.call("POST", "/api/v1/silences", token, "application/json", string(b))
	}
	var dlSilence string
	t.Run("api", func(t *testing.T) {
		for _, in := range [][]string{{`area="PT"`}, {`area=~"PT25|PT|VP|HB"`, `alertname="CoverageOutOfRange"`}, {`area=~"PT(25)?|VP"`}} {
			code, body := add("steward-pt", in...)
			want(t, fmt.Sprint("in scope ", in), code, 200, body, `"state":"active"`)
		}
		wantAudit(t, a, "silence_add", "steward-pt", chiso.AuditOK, "PT", "VP")
		refused := []struct {
			matchers []string
			says     string
		}{
			{[]string{`area="PY"`}, `may not silence for area PY`},
			{[]string{`area=~"P.*"`}, `could match an area outside`},
			{[]string{`area=~"PT|PY"`}, `may not silence for area PY`},
			{[]string{`area!="PY"`, `alertname="CoverageOutOfRange"`}, `could match an area outside`},
			{[]string{`area=~"(PT|VP)(25)?"`}, `may not silence for area VP25`},
			{[]string{`alertname="CoverageOutOfRange"`}, `needs an area matcher`},
			{[]string{`area=~"PT|"`, `alertname="CoverageOutOfRange"`}, `alerts without an area`},
			{[]string{`area="PT"`, `area!~"VP"`}, `could match an area outside`},
		}
		for _, r := range refused {
			code, body := add("steward-pt", r.matchers...)
			want(t, fmt.Sprint("out of scope ", r.matchers), code, 403, body, `token \"steward-pt\"`, r.says, `use area=\"HB\"`)
		}
		wantAudit(t, a, "silence_add", "steward-pt", chiso.AuditDenied, "PT")
		code, body := add("steward-dl", `area="PY"`)
		want(t, "the other steward", code, 200, body)
		var env struct{ Data struct{ ID int64 } }
		_ = json.Unmarshal([]byte(body), &env)
		dlSilence = fmt.Sprint(env.Data.ID)
		code, body = a.call("DELETE", "/api/v1/silences/"+dlSilence, "steward-pt", "", "")
		want(t, "expire out of scope", code, 403, body, `token \"steward-pt\" may not silence for area PY`)
		wantAudit(t, a, "silence_expire", "steward-pt", chiso.AuditDenied, "silence "+dlSilence)
		code, body = a.call("DELETE", "/api/v1/silences/1", "steward-pt", "", "")
		want(t, "expire in scope", code, 200, body, `"expired":1`)
		wantAudit(t, a, "silence_expire", "steward-pt", chiso.AuditOK, "silence 1")
		code, body = add("ops", `alertname="CoverageOutOfRange"`)
		want(t, "unscoped token", code, 200, body)
	})
	t.Run("command line", func(t *testing.T) {
		code, out, errs := a.cli("steward-dl", "silence", "add", `area=~"DL25|DL|PY"`, "--duration", "1h", "--by", "hoa", "--comment", "sửa số liệu")
		want(t, "in scope", code, 0, out+errs, "silence ")
		code, out, errs = a.cli("steward-dl", "silence", "add", `area=~"D.*"`, "--duration", "1h", "--by", "hoa", "--comment", "x")
		want(t, "out of scope", code, 1, out+errs, "403", `token "steward-dl"`, "could match an area outside")
		code, out, errs = a.cli("steward-dl", "silence", "expire", "2")
		want(t, "expire out of scope", code, 1, out+errs, "403", "may not silence for area")
		code, out, errs = a.cli("steward-dl", "silence", "expire", dlSilence)
		want(t, "expire in scope", code, 0, out+errs)
		wantAudit(t, a, "silence_expire", "steward-dl", chiso.AuditOK, "silence "+dlSilence)
	})
}

func TestAccessReloadTestReceiverAudit(t *testing.T) {
	a := startAccessDaemon(t)
	t.Run("api", func(t *testing.T) {
		code, body := a.call("POST", "/-/reload", "ops", "", "")
		want(t, "reload in scope", code, 200, body, `"success":true`)
		wantAudit(t, a, "reload", "ops", chiso.AuditOK)
		code, body = a.call("POST", "/-/reload", "steward-pt", "", "")
		want(t, "reload out of scope", code, 403, body, `token \"steward-pt\" may not reload`)
		wantAudit(t, a, "reload", "steward-pt", chiso.AuditDenied)
		code, body = a.call("POST", "/api/v1/receivers/ops/test", "ops", "", "")
		want(t, "test in scope", code, 202, body)
		wantAudit(t, a, "test_receiver", "ops", chiso.AuditOK, "receiver ops")
		code, body = a.call("POST", "/api/v1/receivers/ops/test", "steward-dl", "", "")
		want(t, "test out of scope", code, 403, body, `token \"steward-dl\" may not test_receiver`)
		wantAudit(t, a, "test_receiver", "steward-dl", chiso.AuditDenied)
		code, body = a.call("GET", "/api/v1/audit?action=reload", "admin", "", "")
		want(t, "audit in scope", code, 200, body, `"token":"ops"`, `"token":"steward-pt"`, `"outcome":"denied"`)
		if strings.Contains(body, `"action":"import"`) {
			t.Errorf("?action=reload lists imports:\n%s", body)
		}
		code, body = a.call("GET", "/api/v1/audit", "ops", "", "")
		want(t, "audit out of scope", code, 403, body, `token \"ops\" may not admin`)
	})
	t.Run("command line", func(t *testing.T) {
		code, out, errs := a.cli("ops", "reload")
		want(t, "reload in scope", code, 0, out+errs, "reloaded at ")
		code, out, errs = a.cli("steward-dl", "reload")
		want(t, "reload out of scope", code, 1, out+errs, "403", `token "steward-dl" may not reload`)
		code, out, errs = a.cli("ops", "alerts", "test-receiver", "ops")
		want(t, "test in scope", code, 0, out+errs, "receiver ops")
		code, out, errs = a.cli("steward-pt", "alerts", "test-receiver", "ops")
		want(t, "test out of scope", code, 1, out+errs, "403", `token "steward-pt" may not test_receiver`)
		code, out, errs = a.cli("admin", "audit", "--token", "steward-dl", "--outcome", "denied")
		want(t, "audit in scope", code, 0, out+errs, "steward-dl", "reload", "test_receiver", "denied")
		if strings.Contains(out, " ok ") {
			t.Errorf("--outcome denied lists successes:\n%s", out)
		}
		code, out, errs = a.cli("steward-pt", "audit")
		want(t, "audit out of scope", code, 1, out+errs, "403", `token "steward-pt" may not admin`)
		code, out, errs = a.cli("admin", "audit", "--action", "reload", "--format", "json", "--limit", "2")
		var es []chiso.AuditEntry
		if err := json.Unmarshal([]byte(out), &es); code != 0 || err != nil || len(es) != 2 || es[0].Action != "reload" || es[0].ID <= es[1].ID {
			t.Errorf("audit json: exit %d, %v, %+v %s", code, err, es, errs)
		}
	})
}

// TestAccessNoTokenValueLeaks tries the ways a write can fail, collects
// everything the daemon said (log lines, answers, the command line's
// output, error reports, the audit log, /metrics) and looks for every token
// value in it, configured or sent.
func TestAccessNoTokenValueLeaks(t *testing.T) {
	a := startAccessDaemon(t)
	near := map[string]string{} // values sent that are almost a token
	for name, v := range accessTokens {
		near[name+" longer"] = v + "x"
		near[name+" shorter"] = v[:len(v)-1]
		near[name+" case"] = strings.ToUpper(v)
	}
	// Each value in each form from its own address, so that none is held
	// back before it reaches the token check.
	clients := 0
	sent := func(v string) {
		for _, auth := range []string{"Bearer " + v, "bearer " + v, "BEARER  " + v + " ", "Basic " + v, "Bearer" + v, v} {
			clients++
			c := clientFrom(fmt.Sprintf("127.0.%d.%d", 1+clients/250, 1+clients%250))
			a.callFrom(c, "POST", "/-/reload", auth, true, "", "")
			a.callFrom(c, "POST", "/api/v1/observations", auth, true, "text/csv", csvRows("bts_stations,PY,2024,1"))
			a.callFrom(c, "GET", "/api/v1/audit", auth, true, "", "")
		}
	}
	for _, v := range near {
		sent(v)
	}
	for _, v := range accessTokens { // valid values, sent in every form, for actions they may not do
		sent(v)
	}
	// Enough failures from one address to be held back.
	attacker := clientFrom("127.0.9.9")
	for range 20 {
		a.callFrom(attacker, "POST", "/-/reload", "Bearer "+near["admin longer"], true, "", "")
	}
	if code, _ := a.callFrom(attacker, "POST", "/-/reload", "Bearer "+accessTokens["admin"], true, "", ""); code != http.StatusTooManyRequests {
		t.Errorf("after 20 failures the address is not held back: %d", code)
	}
	// The command line with a wrong token file and with none.
	bad := filepath.Join(a.dir, "bad-token")
	writeTestFile(t, bad, near["ops shorter"]+"\n")
	args := [][]string{{"reload"}, {"audit"}, {"alerts", "test-receiver", "ops"}, {"silence", "expire", "1"}}
	for _, arg := range args {
		code, out, errs := runChiso(t, append(arg, "--url", a.url, "--token-file", bad)...)
		fmt.Fprintf(&a.seen, "%v → %d\n%s%s\n", arg, code, out, errs)
	}
	// Scoped writes refused for their areas, by the API and the drop folder.
	a.call("POST", "/api/v1/alerts/"+a.fp["PY"]+"/ack", "steward-pt", "application/json", `{"kind": "correct", "by": "lan"}`)
	a.call("POST", "/api/v1/silences", "steward-pt", "application/json", `{"matchers": ["area=~\"P.*\""], "duration": "1h", "created_by": "lan", "comment": "x"}`)
	a.drop("leak.csv", csvRows("bts_stations,DL,2024,1"))
	// Reloads that fail: a token file gone, emptied; an unknown area, an
	// unknown action, a token without a name. Each keeps the running set.
	cfgFile := filepath.Join(a.dir, "chiso.yaml")
	broken := []func(){
		func() { os.Remove(a.tokFile["ops"]) },
		func() { writeTestFile(t, a.tokFile["ops"], "  \n") },
		func() {
			writeTestFile(t, a.tokFile["ops"], accessTokens["ops"]+"\n")
			writeTestFile(t, cfgFile, strings.Replace(accessConfig, "areas: [PT25]", "areas: [PT25, ZZ]", 1))
		},
		func() {
			writeTestFile(t, cfgFile, strings.Replace(accessConfig, "actions: [reload,", "actions: [rload,", 1))
		},
		func() { writeTestFile(t, cfgFile, strings.Replace(accessConfig, "{name: admin, ", "{", 1)) },
	}
	for i, breakIt := range broken {
		breakIt()
		err := a.d.Reload(context.Background())
		if err == nil {
			t.Errorf("broken configuration %d reloaded", i)
			continue
		}
		fmt.Fprintf(&a.seen, "reload %d: %v\n", i, err)
		_, body := a.call("GET", "/api/v1/status/reload", "", "", "")
		if !strings.Contains(body, `"success":false`) {
			t.Errorf("reload %d: status %s", i, body)
		}
		if code, body := a.call("POST", "/api/v1/silences", "ops", "application/json", `{"matchers": ["area=\"PT\""], "duration": "1h", "created_by": "o", "comment": "x"}`); code != 200 {
			t.Errorf("after failed reload %d the running tokens changed: %d %s", i, code, body)
		}
	}
	writeTestFile(t, cfgFile, accessConfig)
	// A start that fails on an unknown area.
	writeTestFile(t, cfgFile, strings.Replace(accessConfig, "areas: [DL25]", "areas: [DL26]", 1))
	cfg, err := config.Load(cfgFile)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Listen, cfg.Database = "127.0.0.1:0", filepath.Join(a.dir, "chiso.db")
	d2 := daemon.New(cfg, daemon.Options{Logger: slog.New(slog.NewJSONHandler(a.log, nil))})
	err = d2.Start(context.Background())
	d2.Close()
	if err == nil || !strings.Contains(err.Error(), `chiso.yaml:6:`) || !strings.Contains(err.Error(), `unknown area "DL26"`) {
		t.Errorf("start with an unknown area: %v", err)
	}
	fmt.Fprintf(&a.seen, "start: %v\n", err)
	fmt.Fprintf(&a.seen, "config: %v %+v\n", cfg, cfg.Auth)
	// What the daemon keeps and shows.
	_, metrics := a.call("GET", "/metrics", "", "", "")
	if !strings.Contains(metrics, `chiso_http_auth_failures_total{reason="invalid"}`) || !strings.Contains(metrics, `chiso_http_auth_failures_total{reason="throttled"}`) {
		t.Errorf("auth failures not counted:\n%s", grepLines(metrics, "auth_failures"))
	}
	entries := a.audit()
	if len(entries) < 100 {
		t.Errorf("%d audit entries: the failures were not recorded", len(entries))
	}
	for _, e := range entries {
		fmt.Fprintf(&a.seen, "audit: %+v\n", e)
	}
	reports, _ := filepath.Glob(filepath.Join(a.dir, "drop", "failed", "*"))
	for _, r := range reports {
		b, _ := os.ReadFile(r)
		if strings.HasSuffix(r, ".errors.txt") {
			fmt.Fprintf(&a.seen, "report %s: %s\n", r, b)
		}
	}
	everything := a.seen.String() + "\n" + a.log.String()
	if !strings.Contains(a.log.String(), "reload failed") || !strings.Contains(everything, "missing or invalid bearer token") {
		t.Fatalf("the failures did not happen as planned:\n%.3000s", everything)
	}
	for name, v := range accessTokens {
		if strings.Contains(everything, v) {
			t.Errorf("the value of token %s appears:\n%s", name, nearText(everything, v))
		}
	}
	for name, v := range near {
		if strings.Contains(everything, v) {
			t.Errorf("the value sent (%s) appears:\n%s", name, nearText(everything, v))
		}
	}
}

// nearText returns the text near the first place of sub.
func nearText(s, sub string) string {
	i := strings.Index(s, sub)
	return s[max(0, i-300):min(len(s), i+len(sub)+100)]
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestLocalImportIsAudited: chiso import on the database file, which needs
// no token, is in the audit log as the command line's, with the user, and
// chiso import --url is refused without a token.
func TestLocalImportIsAudited(t *testing.T) {
	t.Setenv("USER", "lan")
	t.Setenv("CHISO_TOKEN", "")
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "c.db")
	mustChiso(t, "--db", dbPath, "init")
	good := filepath.Join(dir, "good.csv")
	writeTestFile(t, good, csvRows("bts_stations,PT,2024,1900"))
	bad := filepath.Join(dir, "bad.csv")
	writeTestFile(t, bad, csvRows("bts_stations,XX,2024,1"))
	mustChiso(t, "--db", dbPath, "import", good)
	if code, _, _ := runChiso(t, "--db", dbPath, "import", bad); code != 1 {
		t.Fatalf("bad file: exit %d", code)
	}
	db, err := store.Open(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	es, err := db.AuditEntries(context.Background(), chiso.AuditFilter{Token: "[command_line]"})
	if err != nil || len(es) != 2 {
		t.Fatalf("%v %+v", err, es)
	}
	if e := es[1]; e.Outcome != chiso.AuditOK || e.Target != `good.csv (source "good.csv")` || e.Detail != "added 1, revised 0, unchanged 0; by user lan" {
		t.Errorf("good import: %+v", e)
	}
	if e := es[0]; e.Outcome != chiso.AuditFailed || !strings.Contains(e.Detail, "by user lan") {
		t.Errorf("bad import: %+v", e)
	}
	// a catalogue import, kept and refused, is there too
	targets := filepath.Join(dir, "targets.csv")
	writeTestFile(t, targets, "indicator,area,period,op,value,source\nbts_stations,PT,2030,>=,2500,QĐ test\n")
	writeTestFile(t, bad, "indicator,area,period,op,value,source\nno_such,PT,2030,>=,1,x\n")
	mustChiso(t, "--db", dbPath, "catalogue", "import", targets)
	if code, _, _ := runChiso(t, "--db", dbPath, "catalogue", "import", bad); code != 1 {
		t.Fatalf("bad catalogue file: exit %d", code)
	}
	es, err = db.AuditEntries(context.Background(), chiso.AuditFilter{Action: "catalogue_import"})
	if err != nil || len(es) != 2 {
		t.Fatalf("catalogue imports in the audit log: %v %+v", err, es)
	}
	if e := es[1]; e.Token != "[command_line]" || e.Outcome != chiso.AuditOK || e.Target != "targets.csv" ||
		e.Detail != "1 entries added or changed; by user lan" {
		t.Errorf("catalogue import: %+v", e)
	}
	if e := es[0]; e.Outcome != chiso.AuditFailed || !strings.Contains(e.Detail, "by user lan") || e.Target != "bad.csv" {
		t.Errorf("refused catalogue import: %+v", e)
	}
	code, _, errs := runChiso(t, "import", good, "--url", "http://127.0.0.1:1")
	if code != 1 || !strings.Contains(errs, "is chiso serve running?") {
		t.Errorf("--url without a daemon: exit %d %s", code, errs)
	}
	code, _, errs = runChiso(t, "import", good, "--url", "http://127.0.0.1:1", "--locale", "en")
	if code != 2 || !strings.Contains(errs, "--locale") {
		t.Errorf("--url with --locale: exit %d %s", code, errs)
	}
}
