// Package setup creates chiso databases: the built-in catalogue, and the
// sample observations when asked.
package setup

import (
	"context"
	"fmt"
	"time"

	"github.com/chiso-vn/chiso/sample/samplecat"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/ingest"
	"github.com/chiso-vn/chiso/sample"
	"github.com/chiso-vn/chiso/store"
)

// Result says what Init did.
type Result struct {
	CatalogueChanged int                 // catalogue rows inserted or changed
	Sample           *store.ImportResult // the sample import; nil when not asked
}

// DB is what setting up a database needs of the store: the catalogue, and
// an import for the sample. *store.DB implements it.
type DB interface {
	// ImportCatalogue upserts every entry of cat by its code in one
	// transaction and returns how many it inserted or changed; the same
	// catalogue again changes nothing and returns 0. Entries missing from
	// cat are kept.
	ImportCatalogue(ctx context.Context, cat *chiso.Catalogue) (changed int, err error)
	// Catalogue returns the stored catalogue, each list ordered by code.
	Catalogue(ctx context.Context) (*chiso.Catalogue, error)
	// Import stores a batch of observations, all or nothing; the same
	// figures again are unchanged (see daemon.Importer for the contract).
	Import(ctx context.Context, opts store.ImportOptions, read func(emit func(chiso.Observation) error) error) (store.ImportResult, error)
}

// Init brings the database at db up to the built-in catalogue and, with
// withSample, loads the sample observations. Both steps are idempotent: on a
// database that has them already they change nothing. now is recorded as the
// ingestion time.
func Init(ctx context.Context, db DB, withSample bool, now time.Time) (Result, error) {
	cat, err := samplecat.Catalogue()
	if err != nil {
		return Result{}, fmt.Errorf("read the built-in catalogue: %w", err)
	}
	var res Result
	if res.CatalogueChanged, err = db.ImportCatalogue(ctx, cat); err != nil {
		return res, fmt.Errorf("store the built-in catalogue: %w", err)
	}
	if !withSample {
		return res, nil
	}
	full, err := db.Catalogue(ctx)
	if err != nil {
		return res, err
	}
	imp, err := ImportSample(ctx, db, full, now)
	if err != nil {
		return res, err
	}
	res.Sample = &imp
	return res, nil
}

// ImportSample imports the built-in sample observations against cat.
func ImportSample(ctx context.Context, db DB, cat *chiso.Catalogue, now time.Time) (store.ImportResult, error) {
	f, err := sample.FS().Open(sample.Observations)
	if err != nil {
		return store.ImportResult{}, err
	}
	defer f.Close()
	opts := ingest.Options{Catalogue: cat}
	res, err := db.Import(ctx, store.ImportOptions{Source: "sample", Now: now}, func(emit func(chiso.Observation) error) error {
		return ingest.Read(f, "sample/"+sample.Observations, opts, emit)
	})
	if err != nil {
		return res, fmt.Errorf("import the sample observations: %w", err)
	}
	return res, nil
}
