package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/chiso-vn/chiso"
)

// ImportOptions says where an import comes from and whether to keep it.
type ImportOptions struct {
	// Source names the file or feed; it is recorded with the import and
	// given to every observation whose own Source is empty.
	Source string
	// DryRun computes the result and stores nothing.
	DryRun bool
	// Now is the ingestion time recorded on every revision written; the
	// caller decides it so that the store never reads the clock.
	Now time.Time
}

// Counts says what an import did to the figures it read.
type Counts struct {
	Added     int // cells that had no figure before
	Revised   int // cells whose figure changed: a new revision
	Unchanged int // figures already stored (same value, qualifier and method)
}

func (c *Counts) add(o Counts) {
	c.Added += o.Added
	c.Revised += o.Revised
	c.Unchanged += o.Unchanged
}

// ImportResult is what an import did.
type ImportResult struct {
	ID int64 // the import's id; 0 for a dry run
	Counts
	ByIndicator map[string]Counts // the counts per indicator code
	// FirstID and LastID are the sequence numbers of the first and last
	// revision written (for a dry run, those it would have used); both 0
	// when nothing was written.
	FirstID, LastID int64
}

// Import runs read, which calls emit for every observation of one file,
// inside one write transaction. A figure for a new cell is added as revision
// 1; a different value, qualifier or method for a stored cell is added as the
// next revision, keeping the old one; the same figure again changes nothing
// and is counted as unchanged. Two different figures read from one file
// (with an Origin) for the same cell are refused: emit returns a
// *RepeatedCell; figures built by a program revise each other.
//
// If read returns an error (for instance the importer's list of every bad
// row), or an observation names an unknown indicator or area, the
// transaction is rolled back and nothing is stored; unknown codes are all
// listed in one error. So is a context that ends while read runs: the
// error then wraps the context's. Readers never see part of an import.
func (db *DB) Import(ctx context.Context, opts ImportOptions, read func(emit func(chiso.Observation) error) error) (ImportResult, error) {
	if opts.Now.IsZero() {
		return ImportResult{}, fmt.Errorf("import %s: no ingestion time (ImportOptions.Now)", opts.Source)
	}
	// The import holds the writer connection itself: the batch writer
	// reaches the driver under the transaction database/sql began.
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return ImportResult{}, fmt.Errorf("import %s: %w", opts.Source, err)
	}
	defer conn.Close()
	// The transaction ignores ctx: database/sql would roll it back from
	// another goroutine when ctx ends, and the batch writer's statements,
	// which reach the driver directly, would then run outside any
	// transaction and commit on their own. Import checks ctx instead (in
	// emit, and before committing) and rolls back on this goroutine.
	tx, err := conn.BeginTx(context.WithoutCancel(ctx), nil)
	if err != nil {
		return ImportResult{}, fmt.Errorf("import %s: %w", opts.Source, err)
	}
	defer tx.Rollback()
	im, err := newImporter(ctx, conn, tx, opts, db.cacheCells)
	if err != nil {
		return ImportResult{}, fmt.Errorf("import %s: %w", opts.Source, err)
	}
	defer im.close()
	if err := read(im.emit); err != nil {
		if cerr := ctx.Err(); cerr != nil {
			return ImportResult{}, fmt.Errorf("import %s: %w", opts.Source, cerr)
		}
		return ImportResult{}, err // the reader's own error names the file
	}
	res, err := im.finish()
	if err == nil {
		err = ctx.Err() // ended after the last check in emit
	}
	if err != nil {
		return ImportResult{}, fmt.Errorf("import %s: %w", opts.Source, ended(ctx, err))
	}
	if opts.DryRun {
		res.ID = 0
		return res, nil // the deferred Rollback discards everything
	}
	if err := tx.Commit(); err != nil {
		return ImportResult{}, fmt.Errorf("import %s: commit: %w", opts.Source, ended(ctx, err))
	}
	return res, nil
}

// ended returns ctx's error once ctx has ended, else err: a statement
// that a cancellation interrupted fails with an error that does not say
// why.
func ended(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return cerr
	}
	return err
}

// cell is the current revision of one (series, period): what
// series_figures keeps of it.
type cell struct {
	period    int32
	revision  int32
	id        int64
	value     float64
	source    int32 // sources.id; 0: none
	method    int32 // methods.id; 0: the indicator's default
	qualifier chiso.Qualifier
	// origin marks a cell this import gave a figure read from a file, with
	// where it was read (an Observation's Origin); 0 for a cell as loaded.
	// Kept in memory only.
	origin int64
}

// seriesState is what the importer knows of one series' current cells.
type seriesState struct {
	id     int64 // series id
	cells  cells
	dirty  bool    // cells changed: series_figures must be rewritten
	counts *Counts // the counts of the series' indicator (importer.byInd)
}

// maxCachedCells bounds the cells the importer keeps in memory; beyond it
// the cache is dropped (after writing what is pending) and reloaded from the
// database as series come back, so memory does not grow with the file.
const maxCachedCells = 1 << 17

// importer is the state of one Import: code and series ids, the current
// cells of the series seen lately, and the rows waiting to be written.
type importer struct {
	// ctx is the caller's context without its cancellation, for the
	// statements of the import: for a context that can end, the driver
	// starts a goroutine to watch it at every statement, a tenth of the
	// time of an import in small batches. live, the caller's context, is
	// checked every ctxCheckEvery rows instead, and once more before the
	// commit.
	ctx  context.Context
	live context.Context
	tx   *sql.Tx
	opts ImportOptions
	w    *batchWriter

	importID   int64
	nextID     int64 // the id of the next revision written
	firstID    int64
	ingestedAt int64 // unix ns

	indicators map[string]int64
	areas      map[string]int64
	sources    map[string]int64
	series     map[[2]int64]int64
	states     map[int64]*seriesState
	created    *seriesState // the series state created last
	// The series of the last row, and its codes: files are usually grouped
	// by series, and these spare each row four map lookups. Cleared when
	// the states are evicted.
	last              *seriesState
	lastInd, lastArea string
	cached            int
	cacheCells        int // the most cells kept in states
	spare             spareCells
	loadCells         *sql.Stmt
	olderRev          *sql.Stmt // a cell's figure at an earlier revision, by the current id
	saveCells         *sql.Stmt
	blob              []byte        // reused to encode series_figures
	figs              figureColumns // reused to decode series_figures
	findSource        *sql.Stmt
	addSource         *sql.Stmt
	addSeries         *sql.Stmt
	addMethod         *sql.Stmt
	methods           map[string]int32 // methods.id by name; "" is 0
	lastSource        string
	lastSrcID         int32

	byInd   map[int64]*Counts
	rejects Rejects
	emitted int
}

func newImporter(ctx context.Context, conn *sql.Conn, tx *sql.Tx, opts ImportOptions, cacheCells int) (*importer, error) {
	im := &importer{
		ctx: context.WithoutCancel(ctx), live: ctx, tx: tx, opts: opts, cacheCells: cacheCells, ingestedAt: opts.Now.UnixNano(),
		sources: map[string]int64{}, series: map[[2]int64]int64{}, states: map[int64]*seriesState{},
		byInd: map[int64]*Counts{},
	}
	var err error
	if im.indicators, err = codeIDs(ctx, tx, `SELECT code, id FROM indicators`); err != nil {
		return nil, fmt.Errorf("load indicators: %w", err)
	}
	if im.areas, err = codeIDs(ctx, tx, `SELECT code, id FROM areas`); err != nil {
		return nil, fmt.Errorf("load areas: %w", err)
	}
	if im.methods, err = methodIDs(ctx, tx); err != nil {
		return nil, fmt.Errorf("load methods: %w", err)
	}
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) + 1 FROM observations`).Scan(&im.nextID); err != nil {
		return nil, fmt.Errorf("read last id: %w", err)
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO imports(source, started_at) VALUES (?, ?)`, opts.Source, im.ingestedAt)
	if err == nil {
		im.importID, err = res.LastInsertId()
	}
	if err != nil {
		return nil, fmt.Errorf("record import: %w", err)
	}
	if err := im.prepare(); err != nil {
		return nil, err
	}
	if err := im.loadSeries(); err != nil {
		return nil, err
	}
	im.w = newBatchWriter(im.ctx, conn, im.importID, im.ingestedAt)
	return im, nil
}

// codeIDs reads a (code, id) table into a map.
func codeIDs(ctx context.Context, tx queryer, query string) (map[string]int64, error) {
	rows, err := tx.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	m := map[string]int64{}
	for rows.Next() {
		var code string
		var id int64
		if err := rows.Scan(&code, &id); err != nil {
			return nil, err
		}
		m[code] = id
	}
	return m, rows.Err()
}

func (im *importer) close() {
	for _, st := range []*sql.Stmt{im.loadCells, im.olderRev, im.saveCells, im.findSource, im.addSource, im.addSeries, im.addMethod} {
		if st != nil {
			st.Close()
		}
	}
	if im.w != nil {
		im.w.close()
	}
}

// ctxCheckEvery is how many rows pass between checks of the context.
const ctxCheckEvery = 4096

// emit takes one observation. Unknown codes and invalid figures are recorded
// and reported together by finish; only database errors stop the read.
func (im *importer) emit(o chiso.Observation) error {
	im.emitted++
	if im.emitted%ctxCheckEvery == 0 {
		if err := im.live.Err(); err != nil {
			return err
		}
	}
	if st := im.last; st != nil && o.Indicator == im.lastInd && o.Area == im.lastArea {
		if !valid(o) {
			im.rejects.Add(o, true, true)
			return nil
		}
		return im.apply(st, o)
	}
	ind, okI := im.indicators[o.Indicator]
	area, okA := im.areas[o.Area]
	if !okI || !okA || !valid(o) {
		im.rejects.Add(o, okI, okA)
		return nil
	}
	st, err := im.state(ind, area)
	if err != nil {
		return err
	}
	im.last, im.lastInd, im.lastArea = st, o.Indicator, o.Area
	return im.apply(st, o)
}

// valid reports whether an observation's period and value can be stored.
func valid(o chiso.Observation) bool {
	return o.Period.Valid() && !math.IsNaN(o.Value) && !math.IsInf(o.Value, 0)
}

// apply compares o with the cell's current figure and queues what changes.
func (im *importer) apply(st *seriesState, o chiso.Observation) error {
	key := o.Period.Key()
	slot, exists := st.cells.find(key)
	cur := st.cells.at(slot)
	c := st.counts
	same := exists && cur.value == o.Value && cur.qualifier == o.Qualifier && im.sameMethod(cur.method, o.Method)
	if exists && o.Origin != 0 && o.Revision == 0 && !same && im.touched(cur) {
		return &RepeatedCell{Observation: o, Earlier: cur.origin, EarlierValue: cur.value, EarlierQualifier: cur.qualifier}
	}
	if same {
		if o.Origin != 0 && o.Revision == 0 && st.cells[slot].origin == 0 {
			st.cells[slot].origin = o.Origin
		}
		c.Unchanged++
		return nil
	}
	if exists && o.Revision > 0 && o.Revision < int(cur.revision) {
		same, err := im.sameAsRevision(cur.id, o)
		if err != nil || same {
			c.Unchanged++
			return err
		}
	}
	src, err := im.source(o.Source)
	if err != nil {
		return err
	}
	method, err := im.method(o.Method)
	if err != nil {
		return err
	}
	next := cell{period: key, id: im.nextID, revision: 1, qualifier: o.Qualifier, value: o.Value, source: src, method: method, origin: o.Origin}
	row := obsRow{id: next.id, series: st.id, period: key, revision: 1,
		value: o.Value, qualifier: o.Qualifier, raw: o.Raw, source: int64(src), reportedOn: o.ReportedOn, method: o.Method}
	if exists {
		next.revision, row.revision, row.prev = cur.revision+1, cur.revision+1, cur.id
		c.Revised++
	} else {
		c.Added++
		im.cached++
	}
	if im.firstID == 0 {
		im.firstID = next.id
	}
	im.nextID++
	st.cells.put(slot, exists, next)
	st.dirty = true
	return im.w.add(row)
}

// RepeatedCell is what emit returns for a figure read from a file (its
// Origin is set) whose cell the same import already gave another figure: a
// file with two values for one cell is an error, not a revision. Nothing of
// the figure is stored; the reader may report it and go on. Figures without
// an Origin (built by a program) revise each other as before.
type RepeatedCell struct {
	Observation      chiso.Observation // the second figure
	Earlier          int64             // the first figure's Origin; 0 when unknown
	EarlierValue     float64
	EarlierQualifier chiso.Qualifier
}

func (e *RepeatedCell) Error() string {
	o := e.Observation
	return fmt.Sprintf("%s %s %s: two figures in one import (%v, then %v)", o.Indicator, o.Area, o.Period, e.EarlierValue, o.Value)
}

// Figure returns the second figure.
func (e *RepeatedCell) Figure() chiso.Observation { return e.Observation }

// RepeatedAt returns where the earlier figure was read (its Origin) and
// what it was; ingest reads it through this method.
func (e *RepeatedCell) RepeatedAt() (origin int64, value float64, q chiso.Qualifier) {
	return e.Earlier, e.EarlierValue, e.EarlierQualifier
}

// touched reports whether this import already gave the cell a figure:
// marked while its series is cached, or written by this import (ids from
// firstID on) when it was loaded back after an eviction.
func (im *importer) touched(c cell) bool {
	return c.origin != 0 || (im.firstID > 0 && c.id >= im.firstID)
}

// sameAsRevision reports whether o, which names an earlier revision of a
// stored cell (as rows of an export with every revision do), holds the very
// figure that revision holds: re-importing such a file into the database it
// came from is then no change. currentID is the cell's current revision.
func (im *importer) sameAsRevision(currentID int64, o chiso.Observation) (bool, error) {
	if err := im.w.flush(); err != nil { // the chain may include rows of this import
		return false, err
	}
	var (
		value     float64
		qualifier chiso.Qualifier
		method    string
	)
	err := im.olderRev.QueryRowContext(im.ctx, currentID, o.Revision).Scan(&value, &qualifier, &method)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read revision %d of %s %s %s: %w", o.Revision, o.Indicator, o.Area, o.Period, err)
	}
	return value == o.Value && qualifier == o.Qualifier && method == o.Method, nil
}
