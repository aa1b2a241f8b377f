package alerts_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/alerting"
	"github.com/chiso-vn/chiso/alerts"
	"github.com/chiso-vn/chiso/store"
)

// flaky fails each notification a number of times, then accepts it.
type flaky struct {
	mu        sync.Mutex
	failures  int
	permanent bool
	now       func() time.Time
	calls     map[int64][]time.Time
	delivered map[int64]int
}

func newFlaky(failures int, now func() time.Time) *flaky {
	return &flaky{failures: failures, now: now, calls: map[int64][]time.Time{}, delivered: map[int64]int{}}
}

func (f *flaky) Notify(ctx context.Context, n *alerts.Notification) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[n.ID] = append(f.calls[n.ID], f.now())
	if len(f.calls[n.ID]) <= f.failures {
		err := fmt.Errorf("421 try again later (notification %d)", n.ID)
		if f.permanent {
			return alerts.Permanent(fmt.Errorf("550 no such user: %w", err))
		}
		return err
	}
	f.delivered[n.ID]++
	return nil
}

// snapshot copies the calls and deliveries.
func (f *flaky) snapshot() (map[int64][]time.Time, map[int64]int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	calls, delivered := map[int64][]time.Time{}, map[int64]int{}
	for k, v := range f.calls {
		calls[k] = append([]time.Time(nil), v...)
	}
	for k, v := range f.delivered {
		delivered[k] = v
	}
	return calls, delivered
}

// clock is a settable time for the deliverer.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

// queueFiring makes n areas fire and flushes their groups.
func queueFiring(e *env, n int) {
	var fs []chiso.Finding
	for i := range n {
		fs = append(fs, finding("BelowTarget", fmt.Sprintf("A%02d", i)))
	}
	e.process(t0, fs...)
	e.tick(t0.Add(time.Minute))
}

func TestDeliveryRetriesUntilExactlyOneSuccess(t *testing.T) {
	e := newEnv(t, baseConfig)
	queueFiring(e, 3)
	clk := &clock{t: t0.Add(time.Minute)}
	nf := newFlaky(4, clk.now)
	reg := prometheus.NewRegistry()
	d, err := alerts.NewDeliverer(alerts.DelivererOptions{Outbox: e.db, Now: clk.now, Rand: func() float64 { return 0.5 },
		Registerer: reg, Notifiers: alerts.Notifiers{"heads": {"webhook": nf}}})
	if err != nil {
		t.Fatal(err)
	}
	for range 30 {
		if _, err := d.DeliverDue(context.Background()); err != nil {
			t.Fatal(err)
		}
		clk.add(10 * time.Second)
	}
	entries, _ := e.db.Notifications(context.Background(), store.OutboxFilter{})
	if len(entries) != 3 {
		t.Fatalf("%d entries", len(entries))
	}
	for _, en := range entries {
		if nf.delivered[en.ID] != 1 || len(nf.calls[en.ID]) != 5 || en.Status != alerting.StatusSent || en.Attempts != 5 {
			t.Errorf("entry %d: delivered %d times in %d calls, status %s, attempts %d",
				en.ID, nf.delivered[en.ID], len(nf.calls[en.ID]), en.Status, en.Attempts)
		}
		// Backoff 1s, 2s, 4s, 8s, each jittered to three quarters, read at 10 s polls.
		calls := nf.calls[en.ID]
		for i := 1; i < len(calls); i++ {
			if min := time.Duration(3<<(i-1)) * time.Second / 4; calls[i].Sub(calls[i-1]) < min {
				t.Errorf("entry %d: attempt %d only %v after the previous, want ≥ %v", en.ID, i+1, calls[i].Sub(calls[i-1]), min)
			}
		}
	}
	want := `
# HELP chiso_notification_queue_length Notifications in the outbox not yet sent nor given up.
# TYPE chiso_notification_queue_length gauge
chiso_notification_queue_length 0
# HELP chiso_notifications_total Notification delivery attempts by receiver, integration and outcome (success, retry, dead).
# TYPE chiso_notifications_total counter
chiso_notifications_total{integration="webhook",outcome="retry",receiver="heads"} 12
chiso_notifications_total{integration="webhook",outcome="success",receiver="heads"} 3
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "chiso_notifications_total", "chiso_notification_queue_length"); err != nil {
		t.Error(err)
	}
}

func TestDeliveryPermanentFailureIsDead(t *testing.T) {
	e := newEnv(t, baseConfig)
	queueFiring(e, 1)
	clk := &clock{t: t0.Add(time.Minute)}
	nf := newFlaky(100, clk.now)
	nf.permanent = true
	d, _ := alerts.NewDeliverer(alerts.DelivererOptions{Outbox: e.db, Now: clk.now,
		Notifiers: alerts.Notifiers{"heads": {"webhook": nf}}})
	for range 5 {
		d.DeliverDue(context.Background())
		clk.add(time.Hour)
	}
	entries, _ := e.db.Notifications(context.Background(), store.OutboxFilter{})
	if len(entries) != 1 || entries[0].Status != alerting.StatusDead || len(nf.calls[entries[0].ID]) != 1 ||
		!strings.Contains(entries[0].LastError, "550 no such user") {
		t.Fatalf("entries %+v, calls %v", entries, nf.calls)
	}
}

func TestDeliveryGivesUpAfterMaxAge(t *testing.T) {
	e := newEnv(t, baseConfig)
	queueFiring(e, 1)
	clk := &clock{t: t0.Add(time.Minute)}
	nf := newFlaky(1000, clk.now)
	d, _ := alerts.NewDeliverer(alerts.DelivererOptions{Outbox: e.db, Now: clk.now, MaxAge: time.Hour,
		Notifiers: alerts.Notifiers{"heads": {"webhook": nf}}})
	for range 20 {
		d.DeliverDue(context.Background())
		clk.add(10 * time.Minute)
	}
	entries, _ := e.db.Notifications(context.Background(), store.OutboxFilter{})
	if entries[0].Status != alerting.StatusDead || len(nf.calls[entries[0].ID]) < 2 {
		t.Fatalf("status %s after %d calls", entries[0].Status, len(nf.calls[entries[0].ID]))
	}
}

func TestDeliveryWithoutNotifierIsDead(t *testing.T) {
	e := newEnv(t, baseConfig)
	queueFiring(e, 1)
	d, _ := alerts.NewDeliverer(alerts.DelivererOptions{Outbox: e.db, Now: func() time.Time { return t0.Add(time.Hour) }})
	if _, err := d.DeliverDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	entries, _ := e.db.Notifications(context.Background(), store.OutboxFilter{})
	if entries[0].Status != alerting.StatusDead || !strings.Contains(entries[0].LastError, "no webhook integration") {
		t.Fatalf("entry %+v", entries[0])
	}
}

func TestDeliveryAfterRestartSendsWhatWasQueued(t *testing.T) {
	e := newEnv(t, baseConfig)
	queueFiring(e, 2)
	e.restart(t0.Add(2 * time.Minute))
	clk := &clock{t: t0.Add(3 * time.Minute)}
	nf := newFlaky(0, clk.now)
	d, _ := alerts.NewDeliverer(alerts.DelivererOptions{Outbox: e.db, Now: clk.now,
		Notifiers: alerts.Notifiers{"heads": {"webhook": nf}}})
	if n, err := d.DeliverDue(context.Background()); err != nil || n != 2 {
		t.Fatalf("delivered %d, %v", n, err)
	}
	if n, _ := d.DeliverDue(context.Background()); n != 0 {
		t.Fatalf("delivered %d more", n)
	}
	log, _ := e.db.NotificationLog(context.Background())
	for _, l := range log {
		if !l.SentAt.Equal(clk.now()) {
			t.Errorf("log %s %s sent at %v", l.Receiver, l.GroupKey, l.SentAt)
		}
	}
}

// TestRunLoopsInVirtualTime runs the manager's tick loop and the deliverer
// in a bubble: group_wait and the backoff pass in virtual time.
func TestRunLoopsInVirtualTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		db, err := store.Open(ctx, filepath.Join(t.TempDir(), "chiso.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		e := &env{t: t, db: db, cfg: parseConfig(t, baseConfig), grp: newEnv(t, baseConfig).grp}
		start := time.Now()
		nf := newFlaky(2, time.Now)
		d, _ := alerts.NewDeliverer(alerts.DelivererOptions{Outbox: db, Rand: func() float64 { return 0 },
			Notifiers: alerts.Notifiers{"heads": {"webhook": nf}}})
		m, _ := alerts.New(alerts.Options{Store: db, Config: e.cfg, OnQueued: d.Wake})
		m.Start(ctx, start)
		e.m = m
		var wg sync.WaitGroup
		wg.Go(func() { m.Run(ctx, time.Second) })
		wg.Go(func() { d.Run(ctx) })
		e.process(start, finding("BelowTarget", "PT"))
		time.Sleep(29 * time.Second)
		synctest.Wait()
		if calls, _ := nf.snapshot(); len(calls) != 0 {
			t.Fatalf("notified before group_wait: %v", calls)
		}
		time.Sleep(10 * time.Second)
		synctest.Wait()
		cancel()
		wg.Wait()
		all, delivered := nf.snapshot()
		if len(delivered) != 1 {
			t.Fatalf("delivered %v, calls %v", delivered, all)
		}
		for id, calls := range all {
			if len(calls) != 3 || delivered[id] != 1 || calls[0].Sub(start) != 30*time.Second {
				t.Errorf("notification %d: calls at %v (start %v)", id, calls, start)
			}
		}
	})
}

// recorder checks, at each send, that the outbox already holds the
// attempt, then fails the first send of each notification.
type recorder struct {
	db       *store.DB
	mu       sync.Mutex
	attempts map[int64][]int // notification → Attempt of each send
	problems []string
}

func (r *recorder) Notify(ctx context.Context, n *alerts.Notification) error {
	es, err := r.db.Notifications(ctx, store.OutboxFilter{Limit: 1000})
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range es {
		if e.ID == n.ID && (e.Status != alerting.StatusQueued || e.Attempts != n.Attempt) {
			r.problems = append(r.problems, fmt.Sprintf("send %d of %d: outbox has %s with %d attempts (%v)", n.Attempt, n.ID, e.Status, e.Attempts, err))
		}
	}
	r.attempts[n.ID] = append(r.attempts[n.ID], n.Attempt)
	if len(r.attempts[n.ID]) == 1 {
		return fmt.Errorf("503 busy")
	}
	return nil
}

// TestAttemptIsRecordedBeforeTheSend: when a notifier is called, the
// outbox already counts that attempt, so an entry found queued with
// attempts after a crash is known to have been in flight; the
// notification says which attempt it is.
func TestAttemptIsRecordedBeforeTheSend(t *testing.T) {
	e := newEnv(t, baseConfig)
	queueFiring(e, 2)
	clk := &clock{t: t0.Add(time.Minute)}
	r := &recorder{db: e.db, attempts: map[int64][]int{}}
	d, err := alerts.NewDeliverer(alerts.DelivererOptions{Outbox: e.db, Now: clk.now, Rand: func() float64 { return 0 },
		Notifiers: alerts.Notifiers{"heads": {"webhook": r}}})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := d.DeliverDue(context.Background()); err != nil {
			t.Fatal(err)
		}
		clk.add(time.Minute)
	}
	if len(r.problems) > 0 {
		t.Error(strings.Join(r.problems, "\n"))
	}
	if len(r.attempts) != 2 {
		t.Fatalf("attempts %v, want two notifications", r.attempts)
	}
	for id, as := range r.attempts {
		if fmt.Sprint(as) != "[1 2]" {
			t.Errorf("notification %d sent as attempts %v, want [1 2]", id, as)
		}
	}
	es, _ := e.db.Notifications(context.Background(), store.OutboxFilter{})
	for _, en := range es {
		if en.Status != alerting.StatusSent || en.Attempts != 2 {
			t.Errorf("entry %d: %s after %d attempts, want sent after 2", en.ID, en.Status, en.Attempts)
		}
	}
}
