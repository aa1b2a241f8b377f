package daemon

import (
	"os"
	"sync"
	"testing"

	"github.com/chiso-vn/chiso/internal/pgtest"
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
