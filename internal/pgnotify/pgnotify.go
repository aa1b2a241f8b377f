// Package pgnotify listens to a PostgreSQL notification channel on a
// connection of its own, reconnecting after any failure. A notification
// sent while the listener was disconnected is lost, as PostgreSQL does not
// keep them: the listener says when it has (re)connected, so that the
// caller reads what it may have missed.
package pgnotify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Event is what the listener hands to its caller: a notification's
// payload, or (Connected) the news that the listener is (again) listening
// and notifications sent before may have been missed.
type Event struct {
	Payload   string
	Connected bool
}

// Options configure a Listener. Zero fields take the defaults in
// brackets.
type Options struct {
	DSN     string // required
	Channel string // required; an SQL identifier
	// MinBackoff and MaxBackoff bound the wait between two attempts to
	// connect, doubling after each failure [100ms, 5s].
	MinBackoff, MaxBackoff time.Duration
	// Ping is how often an idle connection is checked, so that a
	// connection cut without a word is noticed [5s].
	Ping   time.Duration
	Logger *slog.Logger // nil discards
}

// Listener listens on one channel.
type Listener struct{ opts Options }

// New returns a listener; it connects in Run.
func New(opts Options) (*Listener, error) {
	if opts.DSN == "" || opts.Channel == "" {
		return nil, errors.New("pgnotify: a connection string and a channel are required")
	}
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = 100 * time.Millisecond
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = 5 * time.Second
	}
	if opts.Ping <= 0 {
		opts.Ping = 5 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Listener{opts: opts}, nil
}

// Run listens until ctx ends, calling fn for every notification and after
// every (re)connection, on one goroutine. It returns nil after ctx ends.
func (l *Listener) Run(ctx context.Context, fn func(Event)) error {
	wait := l.opts.MinBackoff
	for ctx.Err() == nil {
		start := time.Now()
		err := l.session(ctx, fn)
		if ctx.Err() != nil {
			return nil
		}
		if time.Since(start) > l.opts.MaxBackoff {
			wait = l.opts.MinBackoff // it had been listening a while: reconnect soon
		}
		l.opts.Logger.Warn("notifications: listening stopped; reconnecting", "channel", l.opts.Channel, "in", wait, "err", err)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		wait = min(2*wait, l.opts.MaxBackoff)
	}
	return nil
}

// session connects, listens and hands notifications to fn until the
// connection fails or ctx ends.
func (l *Listener) session(ctx context.Context, fn func(Event)) error {
	cfg, err := pgx.ParseConfig(l.opts.DSN)
	if err != nil {
		return err
	}
	cfg.RuntimeParams["application_name"] = "chiso notifications"
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		conn.Close(cctx)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{l.opts.Channel}.Sanitize()); err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	fn(Event{Connected: true})
	for {
		wctx, cancel := context.WithTimeout(ctx, l.opts.Ping)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case err == nil:
			fn(Event{Payload: n.Payload})
		case ctx.Err() != nil:
			return nil
		case errors.Is(err, context.DeadlineExceeded):
			// idle: make sure the connection still answers (a timeout
			// may have closed it, which Ping reports)
			if err := conn.Ping(ctx); err != nil {
				return err
			}
		default:
			return err
		}
	}
}

// Execer runs a statement: *pgx.Conn, *pgxpool.Pool and pgx.Tx are.
type Execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// Notify sends payload on channel through q (a pool, a connection or a
// transaction; in a transaction it is sent at commit).
func Notify(ctx context.Context, q Execer, channel, payload string) error {
	_, err := q.Exec(ctx, `SELECT pg_notify($1, $2)`, channel, payload)
	return err
}

// Sender sends notifications on a connection of its own, opened at the
// first send and again after a failure. It is safe for concurrent use.
type Sender struct {
	dsn  string
	mu   sync.Mutex
	conn *pgx.Conn
}

// NewSender returns a sender to the database at dsn; it connects at the
// first Send.
func NewSender(dsn string) *Sender { return &Sender{dsn: dsn} }

// Send sends payload on channel. After a failure on a connection that had
// worked it tries once more on a new one: the server may have restarted
// since the last send.
func (s *Sender) Send(ctx context.Context, channel, payload string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for try := 0; ; try++ {
		fresh := s.conn == nil
		if fresh {
			cfg, err := pgx.ParseConfig(s.dsn)
			if err != nil {
				return err
			}
			cfg.RuntimeParams["application_name"] = "chiso notify"
			if s.conn, err = pgx.ConnectConfig(ctx, cfg); err != nil {
				return err
			}
		}
		err := Notify(ctx, s.conn, channel, payload)
		if err == nil {
			return nil
		}
		s.closeLocked()
		if fresh || try > 0 || ctx.Err() != nil {
			return err
		}
	}
}

// Close closes the connection, if any.
func (s *Sender) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closeLocked()
}

func (s *Sender) closeLocked() {
	if s.conn == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	s.conn.Close(ctx)
	s.conn = nil
}
