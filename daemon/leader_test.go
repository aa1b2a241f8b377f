package daemon

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/chiso-vn/chiso/alerting"
	"github.com/chiso-vn/chiso/store"
)

// The alert writes that act as leader are refused off the leader, during
// a take-over only the take-over writes, and a lapsed deadline refuses at
// once, before the leading context has ended.
func TestAlertWritesAreFencedByTheLeadership(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "chiso.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	queue := alerting.Batch{Queue: []alerting.OutboxEntry{{Receiver: "r", Integration: "webhook", GroupKey: "g",
		Reason: alerting.ReasonFiring, Payload: []byte(`{}`), NextAttempt: now, Status: alerting.StatusQueued, CreatedAt: now}}}
	var lead leadership
	fenced := fencedStore{AlertStore: db, lead: &lead}

	if err := fenced.ApplyAlertChanges(ctx, queue); !errors.Is(err, errNotLeading) {
		t.Fatalf("a follower's write: %v, want errNotLeading", err)
	}
	if n, _ := db.OutboxLength(ctx); n != 0 {
		t.Fatalf("a follower's refused write queued %d notifications", n)
	}
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	lead.set(lctx) // taking over: the take-over writes
	if err := fenced.ApplyAlertChanges(ctx, queue); err != nil {
		t.Fatalf("a take-over's write: %v", err)
	}
	if _, ok := lead.current(); ok {
		t.Error("current during the take-over; want not until take")
	}
	lead.take()
	due, err := db.DueNotifications(ctx, now, 10, nil)
	if err != nil || len(due) != 1 {
		t.Fatalf("due: %v %v", due, err)
	}
	if ok, err := fenced.StartNotificationAttempt(ctx, due[0].ID); !ok || err != nil {
		t.Fatalf("the leader's attempt: %v %v", ok, err)
	}
	// the deadline passes (a paused process wakes): refused at once
	lapsed := false
	lead.mu.Lock()
	lead.holds = func() bool { return !lapsed }
	lead.mu.Unlock()
	lapsed = true
	if ok, err := fenced.StartNotificationAttempt(ctx, due[0].ID); ok || err != nil {
		t.Errorf("an attempt past the deadline: %v %v, want false", ok, err)
	}
	if err := fenced.ApplyAlertChanges(ctx, queue); !errors.Is(err, errNotLeading) {
		t.Errorf("a write past the deadline: %v, want errNotLeading", err)
	}
	lapsed = false
	cancel() // the leadership ends
	if ok, _ := fenced.StartNotificationAttempt(ctx, due[0].ID); ok {
		t.Error("an attempt after the leadership ended was allowed")
	}
}
