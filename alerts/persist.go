package alerts

import (
	"context"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/alerting"
)

// Store keeps alerts, their history, silences and the outbox. The store
// package implements it on SQLite; store/storetest holds any
// implementation to these contracts.
type Store interface {
	// LoadAlerts returns every stored alert.
	LoadAlerts(ctx context.Context) ([]chiso.Alert, error)
	// ApplyAlertChanges writes the batch in one transaction: either all of
	// it is stored or none.
	ApplyAlertChanges(ctx context.Context, b alerting.Batch) error
	// NotificationLog returns every log entry.
	NotificationLog(ctx context.Context) ([]alerting.LogEntry, error)
	// Silences returns every silence, expired ones included.
	Silences(ctx context.Context) ([]alerting.Silence, error)
	// SaveSilence inserts a silence (ID zero, which it sets) or updates one.
	SaveSilence(ctx context.Context, s *alerting.Silence) error
}

// Outbox is the part of the store the Deliverer uses. Delivery is at
// least once: an entry whose attempt began and was never marked (the
// process stopped during a send) is due again, its attempt counted, and is
// never lost; an entry marked sent is never due again.
type Outbox interface {
	// DueNotifications returns up to limit queued or failed entries whose
	// next attempt is at or before now, oldest first, leaving out the ids
	// in skip.
	DueNotifications(ctx context.Context, now time.Time, limit int, skip []int64) ([]alerting.OutboxEntry, error)
	// StartNotificationAttempt records, before a send, that an attempt
	// begins: attempts+1, status queued. It reports false if the entry is
	// no longer to be sent.
	StartNotificationAttempt(ctx context.Context, id int64) (bool, error)
	// MarkNotificationSent marks an entry sent and stamps its log entry;
	// it reports false if the entry was already sent.
	MarkNotificationSent(ctx context.Context, id int64, at time.Time) (bool, error)
	// MarkNotificationFailed records a failed attempt: retried at next, or
	// dead.
	MarkNotificationFailed(ctx context.Context, id int64, attempts int, next time.Time, msg string, dead bool) error
	// OutboxLength counts the entries not yet sent nor dead.
	OutboxLength(ctx context.Context) (int, error)
}
