package pgstore_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/chiso-vn/chiso/internal/pgtest"
	"github.com/chiso-vn/chiso/store/pgstore"
)

// TestOpenNamesABadDatabaseWithoutItsPassword: a malformed URL, a server
// that does not answer, a database that does not exist and one whose
// schema is newer than this build each fail with the URL named, its
// password redacted; none of them changes anything.
func TestOpenNamesABadDatabaseWithoutItsPassword(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.New(t)
	u, _ := url.Parse(dsn)
	missing := *u
	missing.Path = "/no_such_database"
	missing.User = url.UserPassword("postgres", "hunter2")
	tests := []struct{ name, dsn, want string }{
		{"malformed", "postgres://chiso:hunter2@db:notaport/chiso", "postgres://chiso:xxxxx@db:notaport/chiso"},
		{"unreachable", "postgres://chiso:hunter2@127.0.0.1:1/chiso?connect_timeout=5", "postgres://chiso:xxxxx@127.0.0.1:1/chiso"},
		{"no such database", missing.String(), "no_such_database"},
		{"password in a parameter", "postgres://127.0.0.1:1/chiso?password=hunter2&connect_timeout=5", "password=xxxxx"},
		// an @ in the password, where the URL does not parse: the driver's
		// own masking stops at the first @
		{"@ in the password, port out of range", "postgres://chiso:hun@ter2@127.0.0.1:99999/chiso", "127.0.0.1:99999/chiso"},
		{"@ in the password, port not a number", "postgres://chiso:hun@ter2@db:notaport/chiso", "db:notaport/chiso"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, err := pgstore.Open(ctx, tt.dsn)
			if err == nil {
				db.Close()
				t.Fatal("opened")
			}
			if strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "ter2") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want %s named without its password", err, tt.want)
			}
		})
	}

	db, err := pgstore.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `INSERT INTO schema_migrations(version, name) VALUES (999, '0999_future')`); err != nil {
		t.Fatal(err)
	}
	if _, err := pgstore.Open(ctx, dsn); err == nil || !strings.Contains(err.Error(), "newer than this chiso build") {
		t.Errorf("a newer schema: %v", err)
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://u:p@h/db":                        "postgres://u:xxxxx@h/db",
		"postgres://u@h/db":                          "postgres://u@h/db",
		"host=h user=u password=secret dbname=chiso": "host=h user=u password=xxxxx dbname=chiso",
		"host=h password='se cret' dbname=chiso":     "host=h password=xxxxx dbname=chiso",
		"postgres://u:p@ss@h:notaport/db":            "postgres://u:xxxxx@h:notaport/db",
	} {
		if got := pgstore.Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestOpenRefusesAnotherProgramsDatabase: a URL naming a database that
// holds another program's tables (the wrong database) is refused, naming
// one of them, and nothing of chiso's is created there; so is one whose
// schema_migrations table is another migration tool's.
func TestOpenRefusesAnotherProgramsDatabase(t *testing.T) {
	ctx := context.Background()
	for name, setup := range map[string]string{
		"customers":        `CREATE TABLE customers (id integer PRIMARY KEY, name text)`,
		"golang-migrate's": `CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL)`,
	} {
		t.Run(name, func(t *testing.T) {
			dsn := pgtest.New(t)
			conn, err := pgx.Connect(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(ctx)
			if _, err := conn.Exec(ctx, setup); err != nil {
				t.Fatal(err)
			}
			db, err := pgstore.Open(ctx, dsn)
			if err == nil {
				db.Close()
				t.Fatal("opened another program's database")
			}
			if !strings.Contains(err.Error(), "not chiso's") {
				t.Errorf("error %q", err)
			}
			var created bool
			if err := conn.QueryRow(ctx, `SELECT to_regclass('observations') IS NOT NULL`).Scan(&created); err != nil || created {
				t.Errorf("chiso's tables were created: %v %v", created, err)
			}
		})
	}
}
