package leader

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chiso-vn/chiso/internal/pgtest"
	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// testLease is short, so that the tests see several terms in seconds.
const testLease = time.Second

// span is one leadership as its lead function saw it, on this process's
// monotonic clock.
type span struct {
	holder     string
	term       int64
	start, end time.Time
	cause      error
}

// timeline records every leadership of the electors of a test.
type timeline struct {
	mu    sync.Mutex
	spans []span
}

// lead returns the lead function of holder: it records when it starts
// and when its context ends.
func (tl *timeline) lead(holder string) func(context.Context, int64) {
	return func(ctx context.Context, term int64) {
		tl.mu.Lock()
		i := len(tl.spans)
		tl.spans = append(tl.spans, span{holder: holder, term: term, start: time.Now()})
		tl.mu.Unlock()
		<-ctx.Done()
		tl.mu.Lock()
		tl.spans[i].end, tl.spans[i].cause = time.Now(), context.Cause(ctx)
		tl.mu.Unlock()
	}
}

func (tl *timeline) snapshot() []span {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	return append([]span(nil), tl.spans...)
}

// current returns the holders leading now.
func (tl *timeline) current() []string {
	var out []string
	for _, s := range tl.snapshot() {
		if s.end.IsZero() {
			out = append(out, s.holder)
		}
	}
	return out
}

// checkNoOverlap fails the test if two leaderships overlapped: each must
// have ended before the next began.
func (tl *timeline) checkNoOverlap(t *testing.T) {
	t.Helper()
	spans := tl.snapshot()
	sort.Slice(spans, func(i, j int) bool { return spans[i].start.Before(spans[j].start) })
	for i := 1; i < len(spans); i++ {
		prev, cur := spans[i-1], spans[i]
		if prev.end.IsZero() || !prev.end.Before(cur.start) {
			t.Errorf("%s (term %d) began at %s while %s (term %d) still led (ended %s)",
				cur.holder, cur.term, cur.start.Format("15:04:05.000"), prev.holder, prev.term, fmtTime(prev.end))
		}
		if cur.term <= prev.term {
			t.Errorf("term %d of %s follows term %d of %s: terms must grow", cur.term, cur.holder, prev.term, prev.holder)
		}
	}
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "not yet"
	}
	return t.Format("15:04:05.000")
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) time.Time {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: %s", within, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return time.Now()
}

// campaign starts an elector for holder on dsn; it stops when the test
// ends or stop is called.
type campaigner struct {
	e    *Elector
	stop context.CancelFunc
	done chan struct{}
}

func campaign(t *testing.T, dsn, holder string, tl *timeline) *campaigner {
	t.Helper()
	e, err := New(Options{DSN: dsn, Holder: holder, Lease: testLease})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &campaigner{e: e, stop: cancel, done: make(chan struct{})}
	go func() {
		defer close(c.done)
		if err := e.Run(ctx, tl.lead(holder)); err != nil {
			t.Errorf("%s: %v", holder, err)
		}
	}()
	t.Cleanup(func() { cancel(); <-c.done })
	return c
}

// lease reads the lease row.
func lease(t *testing.T, dsn string) (holder string, term int64, held time.Duration) {
	t.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	var micros int64
	err = c.QueryRow(ctx, `SELECT holder, term, (extract(epoch FROM renewed_at - acquired_at) * 1e6)::bigint
		FROM leader_lease WHERE name = $1`, DefaultName).Scan(&holder, &term, &micros)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", 0, 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return holder, term, time.Duration(micros) * time.Microsecond
}

func TestOneLeaderRenewsItsLease(t *testing.T) {
	dsn := pgtest.New(t)
	tl := &timeline{}
	cs := map[string]*campaigner{}
	for _, h := range []string{"a", "b", "c"} {
		cs[h] = campaign(t, dsn, h, tl)
	}
	waitFor(t, 5*time.Second, "a leader", func() bool { return len(tl.current()) == 1 })
	first := tl.current()[0]
	for h, c := range cs {
		if got := c.e.Holds(); got != (h == first) {
			t.Errorf("%s.Holds() = %v while %s leads", h, got, first)
		}
	}
	// the same term renewed over three leases: nobody took it meanwhile
	waitFor(t, 10*time.Second, "the lease renewed for three lease lengths", func() bool {
		h, _, held := lease(t, dsn)
		return h == first && held >= 3*testLease
	})
	if cur := tl.current(); len(cur) != 1 || cur[0] != first {
		t.Fatalf("leading now: %v, want only %s", cur, first)
	}
	if n := len(tl.snapshot()); n != 1 {
		t.Errorf("%d leaderships, want 1: %+v", n, tl.snapshot())
	}
	tl.checkNoOverlap(t)
}

func TestShutdownHandsOver(t *testing.T) {
	dsn := pgtest.New(t)
	tl := &timeline{}
	cs := map[string]*campaigner{}
	for _, h := range []string{"a", "b"} {
		cs[h] = campaign(t, dsn, h, tl)
	}
	waitFor(t, 5*time.Second, "a leader", func() bool { return len(tl.current()) == 1 })
	old := tl.current()[0]
	stopped := time.Now()
	cs[old].stop()
	<-cs[old].done
	// the lease was given up: the other takes it at its next try, not
	// after the lease runs out
	took := waitFor(t, 5*time.Second, "the other leads", func() bool {
		cur := tl.current()
		return len(cur) == 1 && cur[0] != old
	}).Sub(stopped)
	if renew := testLease / 3; took > renew+300*time.Millisecond {
		t.Errorf("handover took %s, want about the renew interval %s", took, renew)
	}
	tl.checkNoOverlap(t)
}

// roleDSN creates a login role and returns dsn connecting as it.
func roleDSN(t *testing.T, dsn, role string) string {
	t.Helper()
	c := pgtest.Shared(t)
	if err := c.Exec(context.Background(), fmt.Sprintf("CREATE ROLE %s LOGIN SUPERUSER", role)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = c.Exec(context.Background(), fmt.Sprintf("DROP ROLE IF EXISTS %s", role))
	})
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.User(role)
	return u.String()
}

// partition cuts role's sessions and refuses it new ones: the daemon
// behind it is cut from the database as by a network partition.
func partition(t *testing.T, role string) {
	t.Helper()
	ctx := context.Background()
	c := pgtest.Shared(t)
	if err := c.Exec(ctx, fmt.Sprintf("ALTER ROLE %s NOLOGIN", role)); err != nil {
		t.Fatal(err)
	}
	if err := c.Exec(ctx, `SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity WHERE usename = $1`, role); err != nil {
		t.Fatal(err)
	}
}

func TestPartitionedLeaderStopsBeforeAnotherStarts(t *testing.T) {
	dsn := pgtest.New(t)
	tl := &timeline{}
	roles := map[string]string{}
	for _, h := range []string{"a", "b", "c"} {
		role := fmt.Sprintf("lt_%s_%d", h, os.Getpid())
		roles[h] = role
		campaign(t, roleDSN(t, dsn, role), h, tl)
	}
	waitFor(t, 5*time.Second, "a leader", func() bool { return len(tl.current()) == 1 })
	old := tl.current()[0]
	cut := time.Now()
	partition(t, roles[old])
	took := waitFor(t, 5*time.Second, "another leads", func() bool {
		cur := tl.current()
		return len(cur) == 1 && cur[0] != old
	}).Sub(cut)
	if limit := testLease + testLease/3 + 500*time.Millisecond; took > limit {
		t.Errorf("the new leader took %s after the partition, want within lease+renew (%s)", took, limit)
	}
	tl.checkNoOverlap(t)
	var oldSpan span
	for _, s := range tl.snapshot() {
		if s.holder == old {
			oldSpan = s
		}
	}
	if !errors.Is(oldSpan.cause, ErrLost) {
		t.Errorf("the cut leader stopped with %v, want ErrLost", oldSpan.cause)
	}
	if held := oldSpan.end.Sub(cut); held > testLease {
		t.Errorf("the cut leader went on for %s after the cut, beyond its lease %s", held, testLease)
	}
}

// A leader whose renewals stall in the database (a lock, an overloaded
// server) stops at its own deadline; nobody else leads until the lease
// runs out by the database's clock.
func TestStalledRenewalStopsTheLeader(t *testing.T) {
	dsn := pgtest.New(t)
	tl := &timeline{}
	cs := map[string]*campaigner{}
	for _, h := range []string{"a", "b"} {
		cs[h] = campaign(t, dsn, h, tl)
	}
	waitFor(t, 5*time.Second, "a leader", func() bool { return len(tl.current()) == 1 })
	old := tl.current()[0]
	ctx := context.Background()
	blocker, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer blocker.Close(ctx)
	tx, err := blocker.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `SELECT * FROM leader_lease FOR UPDATE`); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 3*time.Second, "the stalled leader stops", func() bool { return len(tl.current()) == 0 })
	for h, c := range cs {
		if c.e.Holds() {
			t.Errorf("%s holds the lease after the stalled leader stopped", h)
		}
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "a leader again", func() bool { return len(tl.current()) == 1 })
	tl.checkNoOverlap(t)
	if s := tl.snapshot()[0]; s.holder != old || !errors.Is(s.cause, ErrLost) {
		t.Errorf("first leadership %+v, want %s's, ended by ErrLost", s, old)
	}
}

func TestDatabaseRestartKeepsOneLeader(t *testing.T) {
	dsn := pgtest.New(t)
	tl := &timeline{}
	for _, h := range []string{"a", "b", "c"} {
		campaign(t, dsn, h, tl)
	}
	waitFor(t, 5*time.Second, "a leader", func() bool { return len(tl.current()) == 1 })
	if err := pgtest.Shared(t).Restart(); err != nil {
		t.Fatal(err)
	}
	// the lease row survived; whoever leads after, the lease is renewed
	// again for longer than a lease
	waitFor(t, 10*time.Second, "one leader renewing after the restart", func() bool {
		h, _, held := lease(t, dsn)
		cur := tl.current()
		return len(cur) == 1 && cur[0] == h && held >= 2*testLease
	})
	tl.checkNoOverlap(t)
}

func TestOptionsCheck(t *testing.T) {
	for _, tc := range []struct {
		o    Options
		want string
	}{
		{Options{}, ""},
		{Options{Lease: 3 * time.Second}, ""},
		{Options{Lease: 3 * time.Second, Renew: 2 * time.Second, Margin: time.Second}, "must be shorter than the lease 3s"},
		{Options{Lease: -time.Second}, "must be positive"},
		{Options{Lease: time.Second, Margin: -time.Millisecond}, "must be positive"},
	} {
		err := tc.o.Check()
		if (err == nil) != (tc.want == "") || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%+v: got %v, want %q", tc.o, err, tc.want)
		}
	}
}

// A leader whose session is ended (pg_terminate_backend, a network blip)
// reconnects and renews in time: no other leader, no new term.
func TestCutSessionKeepsTheLease(t *testing.T) {
	dsn := pgtest.New(t)
	tl := &timeline{}
	for _, h := range []string{"a", "b"} {
		campaign(t, dsn, h, tl)
	}
	waitFor(t, 5*time.Second, "a leader", func() bool { return len(tl.current()) == 1 })
	holder, term, _ := lease(t, dsn)
	if err := pgtest.Shared(t).Exec(context.Background(), `SELECT pg_terminate_backend(pid, 10000)
		FROM pg_stat_activity WHERE application_name = 'chiso leader election'`); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "renewals after the cut, for two leases", func() bool {
		h, tm, held := lease(t, dsn)
		return h == holder && tm == term && held >= 2*testLease
	})
	if n := len(tl.snapshot()); n != 1 {
		t.Errorf("%d leaderships after the cut, want the one: %+v", n, tl.snapshot())
	}
}
