package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
)

// prepare readies the statements the importer runs once per series or source.
func (im *importer) prepare() error {
	var err error
	prep := func(q string) *sql.Stmt {
		if err != nil {
			return nil
		}
		var st *sql.Stmt
		st, err = im.tx.PrepareContext(im.ctx, q)
		return st
	}
	im.loadCells = prep(`SELECT cells FROM series_figures WHERE series_id = ?`)
	im.olderRev = prep(`WITH RECURSIVE chain(id, prev, revision, value, qualifier, method) AS (
			SELECT id, prev_id, revision, value, qualifier, coalesce(method, '') FROM observations WHERE id = ?
			UNION ALL
			SELECT o.id, o.prev_id, o.revision, o.value, o.qualifier, coalesce(o.method, '')
			FROM observations o JOIN chain c ON o.id = c.prev)
		SELECT value, qualifier, method FROM chain WHERE revision = ?`)
	im.saveCells = prep(`INSERT INTO series_figures(series_id, n, cells) VALUES (?, ?, ?)
		ON CONFLICT(series_id) DO UPDATE SET n = excluded.n, cells = excluded.cells`)
	im.findSource = prep(`SELECT id FROM sources WHERE name = ?`)
	// No RETURNING: SQLite runs it through a temporary table, which costs
	// more than the insert itself.
	im.addSource = prep(`INSERT INTO sources(name) VALUES (?)`)
	im.addSeries = prep(`INSERT INTO series(indicator_id, area_id) VALUES (?, ?)`)
	im.addMethod = prep(`INSERT INTO methods(name) VALUES (?)`)
	if err != nil {
		return fmt.Errorf("prepare: %w", err)
	}
	return nil
}

// loadSeries reads every series id, so that a series missing from the map
// is known to be missing from the database.
func (im *importer) loadSeries() error {
	rows, err := im.tx.QueryContext(im.ctx, `SELECT indicator_id, area_id, id FROM series`)
	if err != nil {
		return fmt.Errorf("load series: %w", err)
	}
	defer rows.Close()
	var ind, area, id int64
	for rows.Next() {
		if err := rows.Scan(&ind, &area, &id); err != nil {
			return fmt.Errorf("load series: %w", err)
		}
		im.series[[2]int64{ind, area}] = id
	}
	return rows.Err()
}

// state returns what is known of the series' current cells, creating the
// series or loading its cells as needed.
func (im *importer) state(ind, area int64) (*seriesState, error) {
	key := [2]int64{ind, area}
	id, known := im.series[key]
	if known {
		if st := im.states[id]; st != nil {
			return st, nil
		}
	}
	if im.cached > im.cacheCells {
		if err := im.evict(); err != nil {
			return nil, err
		}
	}
	st := &seriesState{id: id, cells: im.spare.take(), counts: im.byInd[ind]}
	if st.counts == nil {
		st.counts = &Counts{}
		im.byInd[ind] = st.counts
	}
	if st.cells == nil && im.created != nil {
		// Until the first eviction leaves spare slices, sized as the series
		// created last: files usually give series of the same length one
		// after another.
		st.cells = make(cells, 0, max(len(im.created.cells), 4))
	}
	im.created = st
	var err error
	if !known {
		if st.id, err = insertID(im.ctx, im.addSeries, ind, area); err != nil {
			return nil, fmt.Errorf("add series: %w", err)
		}
		im.series[key] = st.id
	} else if err := im.loadState(st); err != nil {
		return nil, err
	}
	im.states[st.id] = st
	return st, nil
}

// loadState reads the current figure of each cell of a stored series.
func (im *importer) loadState(st *seriesState) error {
	var blob []byte
	err := im.loadCells.QueryRowContext(im.ctx, st.id).Scan(&blob)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err == nil {
		st.cells, err = decodeCells(st.cells, blob, &im.figs)
	}
	if err != nil {
		return fmt.Errorf("load series %d: %w", st.id, err)
	}
	im.cached += len(st.cells)
	return nil
}

// saveStates writes the revisions queued and the cells of every changed
// series.
func (im *importer) saveStates() error {
	if err := im.w.flush(); err != nil {
		return err
	}
	for _, st := range im.states {
		if !st.dirty {
			continue
		}
		im.blob = appendCells(im.blob[:0], st.cells)
		if _, err := im.saveCells.ExecContext(im.ctx, st.id, len(st.cells), im.blob); err != nil {
			return fmt.Errorf("write series %d: %w", st.id, err)
		}
		st.dirty = false
	}
	return nil
}

// evict saves and forgets every cached series.
func (im *importer) evict() error {
	if err := im.saveStates(); err != nil {
		return err
	}
	for _, st := range im.states {
		im.spare.give(st.cells)
	}
	clear(im.states)
	im.last = nil
	im.cached = 0
	return nil
}

// source returns the id of a source name, adding the name if it is new; the
// empty name is the import's own source.
func (im *importer) source(name string) (int32, error) {
	if name == "" {
		name = im.opts.Source
	}
	if name == im.lastSource && im.lastSrcID != 0 {
		return im.lastSrcID, nil
	}
	id, ok := im.sources[name]
	if !ok && name != "" {
		err := im.findSource.QueryRowContext(im.ctx, name).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			id, err = insertID(im.ctx, im.addSource, name)
		}
		if err == nil && id > math.MaxInt32 {
			err = fmt.Errorf("source id %d: the store holds at most %d sources", id, math.MaxInt32)
		}
		if err != nil {
			return 0, fmt.Errorf("source %q: %w", name, err)
		}
		im.sources[name] = id
	}
	im.lastSource, im.lastSrcID = name, int32(id)
	return int32(id), nil
}

// methodIDs reads the methods table.
func methodIDs(ctx context.Context, q queryer) (map[string]int32, error) {
	ids, err := codeIDs(ctx, q, `SELECT name, id FROM methods`)
	if err != nil {
		return nil, err
	}
	m := make(map[string]int32, len(ids)+1)
	for name, id := range ids {
		m[name] = int32(id)
	}
	m[""] = 0
	return m, nil
}

// sameMethod reports whether the method with the id is named name.
func (im *importer) sameMethod(id int32, name string) bool {
	if name == "" {
		return id == 0
	}
	known, ok := im.methods[name]
	return ok && known == id
}

// method returns the id of a method name, adding the name if it is new;
// the empty name, the indicator's default, is 0.
func (im *importer) method(name string) (int32, error) {
	if name == "" {
		return 0, nil
	}
	if id, ok := im.methods[name]; ok {
		return id, nil
	}
	id, err := insertID(im.ctx, im.addMethod, name)
	if err == nil && id > math.MaxInt32 {
		err = fmt.Errorf("method id %d: the store holds at most %d methods", id, math.MaxInt32)
	}
	if err != nil {
		return 0, fmt.Errorf("method %q: %w", name, err)
	}
	im.methods[name] = int32(id)
	return int32(id), nil
}

// insertID runs an INSERT and returns the new row's id.
func insertID(ctx context.Context, st *sql.Stmt, args ...any) (int64, error) {
	res, err := st.ExecContext(ctx, args...)
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// finish writes what is pending, reports unknown codes and invalid figures,
// and records the import's counts.
func (im *importer) finish() (ImportResult, error) {
	if err := im.rejects.Err(); err != nil {
		return ImportResult{}, err
	}
	if err := im.saveStates(); err != nil {
		return ImportResult{}, err
	}
	res := ImportResult{ID: im.importID, ByIndicator: map[string]Counts{}}
	names := map[int64]string{}
	for code, id := range im.indicators {
		names[id] = code
	}
	for id, c := range im.byInd {
		res.ByIndicator[names[id]] = *c
		res.Counts.add(*c)
	}
	if im.firstID != 0 {
		res.FirstID, res.LastID = im.firstID, im.nextID-1
	}
	_, err := im.tx.ExecContext(im.ctx, `UPDATE imports SET added = ?, revised = ?, unchanged = ?, first_id = ?, last_id = ?
		WHERE id = ?`, res.Added, res.Revised, res.Unchanged, res.FirstID, res.LastID, im.importID)
	if err != nil {
		return ImportResult{}, fmt.Errorf("record import: %w", err)
	}
	return res, nil
}
