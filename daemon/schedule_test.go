package daemon

import (
	"context"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/chiso-vn/chiso/sample/samplecat"

	"github.com/chiso-vn/chiso/config"
	"github.com/chiso-vn/chiso/engine"
	"github.com/chiso-vn/chiso/internal/pgnotify"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// scheduled builds a daemon with the scheduler, engine and metrics but no
// store or server, for tests in a synctest bubble.
func scheduled(t *testing.T, rules string) *Daemon {
	t.Helper()
	cfg := config.Default(t.TempDir())
	writeFile(t, filepath.Join(cfg.Dir, "rules.d", "r.yaml"), rules)
	cat, err := samplecat.Catalogue()
	if err != nil {
		t.Fatal(err)
	}
	groups, err := loadGroups(cfg, cat)
	if err != nil {
		t.Fatal(err)
	}
	d := New(cfg, Options{})
	if d.metrics, err = newMetrics(d.opts.Registry, "test", "test"); err != nil {
		t.Fatal(err)
	}
	if d.eng, err = engine.New(cat, rawGroups(groups), engine.Options{Location: cfg.Location}); err != nil {
		t.Fatal(err)
	}
	d.groups.Store(newGroupSet(groups))
	d.lead.set(context.Background()) // it leads, as on SQLite
	d.lead.take()
	d.metrics.monitor.follows = func() bool { _, ok := d.lead.current(); return !ok }
	return d
}

// A follower's scheduler runs no group and counts no tick missed: the
// leader runs them.
func TestFollowerRunsNoGroup(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := scheduled(t, `groups:
  - name: often
    schedule: "*/10 * * * *"
    rules:
      - {alert: R, check: range, indicator: bts_stations}
`)
		ctx, cancel := context.WithCancel(context.Background())
		d.lead.set(ctx)
		d.lead.take()
		var mu sync.Mutex
		runs := 0
		d.onScheduled = func(context.Context, string, time.Time) {
			mu.Lock()
			runs++
			mu.Unlock()
		}
		if err := d.startScheduler(d.cfg.Load(), d.groups.Load().list); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Hour) // six ticks as leader
		synctest.Wait()
		cancel() // the leadership ends
		time.Sleep(time.Hour)
		synctest.Wait()
		if err := d.sched.Shutdown(); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		defer mu.Unlock()
		if runs != 6 {
			t.Errorf("runs = %d, want the 6 ticks of the hour it led", runs)
		}
		if got := testutil.ToFloat64(d.metrics.missed.WithLabelValues("often")); got != 0 {
			t.Errorf("missed = %v, want 0: a follower's ticks are not missed runs", got)
		}
	})
}

func TestScheduleRunsDailyInTheConfiguredZone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := scheduled(t, `groups:
  - name: morning
    schedule: "0 9 * * *"
    rules:
      - {alert: R, check: range, indicator: bts_stations}
`)
		var mu sync.Mutex
		var runs []time.Time
		d.onScheduled = func(_ context.Context, _ string, now time.Time) {
			mu.Lock()
			runs = append(runs, now)
			mu.Unlock()
			// an evaluation takes time; in a bubble that takes nothing,
			// gocron can fire a job twice at the same virtual instant
			time.Sleep(time.Second)
		}
		if err := d.startScheduler(d.cfg.Load(), d.groups.Load().list); err != nil {
			t.Fatal(err)
		}
		time.Sleep(72 * time.Hour)
		synctest.Wait()
		if err := d.sched.Shutdown(); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		defer mu.Unlock()
		if len(runs) != 3 {
			t.Fatalf("runs in three days = %d (%v), want 3", len(runs), runs)
		}
		for _, r := range runs {
			// 09:00 in Asia/Ho_Chi_Minh is 02:00 UTC
			if u := r.UTC(); u.Hour() != 2 || u.Minute() != 0 {
				t.Errorf("run at %s, want 09:00 +07", r)
			}
		}
		if got := testutil.ToFloat64(d.metrics.iterations.WithLabelValues("morning")); got != 3 {
			t.Errorf("chiso_rule_group_iterations_total = %v, want 3", got)
		}
		last := testutil.ToFloat64(d.metrics.lastEval.WithLabelValues("morning"))
		if want := float64(runs[2].Unix()); last != want {
			t.Errorf("last evaluation timestamp = %v, want %v (the job's time)", last, want)
		}
	})
}

func TestSlowGroupIsNeverRunTwiceAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := scheduled(t, `groups:
  - name: slow
    schedule: "*/10 * * * *"
    rules:
      - {alert: R, check: range, indicator: bts_stations}
`)
		var mu sync.Mutex
		running, most, runs := 0, 0, 0
		d.onScheduled = func(ctx context.Context, _ string, _ time.Time) {
			mu.Lock()
			running++
			runs++
			most = max(most, running)
			mu.Unlock()
			select { // longer than the 10-minute period, unless shut down
			case <-time.After(25 * time.Minute):
			case <-ctx.Done():
			}
			mu.Lock()
			running--
			mu.Unlock()
		}
		if err := d.startScheduler(d.cfg.Load(), d.groups.Load().list); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Hour)
		synctest.Wait()
		if err := d.sched.Shutdown(); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		defer mu.Unlock()
		if most != 1 {
			t.Errorf("at most %d runs at once, want 1", most)
		}
		missed := testutil.ToFloat64(d.metrics.missed.WithLabelValues("slow"))
		if runs < 3 || runs > 6 || missed < float64(runs) {
			t.Errorf("runs %d, missed %v: want a run about every 30 minutes and the ticks between counted missed", runs, missed)
		}
	})
}

// A follower evaluates the group the leader announced, at the leader's
// evaluation time, so that its findings and metrics follow the schedule;
// the leader ignores its own notice, and an unreadable one changes nothing.
func TestFollowerEvaluatesWhatTheLeaderAnnounced(t *testing.T) {
	d := scheduled(t, `groups:
  - name: daily
    schedule: "0 7 * * *"
    rules:
      - {alert: R, check: range, indicator: bts_stations}
`)
	d.loopCtx = context.Background()
	at := time.Date(2026, 12, 5, 7, 0, 0, 0, time.UTC)
	d.opts.Now = func() time.Time { return at.Add(20 * time.Millisecond) } // the follower's clock, as the leader's
	lastEval := func() float64 { return testutil.ToFloat64(d.metrics.lastEval.WithLabelValues("daily")) }

	// leading: its own notice is ignored
	d.onImportNotice(pgnotify.Event{Payload: "eval " + strconv.FormatInt(at.UnixNano(), 10) + " daily"})
	d.wg.Wait()
	if got := lastEval(); got != 0 {
		t.Fatalf("the leader evaluated on its own notice (last evaluation %v)", got)
	}

	d.lead.clear() // following now
	for _, bad := range []string{"eval", "eval x daily", "eval 12", "eval 12 ", "eval 1 no-such-group",
		"eval " + strconv.FormatInt(at.Add(2*time.Hour).UnixNano(), 10) + " daily"} {
		d.onImportNotice(pgnotify.Event{Payload: bad})
	}
	d.wg.Wait()
	if got := lastEval(); got != 0 {
		t.Fatalf("an unreadable notice made an evaluation (last evaluation %v)", got)
	}
	d.onImportNotice(pgnotify.Event{Payload: "eval " + strconv.FormatInt(at.UnixNano(), 10) + " daily"})
	d.wg.Wait()
	if got, want := lastEval(), float64(at.Unix()); got != want {
		t.Errorf("follower's last evaluation of daily = %v, want the leader's %v", got, want)
	}
	if st := d.state.group("daily"); !st.lastRun.Equal(at) {
		t.Errorf("follower's findings are of %v, want %v", st.lastRun, at)
	}
}
