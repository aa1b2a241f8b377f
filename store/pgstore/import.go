package pgstore

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/store"
)

// Import runs read, which calls emit for every observation of one file, and
// stores the batch in one transaction, with the semantics of the SQLite
// store (store.DB.Import, daemon.Importer): a figure for a new cell is its
// revision 1, a different value, qualifier or method the next revision, the
// same figure again is unchanged; two different figures read from one file
// for one cell make emit return a *store.RepeatedCell. Unknown codes and
// invalid figures are listed together and store nothing, nor does an error
// from read or a context that ends.
//
// The figures go to a temporary table with COPY as read emits them; the
// decisions and writes are set-based statements at the end (finish).
func (db *DB) Import(ctx context.Context, opts store.ImportOptions, read func(emit func(chiso.Observation) error) error) (store.ImportResult, error) {
	if opts.Now.IsZero() {
		return store.ImportResult{}, fmt.Errorf("import %s: no ingestion time (ImportOptions.Now)", opts.Source)
	}
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return store.ImportResult{}, fmt.Errorf("import %s: %w", opts.Source, ended(ctx, err))
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	im, err := newImporter(ctx, tx, opts)
	if err != nil {
		return store.ImportResult{}, fmt.Errorf("import %s: %w", opts.Source, ended(ctx, err))
	}
	if err := read(im.emit); err != nil {
		if cerr := ctx.Err(); cerr != nil {
			return store.ImportResult{}, fmt.Errorf("import %s: %w", opts.Source, cerr)
		}
		return store.ImportResult{}, err // the reader's own error names the file
	}
	res, err := im.finish()
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		return store.ImportResult{}, fmt.Errorf("import %s: %w", opts.Source, ended(ctx, err))
	}
	if opts.DryRun {
		res.ID = 0
		return res, nil // the deferred Rollback discards everything
	}
	if err := commitImport(ctx, tx, res); err != nil {
		return store.ImportResult{}, fmt.Errorf("import %s: commit: %w", opts.Source, ended(ctx, err))
	}
	return res, nil
}

// commitImport commits an import's transaction: the one place where the
// figures of an import become visible, so the place to tell other
// processes what changed.
func commitImport(ctx context.Context, tx pgx.Tx, _ store.ImportResult) error {
	return tx.Commit(ctx)
}

// ended returns ctx's error once ctx has ended, else err: a statement that
// a cancellation interrupted fails with an error that does not say why.
func ended(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return cerr
	}
	return err
}

// figure is what decides whether two figures of a cell are the same.
type figure struct {
	value     float64
	method    int32
	qualifier chiso.Qualifier
}

// seenCell is what the importer keeps of a cell this import gave a figure.
type seenCell struct {
	figure
	origin int64 // where the figure was read; 0: built by a program
	state  uint8
}

// States of a seenCell.
const (
	cellFirst      uint8 = iota // one figure so far: stored or not, the database decides
	cellWritten                 // a later figure: surely a revision
	cellSequential              // a figure names a revision: decided in order (decideSequential)
)

// stagedRow is one row of the temporary table stage.
type stagedRow struct {
	seq        int64
	ind        int32
	series     int32
	period     int32
	revision   int32 // the revision the figure names; 0: none
	value      float64
	qualifier  chiso.Qualifier
	raw        string
	source     int32
	reportedOn time.Time
	method     int32
	first      bool
}

// stageColumns are the columns of stage, in stagedRow's order.
var stageColumns = []string{"seq", "ind", "series", "period", "rev", "value", "qualifier", "raw", "source_id", "reported_on", "method_id", "first"}

const createStage = `CREATE TEMP TABLE stage (
		seq bigint NOT NULL, ind integer NOT NULL, series integer NOT NULL, period integer NOT NULL,
		rev integer NOT NULL, value double precision NOT NULL, qualifier smallint NOT NULL, raw text,
		source_id integer NOT NULL, reported_on bigint, method_id integer NOT NULL, first boolean NOT NULL
	) ON COMMIT DROP;
	CREATE TEMP TABLE seqdecide (seq bigint PRIMARY KEY, write boolean NOT NULL) ON COMMIT DROP`

// copyBatch is how many rows the importer buffers before a COPY: small
// enough that thousands of rows reach the server while a file is read.
const copyBatch = 8192

// ctxCheckEvery is how many rows pass between checks of the context.
const ctxCheckEvery = 4096

// importer is the state of one Import.
type importer struct {
	ctx  context.Context
	tx   pgx.Tx
	opts store.ImportOptions

	importID int64
	nextID   int64 // the id the first revision written gets
	now      int64 // unix ns

	indicators map[string]int32
	areas      map[string]int32
	series     map[[2]int32]int32
	newSeries  [][3]int32 // id, indicator, area
	nextSeries int32
	sources    numbering
	methods    numbering

	// The series of the last row and its codes: files are usually grouped
	// by series.
	lastInd, lastArea string
	lastIndID         int32
	lastSeries        int32

	cells      map[uint64]seenCell
	sequential map[uint64]bool
	multi      bool          // some cell has more than one staged figure
	staged     map[int32]int // staged figures by indicator
	rows       []stagedRow
	seq        int64

	byInd   map[int32]*store.Counts // what emit decided alone: unchanged figures
	rejects store.Rejects
	emitted int
}

func cellKey(series, period int32) uint64 { return uint64(uint32(series))<<32 | uint64(uint32(period)) }

func newImporter(ctx context.Context, tx pgx.Tx, opts store.ImportOptions) (*importer, error) {
	im := &importer{ctx: ctx, tx: tx, opts: opts, now: opts.Now.UnixNano(),
		series: map[[2]int32]int32{}, cells: map[uint64]seenCell{}, sequential: map[uint64]bool{}, staged: map[int32]int{},
		byInd: map[int32]*store.Counts{},
		rows:  make([]stagedRow, 0, copyBatch)}
	if err := lockWriters(ctx, tx); err != nil {
		return nil, err
	}
	var err error
	if im.indicators, err = codeIDs(ctx, tx, `SELECT code, id FROM indicators`); err != nil {
		return nil, fmt.Errorf("load indicators: %w", err)
	}
	if im.areas, err = codeIDs(ctx, tx, `SELECT code, id FROM areas`); err != nil {
		return nil, fmt.Errorf("load areas: %w", err)
	}
	if im.sources, err = loadNumbering(ctx, tx, `SELECT name, id FROM sources`); err != nil {
		return nil, fmt.Errorf("load sources: %w", err)
	}
	if im.methods, err = loadNumbering(ctx, tx, `SELECT name, id FROM methods`); err != nil {
		return nil, fmt.Errorf("load methods: %w", err)
	}
	if err := im.loadSeries(); err != nil {
		return nil, err
	}
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(id), 0) + 1 FROM observations`).Scan(&im.nextID); err != nil {
		return nil, fmt.Errorf("read last id: %w", err)
	}
	if err := tx.QueryRow(ctx, `INSERT INTO imports(id, source, started_at)
		VALUES ((SELECT coalesce(max(id), 0) + 1 FROM imports), $1, $2) RETURNING id`, opts.Source, im.now).Scan(&im.importID); err != nil {
		return nil, fmt.Errorf("record import: %w", err)
	}
	if _, err := tx.Exec(ctx, importSettings); err != nil {
		return nil, fmt.Errorf("import settings: %w", err)
	}
	if _, err := tx.Exec(ctx, createStage); err != nil {
		return nil, fmt.Errorf("create the staging table: %w", err)
	}
	return im, nil
}

// codeIDs reads a (name, id) table into a map.
func codeIDs(ctx context.Context, tx pgx.Tx, query string) (map[string]int32, error) {
	rows, err := tx.Query(ctx, query)
	if err != nil {
		return nil, err
	}
	m := map[string]int32{}
	var code string
	var id int64
	_, err = pgx.ForEachRow(rows, []any{&code, &id}, func() error {
		if id > math.MaxInt32 {
			return fmt.Errorf("%s has id %d: the store holds at most %d", code, id, math.MaxInt32)
		}
		m[code] = int32(id)
		return nil
	})
	return m, err
}

func maxID32(m map[string]int32) int32 {
	var top int32
	for _, id := range m {
		top = max(top, id)
	}
	return top
}

// loadSeries reads every series id.
func (im *importer) loadSeries() error {
	rows, err := im.tx.Query(im.ctx, `SELECT indicator_id, area_id, id FROM series`)
	if err != nil {
		return fmt.Errorf("load series: %w", err)
	}
	var ind, area, id int32
	_, err = pgx.ForEachRow(rows, []any{&ind, &area, &id}, func() error {
		im.series[[2]int32{ind, area}] = id
		im.nextSeries = max(im.nextSeries, id)
		return nil
	})
	im.nextSeries++
	if err != nil {
		return fmt.Errorf("load series: %w", err)
	}
	return nil
}

// emit takes one observation. Unknown codes and invalid figures are
// recorded and reported together by finish; a database error stops the
// read, and a figure repeated from one file is refused with a
// *store.RepeatedCell.
func (im *importer) emit(o chiso.Observation) error {
	im.emitted++
	if im.emitted%ctxCheckEvery == 0 {
		if err := im.ctx.Err(); err != nil {
			return err
		}
	}
	if im.lastSeries == 0 || o.Indicator != im.lastInd || o.Area != im.lastArea {
		ind, okI := im.indicators[o.Indicator]
		area, okA := im.areas[o.Area]
		if !okI || !okA {
			im.rejects.Add(o, okI, okA)
			return nil
		}
		im.lastInd, im.lastArea, im.lastIndID, im.lastSeries = o.Indicator, o.Area, ind, im.seriesID(ind, area)
	}
	if !o.Period.Valid() || math.IsNaN(o.Value) || math.IsInf(o.Value, 0) {
		im.rejects.Add(o, true, true)
		return nil
	}
	return im.apply(o, im.lastIndID, im.lastSeries)
}

// seriesID returns the id of a series, numbering a new one.
func (im *importer) seriesID(ind, area int32) int32 {
	key := [2]int32{ind, area}
	if id, ok := im.series[key]; ok {
		return id
	}
	id := im.nextSeries
	im.nextSeries++
	im.series[key] = id
	im.newSeries = append(im.newSeries, [3]int32{id, ind, area})
	return id
}

// apply decides what it can of one figure against the figures this import
// gave its cell before, and stages the rest for finish.
func (im *importer) apply(o chiso.Observation, ind, series int32) error {
	key := cellKey(series, o.Period.Key())
	fig := figure{value: o.Value, qualifier: o.Qualifier, method: im.method(o.Method)}
	prev, seen := im.cells[key]
	switch {
	case !seen:
		im.cells[key] = seenCell{figure: fig, origin: o.Origin, state: cellFirst}
		if o.Revision > 0 {
			im.sequential[key] = true
		}
		return im.stage(o, ind, series, fig, true)
	case prev.state == cellSequential || o.Revision > 0 || im.sequential[key]:
		// A figure naming a revision may be that revision, unchanged,
		// rather than the cell's current figure: the cell is decided in
		// order at the end.
		im.sequential[key] = true
		im.cells[key] = seenCell{figure: fig, origin: o.Origin, state: cellSequential}
		return im.stage(o, ind, series, fig, false)
	case prev.figure == fig:
		if o.Origin != 0 && prev.origin == 0 {
			prev.origin = o.Origin
			im.cells[key] = prev
		}
		im.counts(ind).Unchanged++
		return nil
	}
	if o.Origin != 0 {
		touched, err := im.touched(prev, series, o.Period.Key())
		if err != nil {
			return err
		}
		if touched {
			return &store.RepeatedCell{Observation: o, Earlier: prev.origin, EarlierValue: prev.value, EarlierQualifier: prev.qualifier}
		}
	}
	im.cells[key] = seenCell{figure: fig, origin: o.Origin, state: cellWritten}
	return im.stage(o, ind, series, fig, false)
}

// touched reports whether this import gave the cell its current figure:
// read from a file, or written. A first figure built by a program was
// written unless the database holds that very figure.
func (im *importer) touched(prev seenCell, series, period int32) (bool, error) {
	if prev.origin != 0 || prev.state == cellWritten {
		return true, nil
	}
	var stored figure
	err := im.tx.QueryRow(im.ctx, `SELECT value, qualifier, method_id FROM current WHERE series_id = $1 AND period = $2`,
		series, period).Scan(&stored.value, &stored.qualifier, &stored.method)
	if errors.Is(err, pgx.ErrNoRows) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("read a stored figure: %w", err)
	}
	return stored != prev.figure, nil
}

func (im *importer) counts(ind int32) *store.Counts {
	c := im.byInd[ind]
	if c == nil {
		c = &store.Counts{}
		im.byInd[ind] = c
	}
	return c
}

// stage queues a row for the staging table, copying a full batch.
func (im *importer) stage(o chiso.Observation, ind, series int32, fig figure, first bool) error {
	im.multi = im.multi || !first
	im.staged[ind]++
	im.seq++
	im.rows = append(im.rows, stagedRow{seq: im.seq, ind: ind, series: series, period: o.Period.Key(),
		revision: int32(min(o.Revision, math.MaxInt32)), value: fig.value, qualifier: fig.qualifier, raw: o.Raw,
		source: im.source(o.Source), reportedOn: o.ReportedOn, method: fig.method, first: first})
	if len(im.rows) == copyBatch {
		return im.flush()
	}
	return nil
}

// source returns the id of a source name, numbering a new one; the empty
// name is the import's own source.
func (im *importer) source(name string) int32 {
	if name == "" {
		name = im.opts.Source
	}
	if name == "" {
		return 0
	}
	return im.sources.id(name)
}

// method returns the id of a method name, numbering a new one; the empty
// name, the indicator's default, is 0.
func (im *importer) method(name string) int32 {
	if name == "" {
		return 0
	}
	return im.methods.id(name)
}

// numbering gives ids to names (sources, methods): the stored names' ids,
// and ids from next on to the names an import adds.
type numbering struct {
	ids   map[string]int32
	added []string // the names numbered next-len(added) to next-1, in order
	next  int32
}

func loadNumbering(ctx context.Context, tx pgx.Tx, query string) (numbering, error) {
	ids, err := codeIDs(ctx, tx, query)
	if err != nil {
		return numbering{}, err
	}
	return numbering{ids: ids, next: maxID32(ids) + 1}, nil
}

// id returns the id of name, numbering it if it is new.
func (n *numbering) id(name string) int32 {
	if id, ok := n.ids[name]; ok {
		return id
	}
	id := n.next
	n.next++
	n.ids[name] = id
	n.added = append(n.added, name)
	return id
}

// addedID returns the id of the i-th name added.
func (n *numbering) addedID(i int) int32 { return n.next - int32(len(n.added)-i) }

// flush copies the queued rows into the staging table.
func (im *importer) flush() error {
	if len(im.rows) == 0 {
		return nil
	}
	src := &stageSource{rows: im.rows, i: -1}
	if _, err := im.tx.CopyFrom(im.ctx, pgx.Identifier{"stage"}, stageColumns, src); err != nil {
		return fmt.Errorf("copy figures: %w", err)
	}
	im.rows = im.rows[:0]
	return nil
}

// stageSource hands staged rows to CopyFrom, reusing one slice of values.
type stageSource struct {
	rows []stagedRow
	i    int
	vals [12]any
}

func (s *stageSource) Next() bool { s.i++; return s.i < len(s.rows) }
func (s *stageSource) Err() error { return nil }
func (s *stageSource) Values() ([]any, error) {
	r := &s.rows[s.i]
	var raw, reported any
	if r.raw != "" {
		raw = r.raw
	}
	if !r.reportedOn.IsZero() {
		reported = r.reportedOn.Unix()
	}
	s.vals = [12]any{r.seq, r.ind, r.series, r.period, r.revision, r.value, int16(r.qualifier), raw, r.source, reported, r.method, r.first}
	return s.vals[:], nil
}

// finish reports unknown codes and invalid figures, writes the names this
// import added, decides every staged figure and writes the revisions, and
// records the import's counts.
func (im *importer) finish() (store.ImportResult, error) {
	if err := im.rejects.Err(); err != nil {
		return store.ImportResult{}, err
	}
	if err := im.flush(); err != nil {
		return store.ImportResult{}, err
	}
	if err := im.writeNames(); err != nil {
		return store.ImportResult{}, err
	}
	if err := im.decideSequential(); err != nil {
		return store.ImportResult{}, err
	}
	res := store.ImportResult{ID: im.importID, ByIndicator: map[string]store.Counts{}}
	first, last, err := im.write()
	if err != nil {
		return store.ImportResult{}, err
	}
	names := make(map[int32]string, len(im.indicators))
	for code, id := range im.indicators {
		names[id] = code
	}
	for id, c := range im.byInd {
		res.ByIndicator[names[id]] = *c
		res.Added += c.Added
		res.Revised += c.Revised
		res.Unchanged += c.Unchanged
	}
	res.FirstID, res.LastID = first, last
	if _, err := im.tx.Exec(im.ctx, `UPDATE imports SET added = $1, revised = $2, unchanged = $3, first_id = $4, last_id = $5,
		finished_at = clock_timestamp() WHERE id = $6`, res.Added, res.Revised, res.Unchanged, res.FirstID, res.LastID, im.importID); err != nil {
		return store.ImportResult{}, fmt.Errorf("record import: %w", err)
	}
	return res, nil
}

// writeNames inserts the series, sources and methods this import numbered.
func (im *importer) writeNames() error {
	if len(im.newSeries) > 0 {
		rows := make([][]any, len(im.newSeries))
		for i, s := range im.newSeries {
			rows[i] = []any{s[0], s[1], s[2]}
		}
		if _, err := im.tx.CopyFrom(im.ctx, pgx.Identifier{"series"}, []string{"id", "indicator_id", "area_id"}, pgx.CopyFromRows(rows)); err != nil {
			return fmt.Errorf("add series: %w", err)
		}
	}
	for i, name := range im.sources.added {
		if _, err := im.tx.Exec(im.ctx, `INSERT INTO sources(id, name) VALUES ($1, $2)`, im.sources.addedID(i), name); err != nil {
			return fmt.Errorf("source %q: %w", name, err)
		}
	}
	for i, name := range im.methods.added {
		if _, err := im.tx.Exec(im.ctx, `INSERT INTO methods(id, name) VALUES ($1, $2)`, im.methods.addedID(i), name); err != nil {
			return fmt.Errorf("method %q: %w", name, err)
		}
	}
	return nil
}

// writeSQL returns the statement that decides the staged figures, writes
// the revisions and the current figures, and counts per indicator. A
// cell's first staged figure is a revision unless it equals the stored
// one; later ones were decided by emit (different from the one before) or
// by decideSequential (seqdecide). A revision's id is the import's first
// id plus its figure's place in the file, so ids follow the order the
// figures were read, leaving a gap for each figure that changed nothing,
// which spares a sort. With multi, some cells have several staged figures, which are
// numbered within their cell; without, each cell has one, and the
// statement spares those sorts.
func writeSQL(multi bool) string {
	w := `w2 AS (
		SELECT d.*, $1::bigint + seq - 1 AS id, cur_rev + 1 AS revision, cur_id IS NULL AS added, cur_id AS prev_id,
			true AS last
		FROM d WHERE write
	)`
	if multi {
		w = `w AS (
		SELECT d.*, row_number() OVER cell AS nth,
			row_number() OVER (PARTITION BY series, period ORDER BY seq DESC) = 1 AS last
		FROM d WHERE write
		WINDOW cell AS (PARTITION BY series, period ORDER BY seq)
	), w2 AS (
		SELECT w.*, $1::bigint + seq - 1 AS id, cur_rev + nth AS revision, nth = 1 AND cur_id IS NULL AS added,
			coalesce($1::bigint + lag(seq) OVER (PARTITION BY series, period ORDER BY seq) - 1, cur_id) AS prev_id
		FROM w
	)`
	}
	return `WITH d AS (
		SELECT st.seq, st.ind, st.series, st.period, st.value, st.qualifier, st.raw, st.source_id, st.reported_on,
			st.method_id, c.obs_id AS cur_id, coalesce(c.revision, 0) AS cur_rev,
			CASE WHEN sd.seq IS NOT NULL THEN sd.write
				WHEN NOT st.first THEN true
				ELSE c.obs_id IS NULL OR c.value <> st.value OR c.qualifier <> st.qualifier OR c.method_id <> st.method_id
			END AS write
		FROM stage st
		LEFT JOIN current c ON c.series_id = st.series AND c.period = st.period
		LEFT JOIN seqdecide sd ON sd.seq = st.seq
	), ` + w + `, obs AS (
		INSERT INTO observations(id, series_id, period, revision, prev_id, value, qualifier, raw, source_id,
			reported_on, method_id, ingested_at, import_id)
		SELECT id, series, period, revision, prev_id, value, qualifier, raw, source_id, reported_on, method_id, $2, $3
		FROM w2 WHERE NOT $4
	), updated AS (
		UPDATE current c SET obs_id = w2.id, revision = w2.revision, value = w2.value, qualifier = w2.qualifier,
			source_id = w2.source_id, method_id = w2.method_id
		FROM w2 WHERE w2.last AND w2.cur_id IS NOT NULL AND c.series_id = w2.series AND c.period = w2.period AND NOT $4
	), inserted AS (
		INSERT INTO current (series_id, period, obs_id, revision, value, qualifier, source_id, method_id)
		SELECT series, period, id, revision, value, qualifier, source_id, method_id
		FROM w2 WHERE w2.last AND w2.cur_id IS NULL AND NOT $4
	)
	SELECT ind, count(*) FILTER (WHERE added), count(*) FILTER (WHERE NOT added), min(id), max(id)
	FROM w2 GROUP BY ind`
}

// importSettings are the session settings of an import's transaction:
// sorts and hashes of a large file in memory rather than on disk, and no
// just-in-time compilation, which costs seconds and saves nothing on
// statements that run once.
const importSettings = `SET LOCAL work_mem = '256MB'; SET LOCAL jit = off`

// write runs writeSQL and returns the first and last ids it wrote (for a
// dry run, would write), 0 for none. A staged figure it did not write is
// unchanged.
func (im *importer) write() (first, last int64, err error) {
	if _, err := im.tx.Exec(im.ctx, `ANALYZE stage`); err != nil {
		return 0, 0, fmt.Errorf("analyze staged figures: %w", err)
	}
	rows, err := im.tx.Query(im.ctx, writeSQL(im.multi), im.nextID, im.now, im.importID, im.opts.DryRun)
	if err != nil {
		return 0, 0, fmt.Errorf("write observations: %w", err)
	}
	var ind int32
	var added, revised, lo, hi int64
	written := map[int32]int64{}
	_, err = pgx.ForEachRow(rows, []any{&ind, &added, &revised, &lo, &hi}, func() error {
		c := im.counts(ind)
		c.Added += int(added)
		c.Revised += int(revised)
		written[ind] = added + revised
		if first == 0 || lo < first {
			first = lo
		}
		last = max(last, hi)
		return nil
	})
	if err != nil {
		return 0, 0, fmt.Errorf("write observations: %w", err)
	}
	for ind, n := range im.staged {
		im.counts(ind).Unchanged += n - int(written[ind])
	}
	return first, last, nil
}
