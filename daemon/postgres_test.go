package daemon

import (
	"context"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chiso-vn/chiso/internal/pgtest"
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
