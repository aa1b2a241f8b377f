package daemon

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chiso-vn/chiso/internal/pgtest"
	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// postgresTests holds the PostgreSQL database of each test that runs its
// daemons on one (onPostgres), by *testing.T.
var postgresTests sync.Map

// onPostgres makes the daemons the test starts keep their data in a fresh
// PostgreSQL database instead of a SQLite file.
func onPostgres(t *testing.T) {
	postgresTests.Store(t, pgtest.New(t))
	t.Cleanup(func() { postgresTests.Delete(t) })
}

// TestEndToEndOnPostgres runs the daemon's end-to-end tests on
// PostgreSQL: an import through the API or by another process, evaluated
// at once into findings, alerts that survive a restart, and notifications
// delivered once each through the outbox.
func TestEndToEndOnPostgres(t *testing.T) {
	for _, tt := range []struct {
		name string
		run  func(*testing.T)
	}{
		{"PostedObservationIsEvaluatedAtOnce", TestPostedObservationIsEvaluatedAtOnce},
		{"BadUploadStoresNothingAndNamesEveryRow", TestBadUploadStoresNothingAndNamesEveryRow},
		{"ImportByAnotherProcessIsPickedUp", TestImportByAnotherProcessIsPickedUp},
		{"FindingsBecomeAlertsAndSurviveARestart", TestFindingsBecomeAlertsAndSurviveARestart},
		{"FiringAlertIsDeliveredToAWebhook", TestFiringAlertIsDeliveredToAWebhook},
		{"WebhookOutcomesThroughTheDaemon", TestWebhookOutcomesThroughTheDaemon},
		{"AlertsAPIServesTheManager", TestAlertsAPIServesTheManager},
		{"ReloadKeepsRunningRulesOnError", TestReloadKeepsRunningRulesOnError},
		{"MetricsAreLintClean", TestMetricsAreLintClean},
	} {
		t.Run(tt.name, func(t *testing.T) {
			onPostgres(t)
			tt.run(t)
		})
	}
}

// TestFollowerEvaluatesOnTheLeadersSchedule: the leader alone runs a
// group's schedule, and tells the followers, which evaluate the group at
// the leader's evaluation time, so that every replica's findings and
// metrics follow the schedule.
func TestFollowerEvaluatesOnTheLeadersSchedule(t *testing.T) {
	onPostgres(t)
	const cluster = "cluster: {lease: 1s}\n"
	var fixed atomic.Pointer[time.Time] // the scheduler's clock, once set
	opts := Options{Version: "test", Now: func() time.Time {
		if at := fixed.Load(); at != nil {
			return *at
		}
		return time.Now()
	}}
	a := startWith(t, cluster, opts)
	b := startIn(t, t.TempDir(), cluster, opts)
	var lead, follow *harness
	a.waitFor("a leader", 10*time.Second, func() bool {
		_, la := a.d.lead.current()
		_, lb := b.d.lead.current()
		switch {
		case la && !lb:
			lead, follow = a, b
		case lb && !la:
			lead, follow = b, a
		}
		return lead != nil
	})
	lastEval := func(h *harness) float64 {
		return testutil.ToFloat64(h.d.metrics.lastEval.WithLabelValues("coverage"))
	}
	at := time.Date(2030, 1, 2, 7, 0, 0, 0, time.UTC)
	fixed.Store(&at)
	// the follower's listener may still be connecting, and a notice sent
	// before it listens is lost (as in production, where it costs one
	// evaluation): the leader runs the group again until one arrives
	var took time.Duration
	for try := 1; ; try++ {
		start := time.Now()
		lead.d.scheduledRun(context.Background(), "coverage")
		if got := lastEval(lead); got != float64(at.Unix()) {
			t.Fatalf("the leader's last evaluation = %v, want %v", got, at.Unix())
		}
		for time.Since(start) < time.Second && lastEval(follow) != float64(at.Unix()) {
			time.Sleep(5 * time.Millisecond)
		}
		if lastEval(follow) == float64(at.Unix()) {
			took = time.Since(start)
			break
		}
		if try == 10 {
			t.Fatalf("the follower did not evaluate at the leader's time after %d scheduled runs", try)
		}
	}
	t.Logf("the follower evaluated %s after the leader's run", took)
	if got := lastEval(follow); got != float64(at.Unix()) {
		t.Errorf("follower's last evaluation of coverage = %v", got)
	}
	if got := testutil.ToFloat64(follow.d.metrics.lastEval.WithLabelValues("stations")); got == float64(at.Unix()) {
		t.Errorf("the follower evaluated stations too, which the leader did not run")
	}
}

// TestFollowerIgnoresStrangeEvaluationNotices: any role that may connect
// to the database may NOTIFY on chiso's channel. A follower ignores an
// evaluation notice of a group it does not have (keeping nothing of its
// name) and one whose time is far from its own clock, so that such a
// program can neither make it evaluate in another century nor fill its
// memory; garbage is ignored and an import notice still works.
func TestFollowerIgnoresStrangeEvaluationNotices(t *testing.T) {
	onPostgres(t)
	dsn, _ := postgresTests.Load(t)
	const cluster = "cluster: {lease: 1s}\n"
	a := startWith(t, cluster, Options{Version: "test"})
	b := startIn(t, t.TempDir(), cluster, Options{Version: "test"})
	var follow *harness
	a.waitFor("a leader", 10*time.Second, func() bool {
		_, la := a.d.lead.current()
		_, lb := b.d.lead.current()
		switch {
		case la && !lb:
			follow = b
		case lb && !la:
			follow = a
		}
		return follow != nil
	})
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn.(string))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	notify := func(payload string) {
		t.Helper()
		if _, err := conn.Exec(ctx, `SELECT pg_notify($1, $2)`, ImportsChannel, payload); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now()
	for _, p := range []string{
		"eval 9223372036854775807 coverage", "eval -9223372036854775808 coverage", "eval 0 coverage",
		"eval " + strconv.FormatInt(now.Add(-48*time.Hour).UnixNano(), 10) + " coverage",
		"eval abc coverage", "eval", "eval  ", "-5", "99999999999999999999999", "garbage", "",
		"eval 1 " + strings.Repeat("x", 7000),
		"eval " + strconv.FormatInt(now.Add(48*time.Hour).UnixNano(), 10) + " coverage",
	} {
		notify(p)
		time.Sleep(100 * time.Millisecond) // one at a time: a follower skips a notice while it evaluates the group
	}
	for i := range 200 {
		notify("eval " + strconv.FormatInt(now.UnixNano(), 10) + " no-such-group-" + strconv.Itoa(i))
	}
	time.Sleep(time.Second)
	if got := testutil.ToFloat64(follow.d.metrics.lastEval.WithLabelValues("coverage")); got != 0 &&
		(got < float64(now.Add(-time.Hour).Unix()) || got > float64(now.Add(time.Hour).Unix())) {
		t.Errorf("the follower evaluated coverage at %s", time.Unix(int64(got), 0).UTC())
	}
	follow.d.running.Range(func(k, _ any) bool {
		if strings.HasPrefix(k.(string), "no-such-group") || strings.HasPrefix(k.(string), "xxx") {
			t.Errorf("the follower keeps the name of a group it does not have: %.40s", k)
			return false
		}
		return true
	})
}

// TestLoopbackAdvertiseURLIsWarnedOf: a daemon on a shared database that
// the others could reach only from its own host (listening on loopback
// without cluster.advertise_url, the default) says so at start, since a
// follower on another host would forward alert changes to itself; with an
// advertise_url it does not.
func TestLoopbackAdvertiseURLIsWarnedOf(t *testing.T) {
	onPostgres(t)
	var logs logBuffer
	startWith(t, "cluster: {lease: 1s}\n", Options{Version: "test",
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))})
	if !strings.Contains(logs.String(), "cluster.advertise_url") {
		t.Errorf("no warning of a loopback advertise URL:\n%s", logs.String())
	}
	var quiet logBuffer
	startIn(t, t.TempDir(), "cluster: {lease: 1s, advertise_url: \"http://chiso-b.example.vn:9787\"}\n", Options{Version: "test",
		Logger: slog.New(slog.NewTextHandler(&quiet, &slog.HandlerOptions{Level: slog.LevelInfo}))})
	if strings.Contains(quiet.String(), "cluster.advertise_url") {
		t.Errorf("a warning with an advertise_url:\n%s", quiet.String())
	}
}

// TestLeaderSaysWhenItsAdvertisedURLIsNotItself: a leader whose
// cluster.advertise_url does not reach it (a wrong port, another server)
// says so once it leads: the followers would send their clients' tokens
// there.
func TestLeaderSaysWhenItsAdvertisedURLIsNotItself(t *testing.T) {
	onPostgres(t)
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("<html>intranet</html>"))
	}))
	defer other.Close()
	var logs logBuffer
	h := startWith(t, "cluster: {lease: 1s, advertise_url: \""+other.URL+"\"}\n", Options{Version: "test",
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))})
	h.waitFor("the warning", 10*time.Second, func() bool {
		return strings.Contains(logs.String(), "does not answer as this leader")
	})
	var quiet logBuffer
	q := startIn(t, t.TempDir(), "cluster: {lease: 1s}\n", Options{Version: "test",
		Logger: slog.New(slog.NewTextHandler(&quiet, &slog.HandlerOptions{Level: slog.LevelInfo}))})
	h.d.Close() // q leads next
	q.waitFor("q leads", 10*time.Second, func() bool { _, ok := q.d.lead.current(); return ok })
	time.Sleep(500 * time.Millisecond)
	if strings.Contains(quiet.String(), "does not answer as this leader") {
		t.Errorf("a leader at its own URL warned:\n%s", quiet.String())
	}
}
