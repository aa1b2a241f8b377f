package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// The soak test runs the chiso binary for CHISO_SOAK (e.g. 2m) under
// everything its users do at once: imports through the API, the command
// line and the drop folder; reloads with random rule edits, some broken;
// silences, acknowledgements and scrapes; a webhook receiver taking the
// notifications. At the end every acknowledged import is in the database,
// every firing alert reached the receiver, the process never died, its
// goroutines and open files are back near their idle counts, and SQLite's
// integrity check passes. CI runs it for two minutes:
//
//	CHISO_SOAK=2m go test -run TestSoak -v ./cmd/chiso
//
// The peak resident memory of the daemon is logged (VmHWM).

// soakLedger records what the daemon acknowledged: each import's source
// and the figures it carried.
type soakLedger struct {
	mu      sync.Mutex
	imports map[string][]soakFigure // by source
	errs    []string                // what went wrong
}

type soakFigure struct {
	indicator, area, period string
	value                   float64
}

func (l *soakLedger) ack(source string, figs []soakFigure) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.imports[source] = figs
}

func (l *soakLedger) fail(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.errs) < 50 {
		l.errs = append(l.errs, fmt.Sprintf(format, args...))
	}
}

// soakHook is the webhook receiver: the fingerprints of every firing alert
// it was sent.
type soakHook struct {
	mu     sync.Mutex
	firing map[string]int
	posts  int
}

func (h *soakHook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var msg struct {
		Alerts []struct {
			Status      string `json:"status"`
			Fingerprint string `json:"fingerprint"`
		} `json:"alerts"`
	}
	if err := json.NewDecoder(r.Body).Decode(&msg); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.posts++
	for _, a := range msg.Alerts {
		if a.Status == "firing" {
			h.firing[a.Fingerprint]++
		}
	}
}

func (h *soakHook) saw(fp string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.firing[fp] > 0
}

const soakRuleGood = `groups:
  - name: %s
    schedule: "@every %ds"
    rules:
      - alert: CoverageOutOfRange
        check: range
        indicators: [village_mobile_broadband_coverage, village_fixed_broadband_coverage, village_fibre_coverage]
        areas: {codes: [DB]}
        severity: warning
`

const soakRuleBroken = `groups:
  - name: broken
    schedule: "not a schedule"
    rules:
      - alert: Nope
        check: no_such_check
`

func TestSoak(t *testing.T) {
	dur, err := time.ParseDuration(os.Getenv("CHISO_SOAK"))
	if err != nil || dur <= 0 {
		t.Skip("set CHISO_SOAK=2m to run the soak test")
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "chiso.db")
	bin := chisoBinary(t)
	if out, err := exec.Command(bin, "--db", db, "init", "--sample").CombinedOutput(); err != nil {
		t.Fatalf("init: %v\n%s", err, out)
	}
	hook := &soakHook{firing: map[string]int{}}
	hookLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hookSrv := &http.Server{Handler: hook}
	go hookSrv.Serve(hookLn)
	defer hookSrv.Close()

	addr := freePort(t)
	inbox := filepath.Join(dir, "inbox")
	writeTestFile(t, filepath.Join(dir, "rules", "base.yaml"), fmt.Sprintf(soakRuleGood, "base", 2))
	writeTestFile(t, filepath.Join(dir, "chiso.yaml"), fmt.Sprintf(`listen: %q
database: chiso.db
locale: en
rules: ["rules/*.yaml"]
watch: true
auth:
  tokens: [{name: soak, env: CHISO_E2E_TOKEN}]
drop_folder: {path: inbox, settle: 200ms}
alerting:
  route: {receiver: hook, group_by: [alertname, period], group_wait: 0s, group_interval: 1s, repeat_interval: 1h}
  receivers:
    - name: hook
      webhook: {url: "http://%s/hook"}
`, addr, hookLn.Addr()))
	p := startDaemonIn(t, dir, addr)
	pid := p.cmd.Process.Pid
	time.Sleep(2 * time.Second)
	idleG, idleFD := soakGauges(t, p.url)
	t.Logf("idle: %v goroutines, %v open files", idleG, idleFD)

	ledger := &soakLedger{imports: map[string][]soakFigure{}}
	ctx, cancel := context.WithTimeout(context.Background(), dur)
	defer cancel()
	var wg sync.WaitGroup
	var seq atomic.Int64
	worker := func(name string, pause time.Duration, step func(rng *rand.Rand)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(len(name)), uint64(time.Now().UnixNano())))
			for ctx.Err() == nil {
				step(rng)
				time.Sleep(pause)
			}
		}()
	}
	client := &http.Client{Timeout: 30 * time.Second}
	figures := func(rng *rand.Rand, ind string, n int) ([]soakFigure, string) {
		s := seq.Add(1)
		var b strings.Builder
		b.WriteString("indicator,area,period,value\n")
		var figs []soakFigure
		seen := map[string]bool{}
		for len(figs) < n {
			per := fmt.Sprintf("%d-%02d", 2004+rng.IntN(21), 1+rng.IntN(12))
			if seen[per] {
				continue
			}
			seen[per] = true
			// Unique per import, so that each is a revision with its own
			// source; some above 100 % fire CoverageOutOfRange.
			v := float64(s%90000)/1000 + float64(len(figs))/1e6
			if rng.IntN(10) == 0 {
				v += 100
			}
			// Six decimals: never three, which the other locale would read
			// as thousands (and chiso refuses). The ledger keeps the figure
			// as written.
			text := strconv.FormatFloat(v, 'f', 6, 64)
			v, _ = strconv.ParseFloat(text, 64)
			figs = append(figs, soakFigure{ind, "DB", per, v})
			fmt.Fprintf(&b, "%s,DB,%s,%s\n", ind, per, text)
		}
		return figs, b.String()
	}

	// Imports through the API.
	worker("api", 50*time.Millisecond, func(rng *rand.Rand) {
		figs, body := figures(rng, "village_mobile_broadband_coverage", 1+rng.IntN(20))
		source := fmt.Sprintf("api-%d", seq.Load())
		code, resp := soakPost(client, p.url+"/api/v1/observations?source="+source, body)
		switch {
		case code == 200:
			ledger.ack(source, figs)
		case code == 0:
			ledger.fail("api import: %s", resp)
		default:
			ledger.fail("api import %s: %d %s", source, code, resp)
		}
		if rng.IntN(10) == 0 { // a bad file: refused whole
			if code, _ := soakPost(client, p.url+"/api/v1/observations", "indicator,area,period,value\nnope,DB,2020,1\n"); code != 422 {
				ledger.fail("bad api import: %d", code)
			}
		}
	})
	// Imports by another process, into the same database.
	worker("cli", 300*time.Millisecond, func(rng *rand.Rand) {
		figs, body := figures(rng, "village_fixed_broadband_coverage", 1+rng.IntN(50))
		source := fmt.Sprintf("cli-%d", seq.Load())
		f := filepath.Join(dir, source+".csv")
		if err := os.WriteFile(f, []byte(body), 0o644); err != nil {
			ledger.fail("%v", err)
			return
		}
		out, err := exec.Command(bin, "--db", db, "import", "--locale", "en", "--source", source, f).CombinedOutput()
		if err != nil {
			ledger.fail("cli import %s: %v %s", source, err, out)
			return
		}
		ledger.ack(source, figs)
	})
	// Files dropped into the folder by an atomic rename.
	dropped := map[string]bool{}
	var dropMu sync.Mutex
	worker("drop", 400*time.Millisecond, func(rng *rand.Rand) {
		figs, body := figures(rng, "village_fibre_coverage", 1+rng.IntN(30))
		name := fmt.Sprintf("drop-%d.csv", seq.Load())
		tmp := filepath.Join(inbox, "."+name+".tmp")
		if err := os.WriteFile(tmp, []byte(body), 0o644); err != nil {
			ledger.fail("%v", err)
			return
		}
		if err := os.Rename(tmp, filepath.Join(inbox, name)); err != nil {
			ledger.fail("%v", err)
			return
		}
		dropMu.Lock()
		dropped[name] = true
		dropMu.Unlock()
		ledger.ack(name, figs) // acknowledged once it is in done/, checked at the end
	})
	// Rule edits: groups added, renamed, removed, rescheduled, broken and
	// fixed, with a reload asked for now and then (the folder is watched
	// too).
	worker("rules", 700*time.Millisecond, func(rng *rand.Rand) {
		name := fmt.Sprintf("g%d", rng.IntN(6))
		path := filepath.Join(dir, "rules", name+".yaml")
		switch rng.IntN(4) {
		case 0:
			os.Remove(path)
		case 1:
			os.WriteFile(path, []byte(soakRuleBroken), 0o644)
		default:
			os.WriteFile(path, []byte(fmt.Sprintf(soakRuleGood, name, 1+rng.IntN(5))), 0o644)
		}
		if rng.IntN(3) == 0 {
			soakPost(client, p.url+"/-/reload", "")
		}
	})
	// Silences added and expired, acknowledgements, scrapes.
	worker("silence", 500*time.Millisecond, func(rng *rand.Rand) {
		body := fmt.Sprintf(`{"matchers":["period=~\"20%02d-.*\""],"duration":"1m","created_by":"soak","comment":"soak"}`, 4+rng.IntN(21))
		code, resp := soakPostJSON(client, p.url+"/api/v1/silences", body)
		if code != 200 {
			ledger.fail("silence: %d %s", code, resp)
			return
		}
		var out struct {
			Data struct{ ID int64 } `json:"data"`
		}
		if json.Unmarshal([]byte(resp), &out) == nil && out.Data.ID > 0 && rng.IntN(2) == 0 {
			req, _ := http.NewRequest("DELETE", fmt.Sprintf("%s/api/v1/silences/%d", p.url, out.Data.ID), nil)
			req.Header.Set("Authorization", "Bearer "+e2eToken)
			if resp, err := client.Do(req); err == nil {
				resp.Body.Close()
			}
		}
	})
	worker("ack", 600*time.Millisecond, func(rng *rand.Rand) {
		fps := soakFiring(client, p.url)
		if len(fps) == 0 {
			return
		}
		fp := fps[rng.IntN(len(fps))]
		soakPostJSON(client, p.url+"/api/v1/alerts/"+fp+"/ack", `{"kind":"correct","by":"soak","comment":"checked"}`)
	})
	worker("scrape", 100*time.Millisecond, func(rng *rand.Rand) {
		for _, path := range []string{"/metrics", "/api/v1/findings", "/api/v1/alerts", "/api/v1/rules", "/"} {
			resp, err := client.Get(p.url + path)
			if err != nil {
				ledger.fail("GET %s: %v", path, err)
				continue
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				ledger.fail("GET %s: %d", path, resp.StatusCode)
			}
		}
	})
	wg.Wait()

	// The daemon never died.
	select {
	case err := <-p.done:
		t.Fatalf("the daemon exited during the soak: %v\n%s", err, tail(p.log.String(), 4000))
	default:
	}
	// Every dropped file reached done/.
	p.waitFor("dropped files imported", time.Minute, func() bool {
		dropMu.Lock()
		defer dropMu.Unlock()
		for name := range dropped {
			if _, err := os.Stat(filepath.Join(inbox, "done", name)); err != nil {
				return false
			}
		}
		return true
	})
	// Every firing alert that nothing mutes reached the receiver.
	var missing []string
	start := time.Now()
	for {
		missing = missing[:0]
		for _, fp := range soakFiring(client, p.url) {
			if !hook.saw(fp) {
				missing = append(missing, fp)
			}
		}
		if len(missing) == 0 {
			break
		}
		if time.Since(start) > time.Minute {
			_, body := p.get("/api/v1/alerts?state=firing&limit=10000")
			for _, fp := range missing[:min(len(missing), 5)] {
				if i := strings.Index(body, fp); i >= 0 {
					t.Logf("never delivered: %.600s", body[max(0, i-300):])
				}
			}
			t.Fatalf("%d firing alerts never reached the receiver within a minute", len(missing))
		}
		time.Sleep(200 * time.Millisecond)
	}
	peak := vmHWM(pid)
	// Idle again, with the rule set it started with: goroutines and files
	// back near their idle counts, once this test's own keep-alive
	// connections are closed.
	extra, _ := filepath.Glob(filepath.Join(dir, "rules", "g*.yaml"))
	for _, f := range extra {
		os.Remove(f)
	}
	if code, resp := soakPost(client, p.url+"/-/reload", ""); code != 200 {
		t.Errorf("the final reload: %d %s", code, resp)
	}
	hookSrv.SetKeepAlivesEnabled(false) // the daemon's idle connections to the receiver close
	var g, fd float64
	start = time.Now()
	for {
		client.CloseIdleConnections()
		http.DefaultClient.CloseIdleConnections()
		if g, fd = soakGauges(t, p.url); g <= idleG+4 && fd <= idleFD+3 {
			break
		}
		if time.Since(start) > time.Minute {
			t.Errorf("not back to idle within a minute: %v goroutines (idle %v), %v open files (idle %v)", g, idleG, fd, idleFD)
			if os.Getenv("CHISO_SOAK_DUMP") != "" {
				p.cmd.Process.Signal(syscall.SIGQUIT)
				<-p.done
				os.WriteFile(os.Getenv("CHISO_SOAK_DUMP"), []byte(p.log.String()), 0o644)
				return
			}
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	p.stop()
	t.Logf("%d imports acknowledged, %d webhook posts, %d firing alerts delivered; after: %v goroutines, %v files; peak resident %d MiB",
		len(ledger.imports), hook.posts, len(hook.firing), g, fd, peak>>20)
	if len(ledger.errs) > 0 {
		t.Errorf("during the soak:\n%s", strings.Join(ledger.errs, "\n"))
	}
	soakCheckStore(t, bin, db, ledger)
}

// soakCheckStore checks that every acknowledged import is in the database,
// each figure as a revision with the import's source, and that SQLite's
// integrity check passes.
func soakCheckStore(t *testing.T, bin, db string, ledger *soakLedger) {
	t.Helper()
	out, err := exec.Command(bin, "--db", db, "export", "--all-revisions").Output()
	if err != nil {
		t.Fatalf("export: %v", err)
	}
	have := map[string]map[soakFigure]bool{}
	r := csv.NewReader(bytes.NewReader(out))
	header, _ := r.Read()
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	for {
		rec, err := r.Read()
		if err != nil {
			break
		}
		v, _ := strconv.ParseFloat(rec[col["value"]], 64)
		src := rec[col["source"]]
		if have[src] == nil {
			have[src] = map[soakFigure]bool{}
		}
		have[src][soakFigure{rec[col["indicator"]], rec[col["area"]], rec[col["period"]], v}] = true
	}
	lost := 0
	for src, figs := range ledger.imports {
		for _, f := range figs {
			if !have[src][f] {
				if lost < 10 {
					t.Errorf("acknowledged import %s: %+v is not in the database", src, f)
				}
				lost++
			}
		}
	}
	if lost > 0 {
		t.Errorf("%d acknowledged figures lost", lost)
	}
	sdb, err := sql.Open("sqlite", "file:"+db+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	var ok string
	if err := sdb.QueryRow("PRAGMA integrity_check").Scan(&ok); err != nil || ok != "ok" {
		t.Errorf("integrity_check = %q, %v", ok, err)
	}
}

func soakPost(c *http.Client, url, body string) (int, string) {
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	req.Header.Set("Content-Type", "text/csv")
	req.Header.Set("Authorization", "Bearer "+e2eToken)
	return soakDo(c, req)
}

func soakPostJSON(c *http.Client, url, body string) (int, string) {
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+e2eToken)
	return soakDo(c, req)
}

func soakDo(c *http.Client, req *http.Request) (int, string) {
	resp, err := c.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, string(b)
}

// soakFiring returns the fingerprints of the firing alerts that nothing
// mutes (no acknowledgement, silence or inhibition).
func soakFiring(c *http.Client, base string) []string {
	resp, err := c.Get(base + "/api/v1/alerts?state=firing&limit=10000")
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	var out struct {
		Data []struct {
			Fingerprint  string  `json:"fingerprint"`
			Acknowledged bool    `json:"acknowledged"`
			SilencedBy   []int64 `json:"silenced_by"`
			Inhibited    bool    `json:"inhibited"`
		} `json:"data"`
	}
	if json.NewDecoder(resp.Body).Decode(&out) != nil {
		return nil
	}
	var fps []string
	for _, a := range out.Data {
		if !a.Acknowledged && len(a.SilencedBy) == 0 && !a.Inhibited {
			fps = append(fps, a.Fingerprint)
		}
	}
	return fps
}

// soakGauges returns the daemon's go_goroutines and process_open_fds.
func soakGauges(t *testing.T, base string) (goroutines, fds float64) {
	req, _ := http.NewRequest("GET", base+"/metrics", nil)
	req.Close = true // leave no connection behind to count
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "go_goroutines "); ok {
			goroutines, _ = strconv.ParseFloat(v, 64)
		}
		if v, ok := strings.CutPrefix(line, "process_open_fds "); ok {
			fds, _ = strconv.ParseFloat(v, 64)
		}
	}
	return goroutines, fds
}

// vmHWM returns a process's peak resident memory in bytes, from /proc.
func vmHWM(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// stop ends the daemon with SIGTERM, as a service manager does, and fails
// the test when it does not exit cleanly within a minute.
func (p *daemonProc) stop() {
	p.t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		p.t.Fatal(err)
	}
	select {
	case err := <-p.done:
		if err != nil {
			p.t.Errorf("the daemon exited with %v after SIGTERM", err)
		}
	case <-time.After(time.Minute):
		p.t.Fatal("the daemon did not exit within a minute of SIGTERM")
	}
}
