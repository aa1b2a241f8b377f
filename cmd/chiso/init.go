package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/daemon"
	"github.com/chiso-vn/chiso/ingest"
	"github.com/chiso-vn/chiso/internal/setup"
)

func init() {
	commands["init"] = command{summary: "create the database with the built-in catalogue (--sample: and the sample data)", run: runInit}
	commands["catalogue"] = command{summary: "import catalogue files: indicators, areas, lineage, targets, bounds, sources", run: runCatalogue}
	verbs["catalogue"] = catalogueSubcommands
}

var catalogueSubcommands = map[string]subcommand{
	"import": {"import indicators.csv, areas.csv, lineage.csv, targets.csv, bounds.csv or sources.csv files, recognised by their header", runCatalogueImport},
}

func runInit(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "init", "")
	withSample := fs.Bool("sample", false, "also load the sample observations from five published articles")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if code, ok := noArgs(e, fs); !ok {
		return code
	}
	existed, err := daemon.DatabaseExists(ctx, e.db)
	if err != nil {
		return fail(e, "init", err)
	}
	db, err := daemon.OpenDatabase(ctx, e.db)
	if err != nil {
		return fail(e, "init", err)
	}
	defer db.Close()
	res, err := setup.Init(ctx, db, *withSample, time.Now())
	if err != nil {
		return fail(e, "init", err)
	}
	verb := "updated"
	if !existed {
		verb = "created"
	}
	fmt.Fprintf(e.stdout, "%s %s: %d catalogue entries added or changed\n", verb, db.Path(), res.CatalogueChanged)
	if res.Sample != nil {
		printImport(e.stdout, "sample observations", *res.Sample, false)
	}
	return 0
}

func runCatalogue(ctx context.Context, e *env, args []string) int {
	return dispatch(ctx, e, "catalogue", catalogueSubcommands, args)
}

func runCatalogueImport(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "catalogue import", "FILE...")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() == 0 {
		return usageError(e, fs, errors.New("name the catalogue files to import"))
	}
	db, err := openExisting(ctx, e)
	if err != nil {
		return fail(e, "catalogue import", err)
	}
	defer db.Close()
	cat, err := readCatalogueFiles(ctx, db, fs.Args())
	if err != nil {
		auditLocalCatalogue(ctx, e, db, fs.Args(), 0, err)
		return fail(e, "catalogue import", fmt.Errorf("nothing imported:\n%w", err))
	}
	n, err := db.ImportCatalogue(ctx, cat)
	auditLocalCatalogue(ctx, e, db, fs.Args(), n, err)
	if err != nil {
		return fail(e, "catalogue import", fmt.Errorf("nothing imported:\n%w", err))
	}
	fmt.Fprintf(e.stdout, "catalogue: %d entries added or changed\n", n)
	return 0
}

// readCatalogueFiles reads the files and checks them against what the
// database already holds, so a targets file may name stored indicators.
func readCatalogueFiles(ctx context.Context, db daemon.Database, paths []string) (*chiso.Catalogue, error) {
	cat := &chiso.Catalogue{}
	var errs []error
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if err := ingest.ReadCatalogue(p, f, cat); err != nil {
			errs = append(errs, err)
		}
		f.Close()
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	stored, err := db.Catalogue(ctx)
	if err != nil {
		return nil, err
	}
	if err := ingest.ValidateCatalogue(merged(stored, cat)); err != nil {
		return nil, err
	}
	return cat, nil
}

// merged returns the stored catalogue with the new entries over it.
func merged(stored, add *chiso.Catalogue) *chiso.Catalogue {
	out := &chiso.Catalogue{}
	out.Indicators = mergeBy(stored.Indicators, add.Indicators, func(i chiso.Indicator) string { return i.Code })
	out.Areas = mergeBy(stored.Areas, add.Areas, func(a chiso.Area) string { return a.Code })
	out.Lineage = mergeBy(stored.Lineage, add.Lineage, func(l chiso.Lineage) string { return l.From + "\x00" + l.To })
	out.Targets = mergeBy(stored.Targets, add.Targets, func(t chiso.Target) string {
		return t.Indicator + "\x00" + t.Area + "\x00" + t.Period.String()
	})
	out.Bounds = mergeBy(stored.Bounds, add.Bounds, func(b chiso.DatedRange) string {
		return b.Indicator + "\x00" + b.ValidFrom.Format(time.DateOnly)
	})
	return out
}

func mergeBy[T any](old, add []T, key func(T) string) []T {
	seen := make(map[string]bool, len(add))
	for _, v := range add {
		seen[key(v)] = true
	}
	out := append([]T(nil), add...)
	for _, v := range old {
		if !seen[key(v)] {
			out = append(out, v)
		}
	}
	return out
}
