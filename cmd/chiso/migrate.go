package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/chiso-vn/chiso/daemon"
	"github.com/chiso-vn/chiso/store"
	"github.com/chiso-vn/chiso/store/pgstore"
)

func init() {
	commands["migrate"] = command{summary: "copy a SQLite database into PostgreSQL: everything, every revision, checked by counts; safe to run again", run: runMigrate}
}

// runMigrate copies the SQLite database --from into the PostgreSQL
// database --to (pgstore.DB.CopyFrom), in one transaction that commits
// only when every count matches.
func runMigrate(ctx context.Context, e *env, args []string) int {
	fs := newCommandFlagSet(e, "migrate", "")
	from := fs.String("from", "", "`path` of the SQLite database to copy")
	to := fs.String("to", "", "`URL` of the PostgreSQL database (postgres://user:password@host:5432/chiso)")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if code, ok := noArgs(e, fs); !ok {
		return code
	}
	switch {
	case *from == "" || *to == "":
		return usageError(e, fs, errors.New("both --from and --to are required"))
	case !pgstore.IsDSN(*to):
		return usageError(e, fs, fmt.Errorf("--to %s: not a postgres:// URL", pgstore.Redact(*to)))
	case daemon.DatabaseName(*from) != *from: // a URL, perhaps with its password
		return usageError(e, fs, fmt.Errorf("--from %s: not a SQLite file", daemon.DatabaseName(*from)))
	}
	if _, err := os.Stat(*from); err != nil {
		return fail(e, "migrate", fmt.Errorf("--from: %w", err))
	}
	// read before anything opens it: opening would create chiso's tables
	// in an empty file or another program's database
	if ok, err := store.HasSchema(ctx, *from); err != nil {
		return fail(e, "migrate", fmt.Errorf("--from %s: %w", *from, err))
	} else if !ok {
		return fail(e, "migrate", fmt.Errorf("--from %s: not a chiso database (it has no chiso tables); nothing was copied", *from))
	}
	src, err := store.Open(ctx, *from)
	if err != nil {
		return fail(e, "migrate", err)
	}
	defer src.Close()
	dst, err := pgstore.Open(ctx, *to)
	if err != nil {
		return fail(e, "migrate", err)
	}
	defer dst.Close()
	counts, err := dst.CopyFrom(ctx, src)
	if err != nil {
		return fail(e, "migrate", fmt.Errorf("%s → %s: %w", src.Path(), dst.Path(), err))
	}
	fmt.Fprintf(e.stdout, "copied %s to %s, counts checked: %v\n", src.Path(), dst.Path(), counts)
	return 0
}
