package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/alerting"
	"github.com/chiso-vn/chiso/alerts"
	"github.com/chiso-vn/chiso/config"
	"github.com/chiso-vn/chiso/engine"
	"github.com/chiso-vn/chiso/internal/setup"
	"github.com/chiso-vn/chiso/store"
	"github.com/chiso-vn/chiso/store/pgstore"
)

// Store is everything the daemon asks of its database: the observations,
// the catalogue and the import log (Data), and what alerting persists
// (AlertStore). The daemon opens it in Start (Options.OpenStore) and closes
// it last in Close. *store.DB (SQLite) and *pgstore.DB (PostgreSQL) implement it; another database implements it
// by passing the conformance suite in store/storetest.
type Store interface {
	Data
	AlertStore
	AuditLog
	io.Closer
}

// AuditLog keeps the audit log: every write to chiso and every refused one,
// appended and never changed, until pruned. store/storetest holds any
// implementation to these contracts.
type AuditLog interface {
	// AddAudit appends an entry (its ID ignored) and returns the ID given
	// to it, above every ID given before. e.At is required. Areas round-
	// trip as given, nil for none; At to the nanosecond, in UTC.
	AddAudit(ctx context.Context, e chiso.AuditEntry) (int64, error)
	// AuditEntries returns the entries f selects (chiso.AuditFilter.Matches,
	// and ID below f.Before when set), newest (highest ID) first, at most
	// f.Limit when it is positive.
	AuditEntries(ctx context.Context, f chiso.AuditFilter) ([]chiso.AuditEntry, error)
	// PruneAudit deletes the entries with At before before, and returns how
	// many it deleted.
	PruneAudit(ctx context.Context, before time.Time) (int64, error)
}

// Data is what the daemon reads and writes of figures, the catalogue and
// imports. store/storetest holds any implementation to these contracts.
type Data interface {
	Figures
	Importer
	CatalogueReader
	ImportLog
	Pager
	StatsReader
}

// Figures keeps the engine's index current: the engine's full load and
// refresh (engine.FigureSource), and a cheap look at whether anything new
// arrived, so that the sync loop reads the store only when it must.
type Figures interface {
	engine.FigureSource
	// LastID returns the sequence number (chiso.Observation.ID) of the
	// newest revision stored, 0 for an empty store. It never decreases, and
	// a Scan begun after it returned n returns at least n.
	LastID(ctx context.Context) (int64, error)
}

// Importer stores the observations of one file as one batch.
type Importer interface {
	// Import runs read, which calls emit for every observation of the
	// batch, and stores the batch in one transaction: readers see all of
	// it or none of it, before and after a crash. A figure for a new cell
	// (indicator, area, period) is its revision 1; a different value,
	// qualifier or method for a stored cell becomes the next revision and
	// the old one is kept; the same figure again writes no revision and
	// counts as unchanged. If read or emit fails, an observation names an unknown
	// indicator or area, or ctx ends while read runs, nothing is stored
	// (the import log included) and the error says why; after a
	// cancellation it wraps ctx.Err(). opts.Now is required: the store
	// never reads the clock. With opts.DryRun the result is computed and
	// nothing is stored.
	//
	// Retrying is safe: equal figures are unchanged, so an import retried
	// after an error whose outcome is unknown (a lost connection at commit)
	// leaves the figures as one run would, though the log may list it twice.
	Import(ctx context.Context, opts store.ImportOptions, read func(emit func(chiso.Observation) error) error) (store.ImportResult, error)
}

// CatalogueReader reads the catalogue the daemon runs with.
type CatalogueReader interface {
	// Catalogue returns the stored indicators, areas, lineage and targets,
	// each list ordered by code, read in one snapshot.
	Catalogue(ctx context.Context) (*chiso.Catalogue, error)
}

// ImportLog lists past imports, so that the daemon can count those other
// processes made.
type ImportLog interface {
	// Imports returns the latest committed imports, newest first (ids
	// increase with every import); limit ≤ 0 returns all. A failed import
	// leaves no record.
	Imports(ctx context.Context, limit int) ([]store.ImportRecord, error)
}

// Pager serves GET /api/v1/observations a page at a time.
type Pager interface {
	// CurrentPage returns at most limit (positive) current observations
	// the filter selects after the position, in store.Position's order,
	// the position of the last one returned, and whether more follow. A
	// page is read in one snapshot; pages read across an import may mix
	// states, as any cursor does.
	CurrentPage(ctx context.Context, f store.Filter, after store.Position, limit int) ([]chiso.Observation, store.Position, bool, error)
}

// StatsReader counts what the store holds, for the daemon's metrics.
type StatsReader interface {
	// Stats returns the store's counts, read in one snapshot.
	Stats(ctx context.Context) (store.Stats, error)
}

// AlertStore is what alerting persists: the manager's alerts, silences and
// notification log (alerts.Store), the deliverer's outbox (alerts.Outbox),
// the alert history the API serves, and the sent notifications that seed
// the Alertmanager clients at start. store/storetest holds any
// implementation to these contracts.
type AlertStore interface {
	alerts.Store
	alerts.Outbox
	AlertHistory(ctx context.Context, f alerting.HistoryFilter) ([]alerting.Event, error)
	Notifications(ctx context.Context, f store.OutboxFilter) ([]alerting.OutboxEntry, error)
}

// OpenStore opens the database at path (the configuration's database:
// a SQLite file resolved against the configuration's folder, or a
// postgres:// URL), creating it when missing, with its schema brought up
// to date.
type OpenStore func(ctx context.Context, path string) (Store, error)

// openDefault is the default OpenStore: OpenDatabase.
func openDefault(ctx context.Context, path string) (Store, error) {
	db, err := OpenDatabase(ctx, path)
	if err != nil {
		return nil, err
	}
	return db, nil
}

// Database is a Store with what the commands and setup also ask of it:
// the catalogue's import, one series' history, and its address for
// messages.
type Database interface {
	Store
	setup.DB
	// History returns every revision of one series, ordered by period
	// and revision.
	History(ctx context.Context, indicator, area string) ([]chiso.Observation, error)
	// Path is the SQLite file, or the PostgreSQL URL with its password
	// redacted.
	Path() string
}

// OpenDatabase opens the database at addr, creating its schema when
// missing: PostgreSQL (store/pgstore) for a postgres:// or postgresql://
// URL, else the SQLite file at addr (store), the embedded default.
func OpenDatabase(ctx context.Context, addr string) (Database, error) {
	if err := checkAddress(addr); err != nil {
		return nil, err
	}
	if pgstore.IsDSN(addr) {
		return pgstore.Open(ctx, addr)
	}
	return store.Open(ctx, addr)
}

// DatabaseExists reports whether the database at addr exists: the SQLite
// file, or a PostgreSQL database holding chiso's schema. It changes
// nothing.
func DatabaseExists(ctx context.Context, addr string) (bool, error) {
	if err := checkAddress(addr); err != nil {
		return false, err
	}
	if pgstore.IsDSN(addr) {
		return pgstore.Exists(ctx, addr)
	}
	if _, err := os.Stat(addr); errors.Is(err, fs.ErrNotExist) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	return true, nil
}

// DatabaseName is addr as messages and logs show it: a PostgreSQL URL's
// password is redacted.
func DatabaseName(addr string) string {
	if pgstore.IsDSN(addr) || config.MisspelledDatabase(addr) != "" {
		return pgstore.Redact(addr)
	}
	return addr
}

var (
	_ Database = (*store.DB)(nil)
	_ Database = (*pgstore.DB)(nil)
)

// checkAddress refuses a database meant as a PostgreSQL URL but misspelled
// (config.MisspelledDatabase), named with its password replaced, before a
// SQLite file is made of it.
func checkAddress(addr string) error {
	if why := config.MisspelledDatabase(addr); why != "" {
		return fmt.Errorf("database %s: %s", pgstore.Redact(addr), why)
	}
	return nil
}
