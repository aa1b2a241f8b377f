package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
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

// lean reports whether the row is a first revision with nothing but a value,
// a qualifier and perhaps the figure as printed: most rows of a bulk load,
// written with four parameters, or five with the printed text.
func (r *obsRow) lean() bool {
	return r.revision == 1 && r.method == "" && r.reportedOn.IsZero()
}

// batchRows is how many revisions one INSERT writes. Binding a parameter
// costs two calls into the driver, so the batch statements bind only what
// varies by row and spell the import's constants as literals.
const batchRows = 128

// shape is one kind of batch statement: lean rows of one source, with or
// without the printed text, or full rows; n is the number of rows.
type shape struct {
	lean   bool
	raw    bool // lean rows that bind their raw text (figures read as printed)
	exact  bool // lean rows that are all exact: the qualifier is a literal
	source int64
	n      int
}

// batchWriter buffers revisions and writes them with multi-row statements.
//
// It talks to the driver directly, on the import's own connection (inside
// its transaction), with reused argument slices: through database/sql every
// batch allocated a fresh argument slice and converted each value, half the
// garbage of an import.
type batchWriter struct {
	ctx                context.Context
	conn               *sql.Conn
	importID, ingested int64
	rows               []obsRow
	args               []driver.NamedValue
	stmts              map[shape]driver.Stmt
	boxes              boxes
}

func newBatchWriter(ctx context.Context, conn *sql.Conn, importID, ingested int64) *batchWriter {
	return &batchWriter{ctx: ctx, conn: conn, importID: importID, ingested: ingested,
		rows: make([]obsRow, 0, batchRows), args: make([]driver.NamedValue, 0, batchRows*10),
		stmts: map[shape]driver.Stmt{}}
}

// prepare prepares a statement on the import's connection.
func (w *batchWriter) prepare(query string) (st driver.Stmt, err error) {
	err = w.conn.Raw(func(dc any) error {
		st, err = dc.(driver.ConnPrepareContext).PrepareContext(w.ctx, query)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("prepare: %w", err)
	}
	return st, nil
}

// exec runs a prepared statement with the driver connection held, as
// database/sql would.
func (w *batchWriter) exec(st driver.Stmt, args []driver.NamedValue) (res driver.Result, err error) {
	err = w.conn.Raw(func(any) error {
		res, err = st.(driver.StmtExecContext).ExecContext(w.ctx, args)
		return err
	})
	return res, err
}

func (w *batchWriter) close() {
	w.conn.Raw(func(any) error {
		for _, st := range w.stmts {
			st.Close()
		}
		return nil
	})
}

// statement returns the prepared insert for a shape, preparing it once.
func (w *batchWriter) statement(s shape) (driver.Stmt, error) {
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
		raw, qualifier := "NULL", "?"
		if s.raw {
			raw = "?"
		}
		if s.exact {
			qualifier = strconv.Itoa(int(chiso.Exact))
		}
		row = "(?,?,1,NULL,?," + qualifier + "," + raw + "," + src + ",NULL,NULL," + consts
	}
	// OR FAIL: a failing multi-row statement may keep the rows before the
	// failure, since any error rolls the whole import back; so SQLite keeps
	// no statement journal, which cost a page copy per page touched.
	st, err := w.prepare(`INSERT OR FAIL INTO observations(series_id, period, revision, prev_id, value, qualifier, raw, source_id,
		reported_on, method, ingested_at, import_id) VALUES ` + strings.Repeat(row+",", s.n-1) + row)
	if err != nil {
		return nil, err
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
		return shape{lean: true, raw: r.raw != "", source: r.source}
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
	s.exact = s.lean && allExact(w.rows)
	st, err := w.statement(s)
	if err != nil {
		return err
	}
	w.args = w.args[:0]
	for i := range w.rows {
		w.rowArgs(&w.rows[i], s)
	}
	last := w.rows[len(w.rows)-1].id
	w.rows = w.rows[:0]
	res, err := w.exec(st, w.args)
	if err != nil {
		return fmt.Errorf("write observations: %w", err)
	}
	if got, err := res.LastInsertId(); err != nil || got != last {
		return fmt.Errorf("write observations: last id %d, want %d (%v)", got, last, err)
	}
	return nil
}

// allExact reports whether every row is an exact figure, as every row of a
// plain table is: one bind a row fewer, and each costs two calls into the
// driver that take a mutex.
func allExact(rows []obsRow) bool {
	for i := range rows {
		if rows[i].qualifier != chiso.Exact {
			return false
		}
	}
	return true
}

// rowArgs appends the parameters of one row in a statement of shape s.
func (w *batchWriter) rowArgs(r *obsRow, s shape) {
	w.arg(w.boxes.series(r.series), w.boxes.period(r.period))
	if !s.lean {
		w.arg(int64(r.revision), nullInt(r.prev))
	}
	w.arg(r.value)
	if !s.exact {
		w.arg(int64(r.qualifier))
	}
	switch {
	case !s.lean:
		w.arg(nullString(r.raw), nullInt(r.source), nullTime(r.reportedOn), nullString(r.method))
	case s.raw:
		w.arg(r.raw)
	}
}

// arg appends parameters, numbering them from 1.
func (w *batchWriter) arg(vs ...any) {
	for _, v := range vs {
		w.args = append(w.args, driver.NamedValue{Ordinal: len(w.args) + 1, Value: v})
	}
}

// boxes keeps the interface values of the last series id and of every
// period key: they repeat row after row, and boxing an int64 allocates.
type boxes struct {
	lastSeries int64
	seriesBox  any
	periods    map[int32]any
}

func (b *boxes) series(id int64) any {
	if id != b.lastSeries || b.seriesBox == nil {
		b.lastSeries, b.seriesBox = id, id
	}
	return b.seriesBox
}

func (b *boxes) period(key int32) any {
	if v, ok := b.periods[key]; ok {
		return v
	}
	if b.periods == nil {
		b.periods = map[int32]any{}
	}
	v := any(int64(key))
	b.periods[key] = v
	return v
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
