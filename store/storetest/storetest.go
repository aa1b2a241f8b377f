// Package storetest is the conformance suite of chiso's stores: what the
// engine, the daemon and setup ask of storage (engine.FigureSource,
// daemon.Data, setup.DB), checked through the interface only, so that a
// second database is an adapter that passes the same tests. Run it from the
// implementation's tests:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, storetest.Harness{New: …, Open: …, Crash: …})
//	}
//
// The suite covers figures, imports and the catalogue, and what alerting
// persists (AlertStore): alert states and transitions, acknowledgements,
// silences, the outbox's bookkeeping across a crash, the notification log
// and the history's filters.
package storetest

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/internal/synth"
	"github.com/chiso-vn/chiso/store"
)

// Store is what the suite exercises: the union of what the engine, the
// daemon, alerting and setup ask of storage, and Close. *store.DB implements it.
type Store interface {
	// Import stores a batch all or nothing; see daemon.Importer.
	Import(ctx context.Context, opts store.ImportOptions, read func(emit func(chiso.Observation) error) error) (store.ImportResult, error)
	// ImportCatalogue upserts a catalogue by code and returns how many
	// entries it inserted or changed; see setup.DB.
	ImportCatalogue(ctx context.Context, cat *chiso.Catalogue) (int, error)
	// Catalogue returns the stored catalogue, each list ordered by code.
	Catalogue(ctx context.Context) (*chiso.Catalogue, error)
	// Current returns the current revision of every cell the filter
	// selects, ordered by indicator, area and period.
	Current(ctx context.Context, f store.Filter) ([]chiso.Observation, error)
	// CurrentPage pages through what Current returns; see daemon.Pager.
	CurrentPage(ctx context.Context, f store.Filter, after store.Position, limit int) ([]chiso.Observation, store.Position, bool, error)
	// History returns every revision of one series, ordered by period and
	// revision; nothing for an unknown series.
	History(ctx context.Context, indicator, area string) ([]chiso.Observation, error)
	// Scan and ScanFigures are engine.FigureSource's.
	Scan(ctx context.Context, afterID int64, allRevisions bool, fn func(chiso.Observation) error) (int64, error)
	ScanFigures(ctx context.Context, fn func(*store.SeriesFigures) error) (int64, error)
	// LastID, Imports and Stats are daemon.Data's.
	LastID(ctx context.Context) (int64, error)
	Imports(ctx context.Context, limit int) ([]store.ImportRecord, error)
	Stats(ctx context.Context) (store.Stats, error)
	AlertStore
	AuditLog
	io.Closer
}

// Harness is how the suite makes and opens databases of one
// implementation.
type Harness struct {
	// New returns the address of a new, empty database for one test: a
	// file path in t.TempDir(), a connection string to a fresh schema.
	New func(t *testing.T) string
	// Open opens the database at addr, creating it when missing, with its
	// schema up to date. The suite closes what it opens.
	Open func(ctx context.Context, addr string) (Store, error)
	// Crash is called while an import into the database at addr is in the
	// middle of its transaction, after thousands of its rows reached the
	// database. It returns the address of a database holding what a process
	// killed at that moment would leave: a copy of the files for SQLite; for
	// a server, addr itself after ending the session that holds the
	// transaction. The interrupted import may then fail; the suite does not
	// look at its error. The outbox cases call it with no transaction open,
	// to stop a process between two of its writes.
	Crash func(t *testing.T, addr string) string
}

// Run runs every case of the suite, each on new databases.
func Run(t *testing.T, h Harness) {
	cases := []struct {
		name string
		run  func(t *testing.T, h Harness)
	}{
		{"ImportAddsThenRevisesKeepingRevisions", testRevisions},
		{"SameFiguresAgainChangeNothing", testSameFigures},
		{"RevisionTriggers", testRevisionTriggers},
		{"ImportIsAllOrNothing", testAllOrNothing},
		{"CancelledImportStoresNothing", testCancelled},
		{"DryRunStoresNothing", testDryRun},
		{"RepeatedCellFromAFile", testRepeatedCell},
		{"CurrentFilters", testCurrentFilters},
		{"PagesCoverCurrentOnce", testPages},
		{"ScanAfterAnID", testScanAfter},
		{"FiguresMatchScan", testFiguresMatchScan},
		{"ImportLog", testImportLog},
		{"CatalogueRoundTrip", testCatalogue},
		{"InvalidCatalogueStoresNothing", testInvalidCatalogue},
		{"ReopenKeepsCommittedImports", testReopen},
		{"ReadersDuringAnImportSeeOldOrNew", testConcurrentReaders},
		{"ConcurrentImportsQueue", testConcurrentImports},
		{"CrashMidImportKeepsThePreviousState", testCrash},
		{"AlertsRoundTrip", testAlertsRoundTrip},
		{"AlertBatchIsAllOrNothing", testAlertBatchAllOrNothing},
		{"Acknowledgements", testAcknowledgements},
		{"Silences", testSilences},
		{"OutboxBookkeeping", testOutboxBookkeeping},
		{"OutboxCrashMidDeliveryRetriesOnce", testOutboxCrashMidDelivery},
		{"NotificationLog", testNotificationLog},
		{"NotificationsFilter", testNotificationsFilter},
		{"AlertHistory", testAlertHistory},
		{"AuditRoundTrip", testAuditRoundTrip},
		{"AuditFilterAndPages", testAuditFilter},
		{"AuditPrune", testAuditPrune},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.run(t, h) })
	}
}

// t0 is the ingestion time of the suite's first import; later ones add
// hours.
var t0 = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

// open opens a new database with a synthetic catalogue of the given size
// and returns it with its address.
func open(t *testing.T, h Harness, areas, indicators int) (Store, string) {
	t.Helper()
	addr := h.New(t)
	s := reopen(t, h, addr)
	if areas+indicators > 0 {
		if _, err := s.ImportCatalogue(context.Background(), synth.Catalogue(areas, indicators)); err != nil {
			t.Fatal(err)
		}
	}
	return s, addr
}

// reopen opens the database at addr and closes it when the test ends.
func reopen(t *testing.T, h Harness, addr string) Store {
	t.Helper()
	s, err := h.Open(context.Background(), addr)
	if err != nil {
		t.Fatalf("open %s: %v", addr, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// feed returns a read function that emits the observations.
func feed(obs []chiso.Observation) func(func(chiso.Observation) error) error {
	return func(emit func(chiso.Observation) error) error {
		for _, o := range obs {
			if err := emit(o); err != nil {
				return err
			}
		}
		return nil
	}
}

// mustImport imports the observations at now and fails the test on an
// error.
func mustImport(t *testing.T, s Store, now time.Time, obs []chiso.Observation) store.ImportResult {
	t.Helper()
	res, err := s.Import(context.Background(), store.ImportOptions{Source: "test", Now: now}, feed(obs))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// state is everything the store shows through the interface, as text:
// two states are equal when their texts are (NaN bounds included).
func state(t *testing.T, s Store) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	st, err := s.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	last, err := s.LastID(ctx)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := s.Imports(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&b, "stats %+v\nlast id %d\nimports %+v\n", st, last, recs)
	scanned, err := s.Scan(ctx, 0, true, func(o chiso.Observation) error {
		fmt.Fprintf(&b, "%+v\n", o)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	cur, err := s.Current(ctx, store.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&b, "scan up to %d\ncurrent %d\n%s", scanned, len(cur), currentText(cur))
	return b.String()
}

// currentText is the current figures as text, one per line.
func currentText(obs []chiso.Observation) string {
	var b strings.Builder
	for _, o := range obs {
		fmt.Fprintf(&b, "%s %s %s %v %s r%d #%d\n", o.Indicator, o.Area, o.Period, o.Value, o.Qualifier, o.Revision, o.ID)
	}
	return b.String()
}

// sameState fails the test when the store's state is no longer want.
func sameState(t *testing.T, s Store, want, what string) {
	t.Helper()
	if got := state(t, s); got != want {
		t.Errorf("%s changed the store:\n%s", what, Diff(want, got))
	}
}

// Diff shows the first line where two texts differ, for tests comparing
// two dumps of a store.
func Diff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := range max(len(w), len(g)) {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return fmt.Sprintf("line %d\n got %s\nwant %s", i+1, gl, wl)
		}
	}
	return "(no difference)"
}
