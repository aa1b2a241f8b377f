package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chiso-vn/chiso/internal/testbin"
)

// chisoBinary builds the chiso binary once per test run.
func chisoBinary(t *testing.T) string { return testbin.Chiso(t) }

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// syncBuffer collects a process's log for the test to read while it runs.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// daemonProc is a `chiso serve` process in a temp dir.
type daemonProc struct {
	t    *testing.T
	dir  string
	url  string
	cmd  *exec.Cmd
	log  *syncBuffer
	done chan error
}

const e2eToken = "e2e-secret-token"

const e2eRules = `groups:
  - name: coverage
    schedule: "0 7 * * *"
    rules:
      - alert: CoverageOutOfRange
        check: range
        indicator: village_mobile_broadband_coverage
        severity: critical
`

// startServe runs the binary in a fresh dir with a configuration file; the
// database does not exist yet, so the first run creates it, empty but for
// the catalogue.
func startServe(t *testing.T) *daemonProc {
	t.Helper()
	dir := t.TempDir()
	addr := freePort(t)
	writeTestFile(t, filepath.Join(dir, "rules", "coverage.yaml"), e2eRules)
	writeTestFile(t, filepath.Join(dir, "chiso.yaml"), fmt.Sprintf(`listen: %q
rules: ["rules/*.yaml"]
watch: false
auth:
  tokens: [{name: e2e, env: CHISO_E2E_TOKEN}]
`, addr))
	return startDaemonIn(t, dir, addr)
}

// startDaemonIn starts `chiso serve --config chiso.yaml` in dir, whose
// configuration listens on addr, and waits until it is ready; the process
// is killed at the end of the test if it is still running.
func startDaemonIn(t *testing.T, dir, addr string) *daemonProc {
	t.Helper()
	p := &daemonProc{t: t, dir: dir, url: "http://" + addr, log: &syncBuffer{}, done: make(chan error, 1)}
	p.cmd = exec.Command(chisoBinary(t), "serve", "--config", "chiso.yaml")
	p.cmd.Dir = dir
	p.cmd.Env = append(os.Environ(), "CHISO_E2E_TOKEN="+e2eToken)
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			p.cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("daemon log:\n%s", p.log.String())
		}
	})
	p.waitFor("ready", 10*time.Second, func() bool { code, _ := p.get("/-/ready"); return code == 200 })
	return p
}

func writeTestFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func (p *daemonProc) get(path string) (int, string) {
	resp, err := http.Get(p.url + path)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (p *daemonProc) post(path, token, body string) (int, string) {
	p.t.Helper()
	req, _ := http.NewRequest("POST", p.url+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "text/csv")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (p *daemonProc) waitFor(what string, limit time.Duration, cond func() bool) time.Duration {
	p.t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > limit {
			p.t.Fatalf("%s: not within %s", what, limit)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return time.Since(start)
}

func (p *daemonProc) metricsContain(s string) bool {
	_, body := p.get("/metrics")
	return strings.Contains(body, s)
}

const e2eObservation = "indicator,area,period,value\nvillage_mobile_broadband_coverage,PT,2024,\"120,5%\"\n"

func TestServeEndToEnd(t *testing.T) {
	p := startServe(t)
	if !strings.Contains(p.log.String(), "created an empty database") {
		t.Errorf("the first run did not say it created the database:\n%s", p.log.String())
	}
	if code, _ := p.post("/api/v1/observations", "", e2eObservation); code != 401 {
		t.Errorf("POST without a token = %d, want 401", code)
	}
	posted := time.Now()
	if code, body := p.post("/api/v1/observations", e2eToken, e2eObservation); code != 200 {
		t.Fatalf("POST = %d %s", code, body)
	}
	p.waitFor("finding in the API", 2*time.Second-time.Since(posted), func() bool {
		_, body := p.get("/api/v1/findings?area=PT&rule=CoverageOutOfRange")
		return strings.Contains(body, `"value":120.5`)
	})
	p.waitFor("finding and value in /metrics", 2*time.Second-time.Since(posted), func() bool {
		return p.metricsContain(`chiso_rule_findings{group="coverage",rule="CoverageOutOfRange",severity="critical",status="fail"} 1`) &&
			p.metricsContain(`chiso_indicator_value{area="PT",indicator="village_mobile_broadband_coverage"} 120.5`)
	})
	t.Logf("finding in the API and /metrics %s after the POST", time.Since(posted).Round(time.Millisecond))

	ruleFile := filepath.Join(p.dir, "rules", "coverage.yaml")
	writeTestFile(t, ruleFile, strings.Replace(e2eRules, "check: range", "check: rnage", 1))
	p.cmd.Process.Signal(syscall.SIGHUP)
	p.waitFor("failed reload in /metrics", 3*time.Second, func() bool { return p.metricsContain("\nchiso_config_last_reload_successful 0\n") })
	if _, body := p.get("/api/v1/rules"); !strings.Contains(body, `"name":"CoverageOutOfRange","check":"range"`) {
		t.Errorf("old rules not kept after a bad reload: %s", body)
	}
	if _, body := p.get("/api/v1/status/reload"); !strings.Contains(body, `"line":6`) {
		t.Errorf("reload status does not locate the error: %s", body)
	}

	writeTestFile(t, ruleFile, strings.Replace(e2eRules, "severity: critical", "severity: warning", 1))
	p.cmd.Process.Signal(syscall.SIGHUP)
	p.waitFor("fixed rules picked up", 3*time.Second, func() bool {
		return p.metricsContain("\nchiso_config_last_reload_successful 1\n") &&
			p.metricsContain(`chiso_rule_findings{group="coverage",rule="CoverageOutOfRange",severity="warning",status="fail"} 1`)
	})

	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no exit within 10 s of SIGTERM")
	}
}

// TestPrometheusScrapesServe starts Debian's prometheus against a daemon
// serving the sample data and a synthetic month of imports, with the alert
// rules of deploy/prometheus loaded, and asks it through PromQL for the
// value just imported, every query of every dashboard panel, and the
// alerts for chiso itself (see opskit_test.go).
func TestPrometheusScrapesServe(t *testing.T) {
	prom := lookTool(t, "prometheus")
	kit := startOpsKit(t)
	promAddr := startPrometheus(t, prom, kit.p, "../../deploy/prometheus/chiso-alerts.yml")
	// Prometheus must see the counters before the imports move them, as
	// it would in production, for increase() to see the change.
	waitForScrapes(t, kit.p, promAddr, 2)
	if code, body := kit.p.post("/api/v1/observations", e2eToken, e2eObservation); code != 200 {
		t.Fatalf("POST = %d %s", code, body)
	}
	kit.importMonth(t)
	q := url.QueryEscape(`chiso_indicator_value{job="chiso",area="PT",indicator="village_mobile_broadband_coverage"}`)
	var got string
	took := kit.p.waitFor("value queried through Prometheus", 30*time.Second, func() bool {
		got = promQuery(promAddr, q)
		return got == "120.5"
	})
	t.Logf("PromQL returned %s after %s", got, took.Round(time.Millisecond))
	kit.p.waitFor("the import by another process seen by Prometheus", 30*time.Second, func() bool {
		return promQuery(promAddr, url.QueryEscape(`chiso_imports_total{channel="external",outcome="success"}`)) == "1"
	})
	waitForScrapes(t, kit.p, promAddr, 3) // every rate window holds two samples since
	checkDashboardQueries(t, kit, promAddr)
	checkAlertRules(t, kit, promAddr)
}

// startPrometheus runs Debian's prometheus scraping the daemon every
// second and evaluating ruleFiles every second, and returns its address.
func startPrometheus(t *testing.T, prom string, p *daemonProc, ruleFiles ...string) string {
	t.Helper()
	promAddr := freePort(t)
	dir := t.TempDir()
	var rules strings.Builder
	for _, f := range ruleFiles {
		abs, err := filepath.Abs(f)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&rules, "  - %q\n", abs)
	}
	cfg := fmt.Sprintf(`global: {scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}
scrape_configs:
  - job_name: chiso
    static_configs: [{targets: [%q]}]
`, strings.TrimPrefix(p.url, "http://"))
	if rules.Len() > 0 {
		cfg += "rule_files:\n" + rules.String()
	}
	writeTestFile(t, filepath.Join(dir, "prometheus.yml"), cfg)
	var plog syncBuffer
	cmd := exec.Command(prom, "--config.file="+filepath.Join(dir, "prometheus.yml"), "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+promAddr)
	cmd.Stdout, cmd.Stderr = &plog, &plog
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
		if t.Failed() {
			t.Logf("prometheus log:\n%s", plog.String())
		}
	})
	return promAddr
}

// promQuery returns the single value of an instant query, or "".
func promQuery(addr, q string) string {
	resp, err := http.Get("http://" + addr + "/api/v1/query?query=" + q)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	var r struct {
		Data struct {
			Result []struct {
				Value [2]any `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if json.NewDecoder(resp.Body).Decode(&r) != nil || len(r.Data.Result) != 1 {
		return ""
	}
	s, _ := r.Data.Result[0].Value[1].(string)
	return s
}

// lookTool finds a binary of Debian's prometheus package; without it the
// test is skipped, except in CI (CI=true), where it fails.
func lookTool(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s not found: apt-get install prometheus", name)
	}
	t.Skipf("%s not found: apt-get install prometheus", name)
	return ""
}

func TestServeMetricsPassPromtool(t *testing.T) {
	promtool := lookTool(t, "promtool")
	p := startServe(t)
	p.post("/api/v1/observations", e2eToken, e2eObservation)
	p.waitFor("value in /metrics", 2*time.Second, func() bool { return p.metricsContain("chiso_indicator_value{area=\"PT\"") })
	_, body := p.get("/metrics")
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(body)
	out, err := cmd.CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "" {
		t.Fatalf("promtool check metrics: %v\n%s", err, out)
	}
}
