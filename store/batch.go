package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/chiso-vn/chiso"
)

// obsRow is one revision waiting to be written.
type obsRow struct {
	id         int64
	series     int64
	period     int32
	revision   int32
	prev       int64 // 0: first revision
	value      float64
	qualifier  chiso.Qualifier
	raw        string
	source     int64 // 0: none
	reportedOn time.Time
	method     string
}

// lean reports whether the row is a first revision with nothing but a value
// and a qualifier: most rows of a bulk load, written with four parameters.
func (r *obsRow) lean() bool {
	return r.revision == 1 && r.raw == "" && r.method == "" && r.reportedOn.IsZero()
}

// batchRows is how many revisions one INSERT writes. Binding a parameter
// costs two calls into the driver, so the batch statements bind only what
// varies by row and spell the import's constants as literals.
const batchRows = 128

// shape is one kind of batch statement: lean rows of one source, or full
// rows; n is the number of rows.
type shape struct {
	lean   bool
	source int64
	n      int
}

// batchWriter buffers revisions and writes them with multi-row statements,
// then points current at them with one INSERT … SELECT per batch: reading
// back the rows just written costs less than binding them again.
type batchWriter struct {
	ctx                context.Context
	tx                 *sql.Tx
	importID, ingested int64
	rows               []obsRow
	args               []any
	stmts              map[shape]*sql.Stmt
	addCurrent         *sql.Stmt // new cells
	setCurrent         *sql.Stmt // new cells or revisions
}

func newBatchWriter(ctx context.Context, tx *sql.Tx, importID, ingested int64) (*batchWriter, error) {
	w := &batchWriter{ctx: ctx, tx: tx, importID: importID, ingested: ingested,
		rows: make([]obsRow, 0, batchRows), args: make([]any, 0, batchRows*10), stmts: map[shape]*sql.Stmt{}}
	const pointAt = `INSERT INTO current(series_id, period, obs_id)
		SELECT series_id, period, id FROM observations WHERE id >= ? ORDER BY id`
	var err error
	if w.addCurrent, err = tx.PrepareContext(ctx, pointAt); err != nil {
		return nil, fmt.Errorf("prepare: %w", err)
	}
	// Rows of one statement are applied in order, so the last revision of
	// a cell wins.
	w.setCurrent, err = tx.PrepareContext(ctx, pointAt+` ON CONFLICT(series_id, period) DO UPDATE SET obs_id = excluded.obs_id`)
	if err != nil {
		w.addCurrent.Close()
		return nil, fmt.Errorf("prepare: %w", err)
	}
	return w, nil
}

func (w *batchWriter) close() {
	w.addCurrent.Close()
	w.setCurrent.Close()
	for _, st := range w.stmts {
		st.Close()
	}
}

// statement returns the prepared insert for a shape, preparing it once.
func (w *batchWriter) statement(s shape) (*sql.Stmt, error) {
	if st := w.stmts[s]; st != nil {
		return st, nil
	}
	consts := strconv.FormatInt(w.ingested, 10) + "," + strconv.FormatInt(w.importID, 10) + ")"
	row := "(?,?,?,?,?,?,?,?,?,?," + consts
	if s.lean {
		src := "NULL"
		if s.source != 0 {
			src = strconv.FormatInt(s.source, 10)
		}
		row = "(?,?,1,NULL,?,?,NULL," + src + ",NULL,NULL," + consts
	}
	q := `INSERT INTO observations(series_id, period, revision, prev_id, value, qualifier, raw, source_id,
		reported_on, method, ingested_at, import_id) VALUES ` + strings.Repeat(row+",", s.n-1) + row
	st, err := w.tx.PrepareContext(w.ctx, q)
	if err != nil {
		return nil, fmt.Errorf("prepare: %w", err)
	}
	w.stmts[s] = st
	return st, nil
}

// add queues a revision. Rows of another shape, or a full batch, are written
// first, so that every batch has one shape and ids stay in order.
func (w *batchWriter) add(r obsRow) error {
	if len(w.rows) > 0 && w.shapeOf(&w.rows[0]) != w.shapeOf(&r) {
		if err := w.flush(); err != nil {
			return err
		}
	}
	w.rows = append(w.rows, r)
	if len(w.rows) == batchRows {
		return w.flush()
	}
	return nil
}

// shapeOf returns the shape of a row, without the count.
func (w *batchWriter) shapeOf(r *obsRow) shape {
	if r.lean() {
		return shape{lean: true, source: r.source}
	}
	return shape{}
}

// flush writes the queued revisions and checks that SQLite gave them the
// ids the importer assigned (the next rowid after the largest, as the one
// writer holds the lock).
func (w *batchWriter) flush() error {
	if len(w.rows) == 0 {
		return nil
	}
	s := w.shapeOf(&w.rows[0])
	s.n = len(w.rows)
	st, err := w.statement(s)
	if err != nil {
		return err
	}
	w.args = w.args[:0]
	for i := range w.rows {
		w.args = w.rowArgs(w.args, &w.rows[i], s.lean)
	}
	first, last := w.rows[0].id, w.rows[len(w.rows)-1].id
	w.rows = w.rows[:0]
	res, err := st.ExecContext(w.ctx, w.args...)
	if err != nil {
		return fmt.Errorf("write observations: %w", err)
	}
	if got, err := res.LastInsertId(); err != nil || got != last {
		return fmt.Errorf("write observations: last id %d, want %d (%v)", got, last, err)
	}
	cur := w.setCurrent
	if s.lean { // first revisions only: no cell to replace
		cur = w.addCurrent
	}
	if _, err := cur.ExecContext(w.ctx, first); err != nil {
		return fmt.Errorf("write current: %w", err)
	}
	return nil
}

// rowArgs appends the parameters of one row.
func (w *batchWriter) rowArgs(args []any, r *obsRow, lean bool) []any {
	if lean {
		return append(args, r.series, int64(r.period), r.value, int64(r.qualifier))
	}
	return append(args, r.series, int64(r.period), int64(r.revision), nullInt(r.prev), r.value, int64(r.qualifier),
		nullString(r.raw), nullInt(r.source), nullTime(r.reportedOn), nullString(r.method))
}

// nullInt stores 0 as NULL.
func nullInt(v int64) any {
	if v == 0 {
		return nil
	}
	return v
}

// nullString stores "" as NULL.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// nullTime stores a date as unix seconds and the zero time as NULL.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.Unix()
}
