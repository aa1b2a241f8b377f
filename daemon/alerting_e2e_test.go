package daemon

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chiso-vn/chiso/alerting"
	"github.com/chiso-vn/chiso/config"
	"github.com/chiso-vn/chiso/store"
)

// hookServer answers each request with the next of its codes (the last one
// repeats) and records the Idempotency-Key of every request.
type hookServer struct {
	mu    sync.Mutex
	codes []int
	keys  []string
}

func (s *hookServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	code := s.codes[min(len(s.keys), len(s.codes)-1)]
	s.keys = append(s.keys, r.Header.Get("Idempotency-Key"))
	w.WriteHeader(code)
}

func (s *hookServer) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.keys...)
}

// TestWebhookOutcomesThroughTheDaemon runs the real chain (finding, alert,
// outbox, deliverer, webhook notifier, store): a webhook answering 500 is
// retried with the same idempotency key until it accepts, one answering
// 400 is tried once and given up. The alerts and webhook packages test
// each step alone; this checks that the daemon wires them so.
func TestWebhookOutcomesThroughTheDaemon(t *testing.T) {
	flaky := &hookServer{codes: []int{500, 503, 200}}
	refusing := &hookServer{codes: []int{400}}
	flakyTS, refusingTS := httptest.NewServer(flaky), httptest.NewServer(refusing)
	t.Cleanup(flakyTS.Close)
	t.Cleanup(refusingTS.Close)
	h := start(t, webhookAlerting(flakyTS.URL, refusingTS.URL))
	h.post("/api/v1/observations", "text/csv", badCoverage)
	// counted, not slept on: once the outbox says both are settled the
	// daemon is closed, and then nothing more can be sent; the requests
	// each webhook got must be the attempts the outbox recorded
	h.waitFor("both notifications settled", 15*time.Second, func() bool {
		es, err := h.d.db.Notifications(context.Background(), store.OutboxFilter{Limit: 100})
		settled := 0
		for _, e := range es {
			if e.Status == alerting.StatusSent || e.Status == alerting.StatusDead {
				settled++
			}
		}
		return err == nil && len(es) == 2 && settled == 2
	})
	m := h.get("/metrics")
	if err := h.d.Close(); err != nil {
		t.Fatal(err)
	}
	flakyTS.Close() // waits for requests still being handled
	refusingTS.Close()
	if got := flaky.requests(); len(got) != 3 || got[0] != got[1] || got[1] != got[2] || got[0] == "" {
		t.Errorf("flaky webhook got idempotency keys %q, want the same key 3 times", got)
	}
	if got := refusing.requests(); len(got) != 1 {
		t.Errorf("the webhook answering 400 got %d requests, want 1 (no retry)", len(got))
	}
	want := map[string]alerting.OutboxStatus{"flaky": alerting.StatusSent, "refusing": alerting.StatusDead}
	requests := map[string]int{"flaky": len(flaky.requests()), "refusing": len(refusing.requests())}
	db, err := OpenDatabase(context.Background(), h.db)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, e := range outbox(t, db) {
		if e.Status != want[e.Receiver] || e.Attempts != requests[e.Receiver] {
			t.Errorf("outbox entry %d for %s is %s after %d attempts, want %s after the %d requests its webhook got (%s)",
				e.ID, e.Receiver, e.Status, e.Attempts, want[e.Receiver], requests[e.Receiver], e.LastError)
		}
	}
	for _, s := range []string{
		`chiso_notifications_total{integration="webhook",outcome="retry",receiver="flaky"} 2`,
		`chiso_notifications_total{integration="webhook",outcome="success",receiver="flaky"} 1`,
		`chiso_notifications_total{integration="webhook",outcome="dead",receiver="refusing"} 1`,
	} {
		if !strings.Contains(m, s) {
			t.Errorf("/metrics lacks %s", s)
		}
	}
}

// webhookAlerting routes every alert to both webhooks at once.
func webhookAlerting(flaky, refusing string) string {
	return fmt.Sprintf(`alerting:
  route:
    receiver: flaky
    group_by: [alertname]
    group_wait: 0s
    routes:
      - {receiver: flaky, continue: true}
      - {receiver: refusing}
  receivers:
    - name: flaky
      webhook: {url: %q}
    - name: refusing
      webhook: {url: %q}
`, flaky, refusing)
}

func outbox(t *testing.T, db Database) []alerting.OutboxEntry {
	t.Helper()
	es, err := db.Notifications(context.Background(), store.OutboxFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) == 0 {
		t.Fatal("the outbox is empty")
	}
	return es
}

// TestAlertmanagerKeepsFiringAlertsAfterARestart: after a restart nothing
// new is routed (group_wait is long), yet the Alertmanager receiver keeps
// getting the alerts it had as firing, so they do not expire there.
func TestAlertmanagerKeepsFiringAlertsAfterARestart(t *testing.T) {
	var mu sync.Mutex
	var posts []string
	am := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		posts = append(posts, string(b))
		mu.Unlock()
	}))
	defer am.Close()
	posted := func() int { mu.Lock(); defer mu.Unlock(); return len(posts) }
	section := func(wait string) string {
		return fmt.Sprintf("alerting:\n  route: {receiver: am, group_by: [alertname], group_wait: %s}\n"+
			"  receivers:\n    - name: am\n      alertmanager: {urls: [%q], resend_delay: 1h}\n", wait, am.URL)
	}
	h := start(t, "watch: false\n"+section("0s"))
	h.post("/api/v1/observations", "text/csv", badCoverage)
	h.waitFor("the alert at Alertmanager", 5*time.Second, func() bool { return posted() > 0 })
	if err := h.d.Close(); err != nil {
		t.Fatal(err)
	}
	cfgFile := filepath.Join(h.dir, "chiso.yaml")
	old, _ := os.ReadFile(cfgFile)
	writeFile(t, cfgFile, strings.Replace(string(old), "group_wait: 0s", "group_wait: 1h", 1))
	before := posted()
	cfg, err := config.Load(cfgFile)
	if err != nil {
		t.Fatal(err)
	}
	d := New(cfg, Options{})
	if err := d.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	h.waitFor("the firing alert re-sent after the restart", 5*time.Second, func() bool { return posted() > before })
	mu.Lock()
	last := posts[len(posts)-1]
	mu.Unlock()
	if !strings.Contains(last, "CoverageOutOfRange") {
		t.Errorf("the post after the restart lacks the firing alert: %s", last)
	}
}
