package alerting

import "time"

// Reason says why a notification is sent.
type Reason string

// The reasons.
const (
	ReasonFiring   Reason = "firing"   // new alerts fired in the group
	ReasonResolved Reason = "resolved" // alerts of the group resolved
	ReasonRepeat   Reason = "repeat"   // nothing changed; repeat_interval passed
	ReasonDigest   Reason = "digest"   // a scheduled digest
	ReasonTest     Reason = "test"     // chiso alerts test-receiver
	// ReasonMuted carries only alerts muted since the last notification
	// (acknowledged, silenced, inhibited); it is queued for Alertmanager
	// integrations alone, which send them resolved.
	ReasonMuted Reason = "muted"
)

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
