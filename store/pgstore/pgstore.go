// Package pgstore keeps chiso's data in PostgreSQL, with the semantics of
// the SQLite store (package store) and held to the same conformance suite
// (store/storetest): the catalogue, every revision of every figure, the
// import log, and what alerting persists. Several daemons can share one
// database.
//
// An import streams its figures into a temporary table with COPY, then
// decides in a few set-based statements which are new cells, which revise a
// cell and which change nothing, writes the revisions to observations and
// the latest figure of each cell to current:
//
//	series(id, indicator_id, area_id)          one per (indicator, area)
//	observations(id, series_id, period, …)     every revision, append-only;
//	                                           id is chiso.Observation.ID
//	current(series_id, period, obs_id, …)      the latest revision of each
//	                                           cell and its figure
//	imports(id, source, …, first_id, last_id)  what each import wrote
//
// Writers (imports, catalogue imports) take one transaction-level advisory
// lock, writerLock, so that they commit in the order of the ids they
// assign: a reader that saw revision n never later sees a revision below n
// appear. Readers use REPEATABLE READ snapshots and never wait for writers.
// An import commits in one place, commitImport.
package pgstore

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/chiso-vn/chiso/store"
)

// writerLock is the key of the transaction-level advisory lock that
// serialises the store's writers of figures and catalogue.
const writerLock int64 = 0x63686973_6f000001 // "chiso" 1

// migrateLock is the key of the lock held while the schema is migrated, so
// that daemons starting together migrate once.
const migrateLock int64 = 0x63686973_6f000002

// DB is an open chiso database on PostgreSQL. It is safe for concurrent use.
type DB struct {
	dsn   string // redacted
	pool  *pgxpool.Pool
	names *nameCache

	closeOnce sync.Once
}

// IsDSN reports whether a configured database is a PostgreSQL connection
// string (postgres:// or postgresql://) rather than a SQLite file.
func IsDSN(database string) bool {
	return strings.HasPrefix(database, "postgres://") || strings.HasPrefix(database, "postgresql://")
}

// Redact returns the connection string with its password replaced, for
// messages and logs.
func Redact(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.Scheme != "" {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
		q := u.Query()
		if q.Has("password") {
			q.Set("password", "xxxxx")
			u.RawQuery = q.Encode()
		}
		return u.String()
	}
	// not a URL Go can parse (a bad port, say): redact the user
	// information and password parameters by their shape
	dsn = urlPassword.ReplaceAllString(dsn, "${1}xxxxx@")
	dsn = queryPassword.ReplaceAllString(dsn, "${1}xxxxx")
	return keywordPassword.ReplaceAllString(dsn, "${1}xxxxx")
}

var (
	urlPassword     = regexp.MustCompile(`^([a-zA-Z][a-zA-Z0-9+.-]*://[^:/@]*:).*@`) // to the last @: a password may hold one
	queryPassword   = regexp.MustCompile(`([?&]password=)[^&]*`)
	keywordPassword = regexp.MustCompile(`((?:^|\s)password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)`)
)

// connectTimeout bounds how long Open waits for an unreachable server
// when the connection string does not say (connect_timeout).
const connectTimeout = 10 * time.Second

// Open connects to the database at dsn (a postgres:// URL or key=value
// connection string) and brings its schema up to date. A bad or
// unreachable DSN fails with an error naming it, password redacted, and
// changes nothing. It refuses a database whose schema is newer than this
// build knows.
func Open(ctx context.Context, dsn string) (*DB, error) {
	db := &DB{dsn: Redact(dsn), names: newNameCache()}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", db.dsn, unquoteDSN(err, dsn, db.dsn))
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = connectTimeout
	}
	cfg.MaxConns = max(cfg.MaxConns, 8)
	if db.pool, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		return nil, fmt.Errorf("open store %s: %w", db.dsn, unquoteDSN(err, dsn, db.dsn))
	}
	if err := db.pool.Ping(ctx); err != nil {
		db.pool.Close()
		return nil, fmt.Errorf("open store %s: cannot connect: %w", db.dsn, unquoteDSN(err, dsn, db.dsn))
	}
	if err := migrate(ctx, db.pool); err != nil {
		db.pool.Close()
		return nil, fmt.Errorf("open store %s: %w", db.dsn, err)
	}
	return db, nil
}

// unquoteDSN makes sure an error from the driver does not carry the
// password: it replaces the connection string by its redacted form, also
// in the driver's parse error, whose own masking is best effort (it stops
// at the first @ of a password holding one).
func unquoteDSN(err error, dsn, redacted string) error {
	msg := err.Error()
	var pe *pgconn.ParseConfigError
	if errors.As(err, &pe) {
		ours := *pe
		ours.ConnString = redacted
		msg = strings.ReplaceAll(msg, pe.Error(), ours.Error())
	}
	if dsn != redacted {
		msg = strings.ReplaceAll(msg, dsn, redacted)
	}
	if msg == err.Error() {
		return err
	}
	return errors.New(msg)
}

// DSN returns the connection string, its password redacted.
func (db *DB) DSN() string { return db.dsn }

// Path returns the connection string, its password redacted: what the
// commands print where the SQLite store prints its file.
func (db *DB) Path() string { return db.dsn }

// Pool returns the connection pool, for what shares the database with the
// store (leader election, notifications).
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// Close closes the pool. It is safe to call more than once.
func (db *DB) Close() error {
	db.closeOnce.Do(db.pool.Close)
	return nil
}

//go:embed migrations/*.sql
var migrationFS embed.FS

// migrate applies the migrations the database lacks, all in one
// transaction under migrateLock, and refuses a schema newer than this build.
func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	ms, err := store.Migrations(migrationFS)
	if err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrateLock); err != nil {
			return fmt.Errorf("lock the schema: %w", err)
		}
		if err := ownDatabase(ctx, tx); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		var have int
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&have); err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
		pending, err := store.Pending(ms, have)
		if err != nil {
			return err
		}
		for _, m := range pending {
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return fmt.Errorf("migration %s: %w", m.Name, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations(version, name) VALUES ($1, $2)`, m.Version, m.Name); err != nil {
				return fmt.Errorf("migration %s: %w", m.Name, err)
			}
		}
		return nil
	})
}

// ownDatabase refuses a database that is not chiso's to create its tables
// in: one that holds another program's tables but not chiso's (the wrong
// database in the URL), or whose schema_migrations table is another
// migration tool's.
func ownDatabase(ctx context.Context, tx pgx.Tx) error {
	var ours, named bool
	if err := tx.QueryRow(ctx, `SELECT
		EXISTS (SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'schema_migrations'),
		EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema()
			AND table_name = 'schema_migrations' AND column_name = 'name')`).Scan(&ours, &named); err != nil {
		return fmt.Errorf("read the database's tables: %w", err)
	}
	switch {
	case ours && !named:
		return errors.New("its schema_migrations table is not chiso's (another migration tool's): give chiso a database of its own; nothing was changed")
	case ours:
		return nil
	}
	var n int
	var first *string
	if err := tx.QueryRow(ctx, `SELECT count(*), min(table_name) FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_name <> 'leader_lease'`).Scan(&n, &first); err != nil {
		return fmt.Errorf("read the database's tables: %w", err)
	}
	if n > 0 {
		return fmt.Errorf("it holds %d tables that are not chiso's (%s, …) and none of chiso's: is it the right database? "+
			"give chiso an empty database of its own; nothing was changed", n, *first)
	}
	return nil
}

// lockWriters takes the writer lock until the transaction ends.
func lockWriters(ctx context.Context, tx pgx.Tx) error {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, writerLock); err != nil {
		return fmt.Errorf("wait for other writers: %w", err)
	}
	return nil
}

// snapshot runs f in a read-only REPEATABLE READ transaction: every
// statement of f sees the same committed state.
func (db *DB) snapshot(ctx context.Context, f func(pgx.Tx) error) error {
	return pgx.BeginTxFunc(ctx, db.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, f)
}

// Exists reports whether the database at dsn holds a chiso schema, without
// changing anything: a database that does not exist, or holds no chiso
// tables, does not.
func Exists(ctx context.Context, dsn string) (bool, error) {
	redacted := Redact(dsn)
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return false, fmt.Errorf("%s: %w", redacted, unquoteDSN(err, dsn, redacted))
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = connectTimeout
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "3D000" { // invalid_catalog_name: no such database
			return false, nil
		}
		return false, fmt.Errorf("%s: cannot connect: %w", redacted, unquoteDSN(err, dsn, redacted))
	}
	defer conn.Close(ctx)
	var ok bool
	if err := conn.QueryRow(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&ok); err != nil {
		return false, fmt.Errorf("%s: %w", redacted, err)
	}
	return ok, nil
}
