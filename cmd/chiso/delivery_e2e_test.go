package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chiso-vn/chiso/alerting"
	"github.com/chiso-vn/chiso/store"
)

// hookLog is a webhook receiver that records the Idempotency-Key and
// X-Chiso-Attempt of every request it accepts.
type hookLog struct {
	mu       sync.Mutex
	keys     []string
	attempts []int
}

func (h *hookLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	time.Sleep(time.Millisecond) // a receiver takes a moment: requests overlap
	n, _ := strconv.Atoi(r.Header.Get("X-Chiso-Attempt"))
	h.mu.Lock()
	h.keys = append(h.keys, r.Header.Get("Idempotency-Key"))
	h.attempts = append(h.attempts, n)
	h.mu.Unlock()
}

func (h *hookLog) distinct() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	seen := map[string]bool{}
	for _, k := range h.keys {
		seen[k] = true
	}
	return len(seen)
}

func (h *hookLog) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.keys)
}

// inFlight opens the database of a killed daemon and counts the entries
// it was sending (queued with an attempt recorded) and all the entries.
func inFlight(t *testing.T, dir string) (flying, total int, es []alerting.OutboxEntry) {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(dir, "chiso.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	es, err = db.Notifications(context.Background(), store.OutboxFilter{Limit: 100000})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if e.Status == alerting.StatusQueued && e.Attempts > 0 {
			flying++
		}
	}
	return flying, len(es), es
}

// TestKilledDuringWebhookDeliveryResendsOnlyWhatWasInFlight kills the
// daemon with SIGKILL several times while it delivers some 1,400 webhook
// notifications. Nothing is lost, and a receiver gets a notification twice
// only if it was in flight at a kill: the outbox recorded its attempt
// before the send, and the copy carries the same Idempotency-Key with
// X-Chiso-Attempt above 1. The counts are read after the daemon is
// stopped, so a late duplicate cannot hide.
func TestKilledDuringWebhookDeliveryResendsOnlyWhatWasInFlight(t *testing.T) {
	t.Parallel()
	hook := &hookLog{}
	srv := httptest.NewServer(hook)
	defer srv.Close()
	dir := t.TempDir()
	writeTestFile(t, filepath.Join(dir, "rules.d", "coverage.yaml"), e2eRules)
	section := fmt.Sprintf(`alerting:
  route: {receiver: hook, group_by: ['...'], group_wait: 0s}
  receivers:
    - name: hook
      webhook: {url: %q}
`, srv.URL)
	p := serveAlerting(t, dir, section)
	var csv strings.Builder
	csv.WriteString("indicator,area,period,value\n")
	for _, area := range []string{"PT", "VP", "HB", "DB", "PY", "DL"} {
		for y := 2005; y <= 2024; y++ {
			for m := 1; m <= 12; m++ {
				fmt.Fprintf(&csv, "village_mobile_broadband_coverage,%s,%d-%02d,120\n", area, y, m)
			}
		}
	}
	if code, body := p.post("/api/v1/observations", e2eToken, csv.String()); code != 200 {
		t.Fatalf("import: %d %s", code, body)
	}
	const kills = 4
	flying, queued := 0, 0
	for i := range kills {
		at := hook.count() + 150
		p.waitFor(fmt.Sprintf("%d notifications received", at), 30*time.Second, func() bool { return hook.count() >= at })
		p.kill()
		n, total, _ := inFlight(t, dir)
		flying, queued = flying+n, total
		p = serveAlerting(t, dir, section)
		t.Logf("kill %d after %d requests: %d in flight", i+1, at, n)
	}
	p.waitFor("every notification received", 60*time.Second, func() bool { return hook.distinct() >= queued })
	// The receiver's answer reaches the daemon a moment after the receiver
	// logs the request: wait until the last one is marked sent.
	p.waitFor("the outbox marked delivered", 30*time.Second, func() bool { n, _, _ := inFlight(t, dir); return n == 0 })
	p.kill()
	if n, _, es := inFlight(t, dir); n != 0 {
		for _, e := range es {
			if e.Status == alerting.StatusQueued && e.Attempts > 0 {
				t.Logf("in flight: %d %s attempts %d created %s next %s", e.ID, e.Reason, e.Attempts, e.CreatedAt, e.NextAttempt)
			}
		}
		t.Fatalf("%d entries still in flight after the outbox was delivered", n)
	}
	srv.Close() // waits for requests still being handled: the log is final
	_, total, es := inFlight(t, dir)
	hook.mu.Lock()
	defer hook.mu.Unlock()
	seen, dups := map[string]int{}, 0
	for i, k := range hook.keys {
		seen[k]++
		if seen[k] > 1 {
			dups++
			if hook.attempts[i] < 2 {
				t.Errorf("request %d re-sends %s with X-Chiso-Attempt %d, want 2 or more", i, k, hook.attempts[i])
			}
		}
	}
	t.Logf("%d notifications, %d requests, %d duplicates after %d kills; %d were in flight at the kills",
		total, len(hook.keys), dups, kills, flying)
	if len(seen) != total {
		t.Errorf("the receiver got %d distinct notifications, the outbox has %d", len(seen), total)
	}
	for _, e := range es {
		if e.Status != alerting.StatusSent {
			t.Errorf("notification %d is %s", e.ID, e.Status)
		}
	}
	if dups > flying {
		t.Errorf("%d duplicates, but only %d notifications were in flight at the kills", dups, flying)
	}
}
