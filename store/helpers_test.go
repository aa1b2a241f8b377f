package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/internal/synth"
)

// t0 is the ingestion time the tests pass to Import.
var t0 = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

// openTest opens a fresh database in a temporary folder with a synthetic
// catalogue of the given size.
func openTest(t testing.TB, areas, indicators int) *DB {
	t.Helper()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "chiso.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.ImportCatalogue(context.Background(), synth.Catalogue(areas, indicators)); err != nil {
		t.Fatal(err)
	}
	return db
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

// mustImport imports the observations and fails the test on an error.
func mustImport(t testing.TB, db *DB, obs []chiso.Observation) ImportResult {
	t.Helper()
	res, err := db.Import(context.Background(), ImportOptions{Source: "test", Now: t0}, feed(obs))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// openAtVersion creates at path a database of an earlier schema version,
// with migrations up to version applied, as an older chiso left it.
func openAtVersion(t *testing.T, path string, version int) *sql.DB {
	t.Helper()
	w, err := openPool(path, false)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := Migrations(migrationFS)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Exec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,
		applied_at TEXT NOT NULL DEFAULT '')`); err != nil {
		t.Fatal(err)
	}
	for _, m := range ms[:version] {
		if err := apply(context.Background(), w, m); err != nil {
			t.Fatal(err)
		}
	}
	return w
}
