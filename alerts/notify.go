// Package alerts turns findings into alerts (pending → firing → resolved),
// routes them to receivers through a tree of routes like Alertmanager's,
// and delivers notifications from a persisted outbox so that nothing is lost
// and nothing is sent twice.
package alerts

import (
	"context"
	"errors"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/alerting"
)

// Notification is one message to one receiver about one group of alerts.
// It is stored in the outbox before delivery is attempted.
type Notification struct {
	ID int64 // outbox id: the idempotency key of the delivery
	// Attempt numbers the deliveries of this notification from 1; above 1
	// the receiver may have got it before (a failure it did not see, or a
	// crash between the send and its record).
	Attempt  int
	Receiver string
	// Integration is the receiver's integration the entry is for: email,
	// webhook or alertmanager.
	Integration string
	GroupKey    string            // the route path and group labels
	GroupLabels map[string]string // the labels the group is grouped by
	Reason      alerting.Reason
	// Alerts are the group's alerts as of the notification: firing ones and
	// the ones resolved since the previous notification.
	Alerts []chiso.Alert
	// Muted are the alerts notified firing before that have been muted
	// since (acknowledged, silenced or inhibited) and still fire. Only the
	// Alertmanager integration uses them: it sends them resolved.
	Muted []chiso.Alert
	// Digest is set for digest receivers: what happened in the window.
	Digest *Digest
	// Recipients are the e-mail addresses resolved from the route and the
	// alerts' labels (e.g. the department head of the alert's province):
	// the message's To.
	Recipients []string
	// Cc are the addresses copied (a department's cc), none of them in
	// Recipients: the same message, not one of their own.
	Cc          []string
	ExternalURL string // the daemon's URL for links; empty if unknown
	// Lang is the language the alerts' finding messages and annotations
	// are written in (vi or en); empty: not known, taken as vi. A receiver
	// in another language writes its own sentences from the findings'
	// fields instead.
	Lang string
	// RepeatInterval is the route's repeat_interval: a firing alert is
	// notified again at least this often (an Alertmanager client can set
	// endsAt beyond it); Never (-1) when repeats are off, zero for digests
	// and tests.
	RepeatInterval time.Duration
	CreatedAt      time.Time // when the notification was queued
}

// Digest lists what happened to a receiver's alerts in a window.
type Digest struct {
	From, To     time.Time
	Fired        []chiso.Alert // started firing in the window
	StillFiring  []chiso.Alert // firing before the window and still firing
	Resolved     []chiso.Alert // resolved in the window
	Acknowledged []chiso.Alert // acknowledged in the window
}

// Notifier delivers notifications to one receiver. Notify may be called
// again with the same Notification after a failure or a restart: a notifier
// whose peer can de-duplicate passes ID along (webhook header, Message-ID).
// An error wrapped with Permanent is not retried; any other error is.
type Notifier interface {
	Notify(ctx context.Context, n *Notification) error
}

// permanentError marks a failure that retrying cannot fix.
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// Permanent marks err as a failure that retrying cannot fix (an SMTP 5xx, an
// HTTP 4xx); nil stays nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err}
}

// IsPermanent reports whether err, or an error it wraps, was marked with
// Permanent.
func IsPermanent(err error) bool {
	var p permanentError
	return errors.As(err, &p)
}
