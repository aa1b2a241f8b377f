package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/ingest"
	"github.com/chiso-vn/chiso/server"
	"github.com/chiso-vn/chiso/store"
)

// importFile stores the observations of one file, all or nothing, counts
// the outcome per channel and wakes the sync loop so that the groups that
// read them are evaluated at once.
//
// A file with rows for areas outside scope (nil: every area) stores
// nothing and fails with a *scopeError naming every such row. The areas
// the file named are returned, whatever the outcome.
func (d *Daemon) importFile(ctx context.Context, r io.Reader, name, source string, dryRun bool, channel string, scope *server.Principal) (store.ImportResult, []string, error) {
	cfg := d.cfg.Load()
	check := &scopeCheck{scope: scope, places: &ingest.Places{}, lang: cfg.Language, areas: map[string]bool{}}
	opts := ingest.Options{Locale: ingest.Locale(cfg.Locale), Catalogue: d.cat, Source: source, Lang: cfg.Language, Places: check.places}
	res, err := d.db.Import(ctx, store.ImportOptions{Source: sourceOr(source, name), DryRun: dryRun, Now: d.opts.Now()},
		func(emit func(chiso.Observation) error) error {
			return check.result(ingest.Read(r, name, opts, func(o chiso.Observation) error {
				if !check.pass(o) {
					return nil // kept back: the file fails once every row is read
				}
				return emit(o)
			}))
		})
	res, err = d.countImport(res, err, dryRun, channel, name)
	return res, check.fileAreas(), err
}

// countImport counts an import's outcome per channel, notes it as the
// daemon's own and wakes the sync loop after one that stored figures.
func (d *Daemon) countImport(res store.ImportResult, err error, dryRun bool, channel, name string) (store.ImportResult, error) {
	outcome := "success"
	switch {
	case err != nil:
		outcome = "failure"
	case dryRun:
		outcome = "dry_run"
	}
	d.metrics.imports.WithLabelValues(channel, outcome).Inc()
	var list *ingest.ErrorList
	if err != nil && !errors.As(err, &list) {
		return res, fmt.Errorf("import %s: %w", name, err)
	}
	if err != nil {
		return res, err // every problem already names the file
	}
	if !dryRun {
		d.imports.own(res.ID)
		d.metrics.imported(d.opts.Now())
	}
	if !dryRun && res.LastID > 0 {
		d.Nudge()
		d.announce(context.Background(), res.LastID)
	}
	return res, nil
}

// importLog tells the daemon's own imports from those of other processes
// (the chiso import command), which are counted as channel "external". An
// import is judged one look after it appears in the store's log, so that an
// API import committed but not yet marked as the daemon's is not miscounted.
type importLog struct {
	mu      sync.Mutex
	mine    map[int64]bool       // ids of the daemon's own imports not yet judged
	pending []store.ImportRecord // imports seen at the last look, judged at the next
	last    int64                // the newest import id seen
}

func (l *importLog) hasPending() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.pending) > 0
}

// settled reports whether every import seen has been judged and none of
// the daemon's own awaits judging.
func (l *importLog) settled() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.pending) == 0 && len(l.mine) == 0
}

func (l *importLog) own(id int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.mine[id] = true
}

// external returns the imports seen at the previous call that were not
// the daemon's own, and keeps the new ones in recs for the next call.
func (l *importLog) external(recs []store.ImportRecord) []store.ImportRecord {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []store.ImportRecord
	for _, r := range l.pending {
		if !l.mine[r.ID] {
			out = append(out, r)
		}
		delete(l.mine, r.ID)
	}
	l.pending = l.pending[:0]
	newest := l.last
	for _, r := range recs {
		if r.ID > l.last {
			l.pending = append(l.pending, r)
			newest = max(newest, r.ID)
		}
	}
	l.last = newest
	return out
}

// countExternalImports counts the imports other processes made, logs one
// line for each, and moves the last import's time.
func (d *Daemon) countExternalImports(ctx context.Context) {
	recs, err := d.db.Imports(ctx, 100)
	if err != nil {
		d.log.Warn("read import log", "err", err)
		return
	}
	ext := d.imports.external(recs)
	if len(ext) == 0 {
		return
	}
	d.metrics.imports.WithLabelValues("external", "success").Add(float64(len(ext)))
	for _, r := range ext {
		d.metrics.imported(r.FinishedAt)
		d.log.Info("picked up an import by another process", "import", r.ID, "source", r.Source,
			"added", r.Added, "revised", r.Revised, "unchanged", r.Unchanged, "committed", r.FinishedAt)
	}
}

func sourceOr(source, name string) string {
	if source != "" {
		return source
	}
	return name
}

// Import implements server.Importer.
func (d *Daemon) Import(ctx context.Context, req server.ImportRequest) (server.ImportSummary, error) {
	res, areas, err := d.importFile(ctx, req.Body, req.Name, req.Source, req.DryRun, "api", req.Scope)
	var se *scopeError
	switch {
	case errors.As(err, &se):
		return server.ImportSummary{}, &server.OutOfScope{Lacked: se.lacked, Rows: inputErrors(se.list).(*server.InputErrors)}
	case err != nil:
		return server.ImportSummary{}, inputErrors(err)
	}
	sum := server.ImportSummary{Added: res.Added, Revised: res.Revised, Unchanged: res.Unchanged,
		FirstID: res.FirstID, LastID: res.LastID, DryRun: req.DryRun, Areas: areas}
	if len(res.ByIndicator) > 0 {
		sum.ByIndicator = make(map[string]server.ImportCounts, len(res.ByIndicator))
		for code, c := range res.ByIndicator {
			sum.ByIndicator[code] = server.ImportCounts{Added: c.Added, Revised: c.Revised, Unchanged: c.Unchanged}
		}
	}
	return sum, nil
}

// inputErrors turns the importer's list of bad rows into the server's
// positioned errors; other errors pass unchanged.
func inputErrors(err error) error {
	var el *ingest.ErrorList
	if !errors.As(err, &el) {
		return err
	}
	out := &server.InputErrors{More: el.More, Summary: el.Summary()}
	for _, e := range el.Errors {
		file := e.File
		if e.Sheet != "" {
			file += ":" + e.Sheet
		}
		out.Errors = append(out.Errors, server.InputError{File: file, Line: e.Line, Column: e.Column,
			Field: e.Field, Value: ingest.Clip(e.Value), Message: e.Message()})
	}
	return out
}

// Observations implements server.Querier.
func (d *Daemon) Observations(ctx context.Context, q server.ObservationQuery) (server.ObservationPage, error) {
	f := store.Filter{Indicators: q.Indicators, Areas: q.Areas, From: q.From, To: q.To}
	obs, last, more, err := d.db.CurrentPage(ctx, f, store.Position{Series: q.After.Series, Period: q.After.Period}, q.Limit)
	pg := server.ObservationPage{Observations: obs}
	if more {
		pg.Next = &server.Position{Series: last.Series, Period: last.Period}
	}
	return pg, err
}

// Catalogue implements server.Querier: the catalogue the daemon runs with.
func (d *Daemon) Catalogue(context.Context) (*chiso.Catalogue, error) { return d.cat, nil }
