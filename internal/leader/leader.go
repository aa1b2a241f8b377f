// Package leader elects one leader among the daemons that share a
// PostgreSQL database, with a lease row: the leader renews it before it
// runs out; another daemon takes it only once it has run out by the
// database's clock.
//
// A leader that cannot renew (its connection cut, the server gone, the
// process starved) stops acting before its lease runs out: it measures
// its own deadline on the local monotonic clock from the moment it sent
// its last successful renewal, minus a margin, so that it has stopped
// before the database lets anyone else in. No two clocks are compared: the
// database alone decides when a lease has run out, and each daemon only
// measures elapsed time.
//
//	leader_lease(name, holder, term, acquired_at, renewed_at, expires_at, url)
//
// term grows by one with every new leadership; it names a leadership in
// logs and metrics.
package leader

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// The defaults of Options.
const (
	DefaultLease = 10 * time.Second
	DefaultName  = "chiso"
)

// schemaLock is the key of the advisory lock held while the lease table is
// created, so that daemons starting together do not race on it.
const schemaLock int64 = 0x63686973_6f000101

const schema = `CREATE TABLE IF NOT EXISTS leader_lease (
	name        text PRIMARY KEY,
	holder      text NOT NULL,
	term        bigint NOT NULL,
	acquired_at timestamptz NOT NULL,
	renewed_at  timestamptz NOT NULL,
	expires_at  timestamptz NOT NULL,
	url         text NOT NULL DEFAULT ''
)`

// Options configure an Elector. Zero durations take their defaults.
type Options struct {
	// DSN is the database's connection string. The elector keeps one
	// connection of its own, so that a busy pool never delays a renewal.
	DSN string
	// Name names the lease: daemons campaigning under the same name on the
	// same database elect one leader [DefaultName].
	Name string
	// Holder identifies this daemon in the lease row and in logs; it must
	// differ between daemons (host, process id and a random part).
	Holder string
	// URL is where the other daemons reach this one's HTTP API while it
	// leads (they forward what only the leader may do); "" for none.
	URL string
	// Lease is how long a renewal holds the lease, by the database's clock
	// [DefaultLease]. A failed leader is replaced within about Lease plus
	// Renew.
	Lease time.Duration
	// Renew is how often the leader renews and a follower tries to take
	// the lease [Lease/3].
	Renew time.Duration
	// Margin is how long before its lease runs out a leader that could not
	// renew stops acting, on its own monotonic clock [Lease/5]. It covers
	// the time leading work takes to stop and the drift between the clocks'
	// rates.
	Margin time.Duration
	// Logger receives the changes of leadership and failed renewals; nil
	// discards.
	Logger *slog.Logger
}

// Check returns what is wrong with the durations, with the defaults
// applied: each must be positive, Renew and Margin together shorter than
// Lease so that a leader gets at least one more try at renewing before it
// stops.
func (o Options) Check() error {
	o.defaults()
	switch {
	case o.Lease <= 0 || o.Renew <= 0 || o.Margin <= 0:
		return fmt.Errorf("lease %s, renew %s and margin %s must be positive", o.Lease, o.Renew, o.Margin)
	case o.Renew+o.Margin >= o.Lease:
		return fmt.Errorf("renew %s plus margin %s must be shorter than the lease %s", o.Renew, o.Margin, o.Lease)
	}
	return nil
}

func (o *Options) defaults() {
	if o.Name == "" {
		o.Name = DefaultName
	}
	if o.Lease == 0 {
		o.Lease = DefaultLease
	}
	if o.Renew == 0 {
		o.Renew = o.Lease / 3
	}
	if o.Margin == 0 {
		o.Margin = o.Lease / 5
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// Elector campaigns for the lease and runs the caller's leading work while
// it holds it. New opens nothing; Run connects.
type Elector struct {
	opts Options

	mu       sync.Mutex
	conn     *pgx.Conn // nil until connected, and after an error
	leading  bool
	deadline time.Time // while leading: when it stops, on the monotonic clock
	term     int64
	holder   string // the holder last seen in the lease row
	url      string // its URL
}

// ErrLost is the cause of a leading context that ended because the lease
// could not be renewed in time, or was found taken.
var ErrLost = errors.New("leadership lost")

// New returns an elector; it checks the options and touches nothing.
func New(opts Options) (*Elector, error) {
	opts.defaults()
	if opts.DSN == "" {
		return nil, errors.New("leader: a database connection string is required")
	}
	if opts.Holder == "" {
		return nil, errors.New("leader: a holder name is required")
	}
	if err := opts.Check(); err != nil {
		return nil, fmt.Errorf("leader: %w", err)
	}
	return &Elector{opts: opts}, nil
}

// Options returns the options with their defaults.
func (e *Elector) Options() Options { return e.opts }

// Status is what this daemon knows of the leadership.
type Status struct {
	Leading bool
	Term    int64  // this daemon's term while Leading, else the last seen
	Holder  string // the holder of the lease when last read; "" if unknown
	URL     string // the holder's URL; "" if unknown or none
}

// Holds reports whether this daemon leads and its deadline has not
// passed, reading the monotonic clock now rather than waiting for the
// leading context to end: a process paused past its deadline (stopped,
// swapped out) sees at once on waking that it must not act, before the
// timer that ends the context has run. Check it right before acting.
func (e *Elector) Holds() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.leading && time.Now().Before(e.deadline)
}

// Status returns what this daemon knows of the leadership now.
func (e *Elector) Status() Status {
	e.mu.Lock()
	defer e.mu.Unlock()
	return Status{Leading: e.leading, Term: e.term, Holder: e.holder, URL: e.url}
}

// Run campaigns until ctx ends. Each time it wins the lease it calls lead
// with a context that ends when the lease is lost (cause ErrLost) or ctx
// ends, and waits for lead to return before it campaigns again: lead must
// stop acting as soon as its context ends, within Margin. When ctx ends
// while leading, the lease is given up once lead has returned, so that
// another daemon takes over at once. Run returns nil after ctx ends.
func (e *Elector) Run(ctx context.Context, lead func(ctx context.Context, term int64)) error {
	defer e.closeConn()
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		start := time.Now()
		term, ok, err := e.acquire(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			e.opts.Logger.Warn("leader election: cannot reach the database", "err", err)
		case ok:
			e.hold(ctx, term, start.Add(e.opts.Lease-e.opts.Margin), lead)
		}
		t.Reset(e.opts.Renew)
	}
}

// hold runs lead while the lease is renewed in time, then gives it up if
// ctx ended.
func (e *Elector) hold(ctx context.Context, term int64, deadline time.Time, lead func(context.Context, int64)) {
	lctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	// the deadline fires on the monotonic clock, whatever happens to the
	// renewals; a renewal in time moves it
	expiry := time.AfterFunc(time.Until(deadline), func() { cancel(ErrLost) })
	e.setDeadline(deadline)
	e.setLeading(true, term)
	e.opts.Logger.Info("leading", "holder", e.opts.Holder, "term", term)
	done := make(chan struct{})
	go func() {
		defer close(done)
		lead(lctx, term)
	}()
	e.renewLoop(lctx, term, deadline, expiry, cancel)
	expiry.Stop()
	cancel(nil)
	<-done
	e.setLeading(false, term)
	cause := context.Cause(lctx)
	if ctx.Err() != nil {
		e.release(term)
		e.opts.Logger.Info("stopped leading: shutting down; lease given up", "holder", e.opts.Holder, "term", term)
		return
	}
	e.opts.Logger.Warn("stopped leading", "holder", e.opts.Holder, "term", term, "err", cause)
}

// renewLoop renews the lease every Renew, or sooner after a failed
// renewal, until lctx ends. A renewal moves the deadline to Lease minus
// Margin after the moment it was sent, not after its answer: the database
// read its clock later than that.
func (e *Elector) renewLoop(lctx context.Context, term int64, deadline time.Time, expiry *time.Timer, cancel context.CancelCauseFunc) {
	wait := e.opts.Renew
	for {
		select {
		case <-lctx.Done():
			return
		case <-time.After(wait):
		}
		sent := time.Now()
		rctx, stop := context.WithDeadline(lctx, deadline)
		ok, err := e.renew(rctx, term)
		stop()
		switch {
		case err != nil:
			if lctx.Err() == nil {
				e.opts.Logger.Warn("leader election: renewal failed; retrying", "term", term,
					"left", time.Until(deadline).Round(time.Millisecond), "err", err)
			}
			wait = max(e.opts.Renew/4, 50*time.Millisecond)
			continue
		case !ok:
			cancel(fmt.Errorf("%w: the lease of term %d is no longer ours", ErrLost, term))
			return
		}
		next := sent.Add(e.opts.Lease - e.opts.Margin)
		if !expiry.Stop() {
			return // the deadline passed while the renewal ran: lctx is ending
		}
		deadline = next
		e.setDeadline(deadline)
		expiry.Reset(time.Until(deadline))
		wait = e.opts.Renew
	}
}

func (e *Elector) setDeadline(t time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.deadline = t
}

func (e *Elector) setLeading(leading bool, term int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.leading, e.term = leading, term
	if leading {
		e.holder, e.url = e.opts.Holder, e.opts.URL
	}
}

// micros is a duration in microseconds, as the lease statements take it.
func micros(d time.Duration) int64 { return d.Microseconds() }

// acquire takes the lease if it is free (run out by the database's clock)
// or already this daemon's, and returns the new term.
func (e *Elector) acquire(ctx context.Context) (int64, bool, error) {
	ctx, cancel := context.WithTimeout(ctx, e.opts.Renew)
	defer cancel()
	var term int64
	var holder, url string
	err := e.with(ctx, func(c *pgx.Conn) error {
		err := c.QueryRow(ctx, `
			INSERT INTO leader_lease AS l (name, holder, term, acquired_at, renewed_at, expires_at, url)
			VALUES ($1, $2, 1, now(), now(), now() + $3 * interval '1 microsecond', $4)
			ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, term = l.term + 1,
				acquired_at = now(), renewed_at = now(), expires_at = excluded.expires_at, url = excluded.url
			WHERE l.expires_at <= now() OR l.holder = excluded.holder
			RETURNING term`, e.opts.Name, e.opts.Holder, micros(e.opts.Lease), e.opts.URL).Scan(&term)
		if errors.Is(err, pgx.ErrNoRows) {
			return c.QueryRow(ctx, `SELECT holder, term, url FROM leader_lease WHERE name = $1`, e.opts.Name).Scan(&holder, &term, &url)
		}
		holder, url = e.opts.Holder, e.opts.URL
		return err
	})
	if err != nil {
		return 0, false, err
	}
	e.mu.Lock()
	e.holder, e.url = holder, url
	if holder != e.opts.Holder {
		e.term = term
	}
	e.mu.Unlock()
	return term, holder == e.opts.Holder, nil
}

// renew extends the lease of term; false means it is no longer ours.
func (e *Elector) renew(ctx context.Context, term int64) (bool, error) {
	var n int64
	err := e.with(ctx, func(c *pgx.Conn) error {
		tag, err := c.Exec(ctx, `UPDATE leader_lease SET renewed_at = now(), expires_at = now() + $4 * interval '1 microsecond'
			WHERE name = $1 AND holder = $2 AND term = $3`, e.opts.Name, e.opts.Holder, term, micros(e.opts.Lease))
		n = tag.RowsAffected()
		return err
	})
	return n == 1, err
}

// release ends the lease of term at once, after leading work stopped, so
// that another daemon need not wait for it to run out.
func (e *Elector) release(term int64) {
	ctx, cancel := context.WithTimeout(context.Background(), e.opts.Renew)
	defer cancel()
	err := e.with(ctx, func(c *pgx.Conn) error {
		_, err := c.Exec(ctx, `UPDATE leader_lease SET expires_at = now() WHERE name = $1 AND holder = $2 AND term = $3`,
			e.opts.Name, e.opts.Holder, term)
		return err
	})
	if err != nil {
		e.opts.Logger.Warn("leader election: could not give up the lease; it runs out by itself", "term", term, "err", err)
	}
}

// with runs f on the elector's connection, connecting first if needed; an
// error closes the connection, so the next call starts on a new one.
func (e *Elector) with(ctx context.Context, f func(*pgx.Conn) error) error {
	e.mu.Lock()
	c := e.conn
	e.mu.Unlock()
	if c == nil {
		var err error
		if c, err = e.connect(ctx); err != nil {
			return err
		}
	}
	if err := f(c); err != nil {
		e.closeConn()
		return err
	}
	return nil
}

func (e *Elector) connect(ctx context.Context) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(e.opts.DSN)
	if err != nil {
		return nil, fmt.Errorf("leader election: %w", err)
	}
	cfg.RuntimeParams["application_name"] = "chiso leader election"
	// a renewal acknowledged must survive a crash of the server, whatever
	// the server's default: a lost renewal would let another daemon in
	// while this one still leads
	cfg.RuntimeParams["synchronous_commit"] = "on"
	c, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := pgx.BeginFunc(ctx, c, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, schemaLock); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, schema)
		return err
	}); err != nil {
		c.Close(context.Background())
		return nil, fmt.Errorf("create the lease table: %w", err)
	}
	e.mu.Lock()
	e.conn = c
	e.mu.Unlock()
	return c, nil
}

func (e *Elector) closeConn() {
	e.mu.Lock()
	c := e.conn
	e.conn = nil
	e.mu.Unlock()
	if c != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		c.Close(ctx)
	}
}
