package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"
)

func TestOpenIsIdempotentAndRecordsMigrations(t *testing.T) {
	path := filepath.Join(t.TempDir(), "chiso.db")
	ms, err := Migrations(migrationFS)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		db, err := Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		var n, top int
		if err := db.read.QueryRow(`SELECT count(*), max(version) FROM schema_migrations`).Scan(&n, &top); err != nil {
			t.Fatal(err)
		}
		if n != len(ms) || top != ms[len(ms)-1].Version {
			t.Errorf("schema_migrations has %d rows up to %d, want %d up to %d", n, top, len(ms), ms[len(ms)-1].Version)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		if err := db.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "chiso.db")
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.write.Exec(`INSERT INTO schema_migrations(version, name) VALUES (9999, 'from_the_future')`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err = Open(context.Background(), path)
	if err == nil || !strings.Contains(err.Error(), "9999") || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("Open of a newer database: err = %v, want one naming version 9999 as newer", err)
	}
}

func TestOpenSetsPragmas(t *testing.T) {
	db := openTest(t, 1, 1)
	for _, pool := range []struct {
		name string
		db   *sql.DB
	}{{"write", db.write}, {"read", db.read}} {
		var mode string
		var fk, busy int
		if err := pool.db.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil {
			t.Fatal(err)
		}
		if err := pool.db.QueryRow(`PRAGMA foreign_keys`).Scan(&fk); err != nil {
			t.Fatal(err)
		}
		if err := pool.db.QueryRow(`PRAGMA busy_timeout`).Scan(&busy); err != nil {
			t.Fatal(err)
		}
		if mode != "wal" || fk != 1 || busy != busyTimeoutMS {
			t.Errorf("%s pool: journal_mode %s, foreign_keys %d, busy_timeout %d", pool.name, mode, fk, busy)
		}
	}
	if _, err := db.read.Exec(`DELETE FROM observations`); err == nil {
		t.Error("the read pool accepted a write")
	}
}

func TestMigrationMovesCurrentIntoSeriesCells(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "chiso.db")
	// Build a version-3 database by hand: one series with a revised cell.
	w := openAtVersion(t, path, 3)
	for _, q := range []string{
		`INSERT INTO catalogue_versions(version, changed) VALUES (1, 2)`,
		`INSERT INTO indicators VALUES (1, 'x', '', '', 'u', 'count', 1, 0, NULL, '', '', '', 1)`,
		`INSERT INTO areas VALUES (1, 'A', 'A', 'province', '', '', NULL, NULL, 1)`,
		`INSERT INTO series VALUES (1, 1, 1)`,
		`INSERT INTO imports(id, source, started_at, first_id, last_id) VALUES (1, 'old', 0, 1, 3)`,
		`INSERT INTO observations(id, series_id, period, revision, prev_id, value, qualifier, ingested_at, import_id)
			VALUES (1, 1, 2024100, 1, NULL, 5, 0, 0, 1), (2, 1, 2023100, 1, NULL, 4, 0, 0, 1), (3, 1, 2024100, 2, 1, 6, 0, 0, 1)`,
		`INSERT INTO current VALUES (1, 2023100, 2), (1, 2024100, 3)`,
	} {
		if _, err := w.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	w.Close()
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cur, err := db.Current(ctx, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(cur) != 2 || cur[0].Value != 4 || cur[1].Value != 6 || cur[1].Revision != 2 {
		t.Errorf("current after the migration = %+v, want 4 (2023) and 6 (2024, revision 2)", cur)
	}
	if h, err := db.History(ctx, "x", "A"); err != nil || len(h) != 3 {
		t.Errorf("history = %+v, %v; want 3 revisions", h, err)
	}
	var n int
	db.read.QueryRow(`SELECT count(*) FROM sqlite_schema WHERE name = 'current'`).Scan(&n)
	if n != 0 {
		t.Error("the current table is still there")
	}
}
