// Package store keeps chiso's data in one SQLite file: the catalogue of
// indicators and areas, and the append-only observations with every revision.
//
// A DB holds two connection pools on the same file. The writer pool has one
// connection and begins every transaction IMMEDIATE, so writers queue on the
// Go side instead of failing with SQLITE_BUSY; the reader pool is read-only
// and, thanks to WAL, never blocks the writer nor is blocked by it.
//
// The observation tables use integer keys so that full scans are cheap:
//
//	series(id, indicator_id, area_id)        one per (indicator, area)
//	observations(id, series_id, period, …)   every revision, append-only;
//	                                         id is chiso.Observation.ID
//	series_figures(series_id, n, cells)      the latest revision of each
//	                                         cell, its figure as columns
//	methods(id, name)                        method tags series_figures uses
//	imports(id, source, …, first_id, last_id) what each import wrote
//
// An import rewrites the series_figures row of each series it touches once,
// rather than a row per figure; a full load (ScanFigures) reads one blob per
// series instead of a row per figure. A revision points at the one it replaced
// (prev_id), which gives History without another index, and a partial index
// on prev_id lists the replaced revisions, which lets Scan read observations
// in id order and skip them.
// The catalogue tables (indicators, areas, lineage, targets) record the
// catalogue_versions entry that last changed each row.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"sync"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// DB is an open chiso database. It is safe for concurrent use.
type DB struct {
	path  string
	write *sql.DB // one connection, BEGIN IMMEDIATE
	read  *sql.DB // read-only connections

	names *nameCache // series, indicator, area and source names by id

	// cacheCells bounds the cells an import keeps in memory.
	cacheCells int

	closeOnce sync.Once
	closeErr  error
}

// pageSize is the page size of new database files, in bytes.
const pageSize = 16384

// busyTimeoutMS is how long a connection waits for a lock before SQLITE_BUSY.
const busyTimeoutMS = 10000

// Open opens the database at path, creating the file if it is missing, and
// brings its schema up to date. It refuses a database whose schema is newer
// than this build knows.
func Open(ctx context.Context, path string) (*DB, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	db := &DB{path: abs, names: newNameCache(), cacheCells: maxCachedCells}
	if db.write, err = openPool(abs, false); err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	if err := migrate(ctx, db.write); err != nil {
		db.write.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	if db.read, err = openPool(abs, true); err != nil {
		db.write.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	return db, nil
}

// HasSchema reports whether the SQLite file at path holds chiso's tables,
// reading it only: an empty file, or another program's database, does not.
// Open, by contrast, would create them.
func HasSchema(ctx context.Context, path string) (bool, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return false, err
	}
	pool, err := openPool(abs, true)
	if err != nil {
		return false, err
	}
	defer pool.Close()
	var n int
	if err := pool.QueryRowContext(ctx,
		`SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).Scan(&n); err != nil {
		return false, err
	}
	return n > 0, nil
}

// openPool opens a pool on the file with the pragmas in the DSN, so that
// every connection the pool makes gets them.
func openPool(path string, readOnly bool) (*sql.DB, error) {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeoutMS))
	q.Add("_pragma", "foreign_keys(1)")
	if readOnly {
		q.Set("mode", "ro")
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Set("mode", "rwc")
		q.Set("_txlock", "immediate")
		// page_size only takes effect on a new file, before WAL mode
		// writes the header: the driver applies _pragma entries before
		// _journal_mode. Larger pages mean fewer writes and B-tree splits
		// per row on bulk imports (measured in BenchmarkImportCSV).
		q.Add("_pragma", fmt.Sprintf("page_size(%d)", pageSize))
		q.Set("_journal_mode", "WAL")
		q.Set("_synchronous", "NORMAL")
	}
	dsn := (&url.URL{Scheme: "file", OmitHost: true, Path: path, RawQuery: q.Encode()}).String()
	pool, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	if !readOnly {
		pool.SetMaxOpenConns(1)
	}
	pool.SetConnMaxIdleTime(0)
	if err := pool.Ping(); err != nil {
		pool.Close()
		return nil, err
	}
	return pool, nil
}

// Path returns the absolute path of the database file.
func (db *DB) Path() string { return db.path }

// Close closes both pools. It is safe to call more than once; later calls
// return the first call's result.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		db.closeErr = errors.Join(db.read.Close(), db.write.Close())
	})
	return db.closeErr
}
