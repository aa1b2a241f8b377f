package alerts

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/chiso-vn/chiso/alerting"
	"github.com/prometheus/client_golang/prometheus"
)

// Notifiers are the notifiers by receiver name, then integration kind
// (email, webhook, alertmanager).
type Notifiers map[string]map[string]Notifier

// DelivererOptions configure a Deliverer. Zero fields take the defaults
// in brackets.
type DelivererOptions struct {
	Outbox    Outbox    // required
	Notifiers Notifiers // may be replaced later with SetNotifiers
	// Now reads the clock for attempt times [time.Now].
	Now func() time.Time
	// Rand returns a number in [0, 1) that jitters the backoff
	// [math/rand/v2.Float64].
	Rand       func() float64
	Registerer prometheus.Registerer // nil registers nothing
	Logger     *slog.Logger          // nil discards
	// PollInterval is how often the outbox is read when not woken [1s].
	PollInterval time.Duration
	// Timeout bounds one attempt [30s].
	Timeout time.Duration
	// MinBackoff and MaxBackoff bound the wait before a retry, which
	// doubles with each attempt and is jittered by up to half [1s, 5m].
	MinBackoff, MaxBackoff time.Duration
	// MaxAge is how long a failing notification is retried before it is
	// given up (marked dead) [72h].
	MaxAge time.Duration
	// Concurrency is how many attempts run at once [4].
	Concurrency int
}

// Deliverer sends the outbox's due notifications through the receivers'
// notifiers: each attempt is recorded before the send, a success is marked
// sent (and never sent again) right after it, a permanent failure dead, any
// other failure retried with capped exponential backoff. Delivery is at
// least once: a process killed between a send and its mark sends that
// entry again after the restart, with the same Notification.ID for the
// peer to de-duplicate and a higher Notification.Attempt; no other entry is
// sent twice.
type Deliverer struct {
	opts    DelivererOptions
	metrics *deliveryMetrics
	wake    chan struct{}

	mu        sync.Mutex
	notifiers Notifiers

	// pass serialises passes, so that an entry is never attempted twice at
	// once (Run and a DeliverDue on shutdown, say).
	pass sync.Mutex
}

// NewDeliverer returns a deliverer; it does not start delivering (Run does).
func NewDeliverer(opts DelivererOptions) (*Deliverer, error) {
	if opts.Outbox == nil {
		return nil, errors.New("deliverer: an outbox is required")
	}
	setDefaults(&opts)
	dm, err := newDeliveryMetrics(opts.Registerer)
	if err != nil {
		return nil, err
	}
	return &Deliverer{opts: opts, metrics: dm, wake: make(chan struct{}, 1), notifiers: opts.Notifiers}, nil
}

func setDefaults(o *DelivererOptions) {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.PollInterval, time.Second)
	def(&o.Timeout, 30*time.Second)
	def(&o.MinBackoff, time.Second)
	def(&o.MaxBackoff, 5*time.Minute)
	def(&o.MaxAge, 72*time.Hour)
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Rand == nil {
		o.Rand = rand.Float64
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 4
	}
}

// SetNotifiers replaces the notifiers, after a reload.
func (d *Deliverer) SetNotifiers(n Notifiers) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.notifiers = n
}

func (d *Deliverer) notifier(receiver, integration string) Notifier {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.notifiers[receiver][integration]
}

// Wake makes Run read the outbox now rather than at the next poll.
func (d *Deliverer) Wake() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run delivers until ctx is done. A failed pass is logged and retried at
// the next poll.
func (d *Deliverer) Run(ctx context.Context) error {
	t := time.NewTicker(d.opts.PollInterval)
	defer t.Stop()
	for {
		_, full, err := d.deliver(ctx)
		if err != nil && ctx.Err() == nil {
			d.opts.Logger.Error("deliver notifications", "err", err)
		}
		if full && err == nil && ctx.Err() == nil {
			continue // more are due than one pass takes
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-d.wake:
		}
	}
}

// DeliverDue makes one attempt at every entry due now, Concurrency at a
// time, and returns how many were delivered. The daemon calls it once more
// on shutdown, with a deadline, to drain the outbox.
func (d *Deliverer) DeliverDue(ctx context.Context) (int, error) {
	sent, _, err := d.deliver(ctx)
	return sent, err
}

// passSize is how many entries one pass reads.
const passSize = 500

// deliver is one pass; full reports that it read a whole passSize.
func (d *Deliverer) deliver(ctx context.Context) (sent int, full bool, err error) {
	d.pass.Lock()
	defer d.pass.Unlock()
	due, err := d.opts.Outbox.DueNotifications(ctx, d.opts.Now(), passSize, nil)
	if err != nil {
		return 0, false, fmt.Errorf("read outbox: %w", err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	sem := make(chan struct{}, d.opts.Concurrency)
	for _, e := range due {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			ok, err := d.attempt(ctx, e)
			mu.Lock()
			defer mu.Unlock()
			if ok {
				sent++
			}
			if err != nil {
				errs = append(errs, err)
			}
		})
	}
	wg.Wait()
	d.updateQueue(ctx)
	return sent, len(due) == passSize, errors.Join(errs...)
}

// updateQueue refreshes the queue length gauge.
func (d *Deliverer) updateQueue(ctx context.Context) {
	if n, err := d.opts.Outbox.OutboxLength(ctx); err == nil {
		d.metrics.queue.Set(float64(n))
	}
}

// attempt delivers one entry and records the outcome; it reports whether
// the entry was delivered. The error is about recording, not delivery.
func (d *Deliverer) attempt(ctx context.Context, e alerting.OutboxEntry) (bool, error) {
	notifier := d.notifier(e.Receiver, e.Integration)
	n, err := DecodeNotification(e)
	if err == nil && notifier == nil {
		err = Permanent(fmt.Errorf("receiver %s has no %s integration configured", e.Receiver, e.Integration))
	}
	if err == nil {
		var started bool
		if started, err = d.start(ctx, e, n); !started {
			return false, err
		}
		err = d.notify(ctx, notifier, n, e.Integration)
	}
	// The outcome is recorded even when ctx ends: the attempt happened.
	rec, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err == nil {
		_, merr := d.opts.Outbox.MarkNotificationSent(rec, e.ID, d.opts.Now())
		d.metrics.total.WithLabelValues(e.Receiver, e.Integration, OutcomeSuccess).Inc()
		d.metrics.lastSuccess.WithLabelValues(e.Receiver, e.Integration).Set(float64(d.opts.Now().UnixNano()) / 1e9)
		if e.Attempts > 0 {
			d.opts.Logger.Info("notification delivered after retries", "receiver", e.Receiver,
				"integration", e.Integration, "id", e.ID, "attempts", e.Attempts+1, "first_queued", e.CreatedAt)
		}
		return merr == nil, wrapMark(e.ID, merr)
	}
	return false, d.failed(rec, e, err)
}

// start records that an attempt begins, before anything is sent, so that
// after a crash the entries that were in flight are known: found queued
// with attempts, they are the only ones a receiver may get twice. It sets
// the notification's attempt number; false means do not send (the entry
// was sent or given up meanwhile, or the record failed: err).
func (d *Deliverer) start(ctx context.Context, e alerting.OutboxEntry, n *Notification) (bool, error) {
	ok, err := d.opts.Outbox.StartNotificationAttempt(ctx, e.ID)
	if err != nil || !ok {
		return false, err
	}
	if e.Status == alerting.StatusQueued && e.Attempts > 0 {
		d.opts.Logger.Warn("notification was being sent when chiso stopped; sending it again, "+
			"the receiver may get it twice (same idempotency key)", "receiver", e.Receiver,
			"integration", e.Integration, "id", e.ID, "attempt", e.Attempts+1)
	}
	n.Attempt = e.Attempts + 1
	return true, nil
}

// notify calls the notifier with the attempt timeout and times it.
func (d *Deliverer) notify(ctx context.Context, nf Notifier, n *Notification, integration string) error {
	ctx, cancel := context.WithTimeout(ctx, d.opts.Timeout)
	defer cancel()
	start := d.opts.Now()
	err := nf.Notify(ctx, n)
	d.metrics.latency.WithLabelValues(integration).Observe(d.opts.Now().Sub(start).Seconds())
	return err
}

// failed records a failed attempt: dead if permanent or too old, else
// retried after the backoff.
func (d *Deliverer) failed(ctx context.Context, e alerting.OutboxEntry, cause error) error {
	now := d.opts.Now()
	attempts := e.Attempts + 1
	dead := IsPermanent(cause) || now.Sub(e.CreatedAt) >= d.opts.MaxAge
	outcome := OutcomeRetry
	if dead {
		outcome = OutcomeDead
	}
	d.metrics.total.WithLabelValues(e.Receiver, e.Integration, outcome).Inc()
	d.opts.Logger.Warn("notification failed", "receiver", e.Receiver, "integration", e.Integration,
		"id", e.ID, "attempts", attempts, "dead", dead, "err", cause)
	next := now.Add(d.backoff(attempts))
	return wrapMark(e.ID, d.opts.Outbox.MarkNotificationFailed(ctx, e.ID, attempts, next, cause.Error(), dead))
}

// backoff is the wait after the n-th failed attempt: MinBackoff doubled
// n-1 times, capped at MaxBackoff, then jittered down by up to half.
func (d *Deliverer) backoff(n int) time.Duration {
	b := d.opts.MinBackoff
	for i := 1; i < n && b < d.opts.MaxBackoff; i++ {
		b *= 2
	}
	b = min(b, d.opts.MaxBackoff)
	return b/2 + time.Duration(d.opts.Rand()*float64(b/2))
}

func wrapMark(id int64, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("record delivery of notification %d: %w", id, err)
}
