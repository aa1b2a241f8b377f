package pgnotify

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/chiso-vn/chiso/internal/pgtest"
	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// listen runs a listener on dsn until the test ends and returns its
// events.
func listen(t *testing.T, dsn string) <-chan Event {
	t.Helper()
	l, err := New(Options{DSN: dsn, Channel: "chiso test", MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan Event, 100)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := l.Run(ctx, func(e Event) { ch <- e }); err != nil {
			t.Error(err)
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
	return ch
}

func next(t *testing.T, ch <-chan Event, within time.Duration) Event {
	t.Helper()
	select {
	case e := <-ch:
		return e
	case <-time.After(within):
		t.Fatalf("no event within %s", within)
		return Event{}
	}
}

func send(t *testing.T, dsn, payload string) {
	t.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	if err := Notify(ctx, c, "chiso test", payload); err != nil {
		t.Fatal(err)
	}
}

func TestNotificationsArriveAcrossReconnects(t *testing.T) {
	dsn := pgtest.New(t)
	ch := listen(t, dsn)
	if e := next(t, ch, 5*time.Second); !e.Connected {
		t.Fatalf("first event %+v, want Connected", e)
	}
	send(t, dsn, "41")
	if e := next(t, ch, time.Second); e.Payload != "41" || e.Connected {
		t.Fatalf("got %+v, want payload 41", e)
	}
	// the listener's session is ended from the server: it reconnects and
	// says so, and listens again
	if err := pgtest.Shared(t).Exec(context.Background(), `SELECT pg_terminate_backend(pid, 10000)
		FROM pg_stat_activity WHERE application_name = 'chiso notifications'`); err != nil {
		t.Fatal(err)
	}
	if e := next(t, ch, 5*time.Second); !e.Connected {
		t.Fatalf("after the session ended got %+v, want Connected", e)
	}
	send(t, dsn, "42")
	if e := next(t, ch, time.Second); e.Payload != "42" {
		t.Fatalf("got %+v, want payload 42", e)
	}
}

func TestListenerSurvivesADatabaseRestart(t *testing.T) {
	dsn := pgtest.New(t)
	ch := listen(t, dsn)
	next(t, ch, 5*time.Second)
	sender := NewSender(dsn)
	defer sender.Close()
	ctx := context.Background()
	if err := sender.Send(ctx, "chiso test", "before"); err != nil {
		t.Fatal(err)
	}
	if e := next(t, ch, time.Second); e.Payload != "before" {
		t.Fatalf("got %+v, want payload before", e)
	}
	if err := pgtest.Shared(t).Restart(); err != nil {
		t.Fatal(err)
	}
	if e := next(t, ch, 10*time.Second); !e.Connected {
		t.Fatalf("after the restart got %+v, want Connected", e)
	}
	// the sender's connection died with the server: its first send after
	// the restart retries on a new one
	for i := range 3 {
		if err := sender.Send(ctx, "chiso test", strconv.Itoa(i)); err != nil {
			t.Fatalf("send %d after the restart: %v", i, err)
		}
		if e := next(t, ch, time.Second); e.Payload != strconv.Itoa(i) {
			t.Fatalf("got %+v, want payload %d", e, i)
		}
	}
}
