package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// goSteps are migration steps that SQL alone cannot do, run after the SQL
// of the migration with the same version and in its transaction.
var goSteps = map[int]func(context.Context, *sql.Tx) error{
	4: convertCurrent,
	5: convertFigures,
}

// Migration is one numbered schema change, from a file NNNN_name.sql.
type Migration struct {
	Version int
	Name    string // the file's name without .sql
	SQL     string
}

// Migrations reads the files migrations/*.sql of fsys in version order.
// Both stores number their migrations this way, each with its own SQL.
func Migrations(fsys fs.FS) ([]Migration, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, n := range names {
		base := path.Base(n)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must start with a positive number and _", base)
		}
		body, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: strings.TrimSuffix(base, ".sql"), SQL: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

// Pending returns the migrations of ms a database at schema version have
// lacks, and refuses a database whose schema is newer than the last of ms:
// this build would not know its tables.
func Pending(ms []Migration, have int) ([]Migration, error) {
	if latest := ms[len(ms)-1].Version; have > latest {
		return nil, fmt.Errorf("database schema version %d is newer than this chiso build knows (%d): use a newer chiso", have, latest)
	}
	var out []Migration
	for _, m := range ms {
		if m.Version > have {
			out = append(out, m)
		}
	}
	return out, nil
}

// migrate applies the migrations the database lacks, each in its own
// transaction, and refuses a database whose schema is newer than this build.
func migrate(ctx context.Context, w *sql.DB) error {
	ms, err := Migrations(migrationFS)
	if err != nil {
		return err
	}
	const create = `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL,
		applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))`
	if _, err := w.ExecContext(ctx, create); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	var have int
	if err := w.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&have); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	pending, err := Pending(ms, have)
	if err != nil {
		return err
	}
	for _, m := range pending {
		if err := apply(ctx, w, m); err != nil {
			return err
		}
	}
	return nil
}

// apply runs one migration and records it, in one transaction.
func apply(ctx context.Context, w *sql.DB, m Migration) error {
	tx, err := w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migration %s: %w", m.Name, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return fmt.Errorf("migration %s: %w", m.Name, err)
	}
	if step := goSteps[m.Version]; step != nil {
		if err := step(ctx, tx); err != nil {
			return fmt.Errorf("migration %s: %w", m.Name, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations(version, name) VALUES (?, ?)`, m.Version, m.Name); err != nil {
		return fmt.Errorf("migration %s: %w", m.Name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migration %s: %w", m.Name, err)
	}
	return nil
}
