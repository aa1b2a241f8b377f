package amclient

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chiso-vn/chiso"
)

// alertmanagerBinary is where Debian's prometheus-alertmanager installs it.
const alertmanagerBinary = "/usr/bin/prometheus-alertmanager"

// startAlertmanager runs a real Alertmanager on the loopback, without
// clustering, until the test ends, and returns its URL. Without the binary
// the test is skipped, except in CI (CI=true), where it fails.
func startAlertmanager(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat(alertmanagerBinary); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing: install Debian's prometheus-alertmanager (%v)", alertmanagerBinary, err)
		}
		t.Skipf("%s is missing (apt-get install prometheus-alertmanager)", alertmanagerBinary)
	}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "alertmanager.yml")
	conf := "route:\n  receiver: nobody\n  group_wait: 1h\nreceivers:\n  - name: nobody\n"
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	cmd := exec.Command(alertmanagerBinary, "--config.file="+cfg, "--storage.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr, "--cluster.listen-address=", "--log.level=warn")
	logf, err := os.Create(filepath.Join(dir, "alertmanager.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		logf.Close()
	})
	url := "http://" + addr
	waitReady(t, url, filepath.Join(dir, "alertmanager.log"))
	return url
}

// freeAddr finds a loopback port nothing listens on.
func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// waitReady polls /-/ready for up to 15 seconds.
func waitReady(t *testing.T, url, logFile string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(url + "/-/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	log, _ := os.ReadFile(logFile)
	t.Fatalf("alertmanager not ready at %s after 15s; its log:\n%s", url, log)
}

// gettableAlert mirrors what Alertmanager's GET /api/v2/alerts lists.
type gettableAlert struct {
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	EndsAt      time.Time         `json:"endsAt"`
	Fingerprint string            `json:"fingerprint"`
	Status      struct {
		State string `json:"state"`
	} `json:"status"`
}

// listAlerts asks Alertmanager what it holds, by area label.
func listAlerts(t *testing.T, url string) map[string]gettableAlert {
	t.Helper()
	resp, err := http.Get(url + "/api/v2/alerts")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var as []gettableAlert
	if err := json.NewDecoder(resp.Body).Decode(&as); err != nil {
		t.Fatal(err)
	}
	out := map[string]gettableAlert{}
	for _, a := range as {
		out[a.Labels["area"]] = a
	}
	return out
}

func TestRealAlertmanager(t *testing.T) {
	url := startAlertmanager(t)
	c, err := New(Config{URLs: []string{url}}, WithExternalURL("http://127.0.0.1:9787"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	start := time.Now().UTC().Truncate(time.Second)
	firing := []chiso.Alert{alert("a", "DB"), alert("b", "VP")}
	for i := range firing {
		firing[i].FiredAt = start.Add(-time.Minute)
	}
	if err := c.Send(ctx, firing, start); err != nil {
		t.Fatal(err)
	}
	got := listAlerts(t, url)
	for _, area := range []string{"DB", "VP"} {
		a, ok := got[area]
		switch {
		case !ok:
			t.Errorf("alertmanager lists no alert for area %s: %+v", area, got)
		case a.Labels["alertname"] != "FibreBelowTarget" || a.Labels["indicator"] != "village_fibre_coverage" || a.Labels["severity"] != "warning":
			t.Errorf("area %s labels %v", area, a.Labels)
		case a.Annotations["summary"] != "Điện Biên chưa đạt mục tiêu":
			t.Errorf("area %s annotations %v", area, a.Annotations)
		case a.Status.State != "active" && a.Status.State != "unprocessed":
			t.Errorf("area %s state %q, want active", area, a.Status.State)
		case !a.EndsAt.Equal(start.Add(4 * time.Minute)):
			t.Errorf("area %s endsAt %s, want %s", area, a.EndsAt, start.Add(4*time.Minute))
		}
	}
	if len(got) != 2 {
		t.Errorf("alertmanager lists %d alerts, want 2: %+v", len(got), got)
	}
	clearedAt := time.Now().Add(-time.Second)
	if err := c.Send(ctx, []chiso.Alert{resolved(firing[0], clearedAt)}, time.Now()); err != nil {
		t.Fatal(err)
	}
	got = listAlerts(t, url)
	if _, ok := got["DB"]; ok {
		t.Errorf("the resolved alert is still listed as active: %+v", got["DB"])
	}
	if _, ok := got["VP"]; !ok || len(got) != 1 {
		t.Errorf("after resolving DB, want only VP listed, got %s", fmt.Sprint(got))
	}
}
