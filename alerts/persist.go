package alerts

import (
	"context"
	"time"

	"github.com/chiso-vn/chiso"
)

// EventKind says what an Event records.
type EventKind string

// The event kinds of an alert's history.
const (
	EventTransition   EventKind = "transition"   // the state changed
	EventAcknowledged EventKind = "acknowledged" // a data steward acknowledged it
	EventAckLapsed    EventKind = "ack_lapsed"   // the data got a new revision
)

// Event is one entry of an alert's history.
type Event struct {
	ID          int64 // store sequence; zero before it is stored
	Fingerprint string
	At          time.Time
	Kind        EventKind
	From, To    chiso.AlertState // From is empty for a new alert
	Labels      map[string]string
	Value       float64 // the finding's value; NaN if none
	DataID      int64
	Note        string // for acknowledgements: kind, who and the comment
}

// Change is one alert to write: its new state, or its removal.
type Change struct {
	Alert  chiso.Alert
	Delete bool // forget the alert (resolved longer than the retention)
}

// OutboxStatus is where a notification is in its delivery.
type OutboxStatus string

// The outbox statuses.
const (
	StatusQueued OutboxStatus = "queued" // not yet tried, or being tried (Attempts > 0)
	StatusFailed OutboxStatus = "failed" // tried, will be retried at NextAttempt
	StatusSent   OutboxStatus = "sent"   // delivered; never sent again
	StatusDead   OutboxStatus = "dead"   // given up: a permanent failure or too old
)

// OutboxEntry is a notification for one integration of one receiver.
type OutboxEntry struct {
	ID          int64
	Receiver    string
	Integration string // email, webhook or alertmanager
	GroupKey    string
	Reason      Reason
	Payload     []byte // EncodeNotification's JSON
	Attempts    int
	NextAttempt time.Time
	Status      OutboxStatus
	LastError   string
	CreatedAt   time.Time
	SentAt      time.Time // zero until sent
}

// LogEntry is what was last queued for a receiver's group, for de-duplication
// and repeat_interval. It is written in the same transaction as the
// notification, so a restart neither loses nor repeats one.
type LogEntry struct {
	Receiver, GroupKey string
	Firing, Resolved   []string  // fingerprints, sorted
	At                 time.Time // when it was queued
	SentAt             time.Time // when a delivery last succeeded; zero if none yet
}

// Batch is what one decision writes, all or nothing.
type Batch struct {
	Changes []Change
	Events  []Event
	Acks    []chiso.Acknowledgement
	Queue   []OutboxEntry
	Log     []LogEntry
}

// Empty reports whether the batch writes nothing.
func (b *Batch) Empty() bool {
	return len(b.Changes)+len(b.Events)+len(b.Acks)+len(b.Queue)+len(b.Log) == 0
}

// HistoryFilter selects alert events; zero fields select everything.
type HistoryFilter struct {
	Fingerprint string
	Alertname   string
	Area        string
	Indicator   string
	Kind        EventKind
	Since       time.Time // inclusive
	Until       time.Time // exclusive
	Limit       int       // newest first; zero means 1000
	// After is the last event of the previous page: only events after it
	// in the newest-first order (older ones) are returned; zero starts
	// at the newest.
	After EventPosition
}

// EventPosition is where an event lies in the history's newest-first
// order: by time, then by id.
type EventPosition struct {
	At time.Time
	ID int64
}

// Store keeps alerts, their history, silences and the outbox. The store
// package implements it on SQLite.
type Store interface {
	// LoadAlerts returns every stored alert.
	LoadAlerts(ctx context.Context) ([]chiso.Alert, error)
	// ApplyAlertChanges writes the batch in one transaction: either all of
	// it is stored or none.
	ApplyAlertChanges(ctx context.Context, b Batch) error
	// NotificationLog returns every log entry.
	NotificationLog(ctx context.Context) ([]LogEntry, error)
	// Silences returns every silence, expired ones included.
	Silences(ctx context.Context) ([]Silence, error)
	// SaveSilence inserts a silence (ID zero, which it sets) or updates one.
	SaveSilence(ctx context.Context, s *Silence) error
}

// Outbox is the part of the store the Deliverer uses.
type Outbox interface {
	// DueNotifications returns up to limit queued or failed entries whose
	// next attempt is at or before now, oldest first, leaving out the ids
	// in skip.
	DueNotifications(ctx context.Context, now time.Time, limit int, skip []int64) ([]OutboxEntry, error)
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
