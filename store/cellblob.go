package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/chiso-vn/chiso"
)

// The figures of a series' current cells are kept in one blob per series
// (series_figures.cells), column after column, so that a full load reads one
// value per series instead of several per figure:
//
//	format      byte, figuresFormat
//	n           uvarint, the number of cells
//	periods     n varints: each period key less the previous one (the first less 0)
//	ids         n varints: each observation id less the previous one
//	values      n float64, little-endian IEEE 754 bits
//	revisions   an integer column (below)
//	qualifiers  an integer column
//	sources     an integer column: sources.id, 0 for none
//	methods     an integer column: methods.id, 0 for the indicator's default
//
// An integer column is a tag byte, then either one uvarint that every cell
// shares (tag 0) or n uvarints (tag 1). Cells are sorted by period key. A
// bulk load's cells take about ten bytes each: one byte of period, one of id
// and the value.
const figuresFormat = 1

const (
	colSame  = 0
	colEach  = 1
	maxUvarL = binary.MaxVarintLen64
)

// cellsHeaderBytes is the most the format byte and the count take.
const cellsHeaderBytes = 1 + maxUvarL

// appendCells encodes the cells of one series.
func appendCells(buf []byte, cs cells) []byte {
	buf = slices.Grow(buf, cellsHeaderBytes+len(cs)*12+8)
	buf = append(buf, figuresFormat)
	buf = binary.AppendUvarint(buf, uint64(len(cs)))
	var prevPeriod, prevID int64
	for i := range cs {
		buf = binary.AppendVarint(buf, int64(cs[i].period)-prevPeriod)
		prevPeriod = int64(cs[i].period)
	}
	for i := range cs {
		buf = binary.AppendVarint(buf, cs[i].id-prevID)
		prevID = cs[i].id
	}
	for i := range cs {
		buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(cs[i].value))
	}
	// Which integer columns hold one value throughout.
	sameRev, sameQual, sameSrc, sameMethod := true, true, true, true
	for i := 1; i < len(cs); i++ {
		c, f := &cs[i], &cs[0]
		sameRev = sameRev && c.revision == f.revision
		sameQual = sameQual && c.qualifier == f.qualifier
		sameSrc = sameSrc && c.source == f.source
		sameMethod = sameMethod && c.method == f.method
	}
	var first cell
	if len(cs) > 0 {
		first = cs[0]
	}
	buf = appendColumn(buf, sameRev, uint64(first.revision), cs, func(c *cell) uint64 { return uint64(c.revision) })
	buf = appendColumn(buf, sameQual, uint64(first.qualifier), cs, func(c *cell) uint64 { return uint64(c.qualifier) })
	buf = appendColumn(buf, sameSrc, uint64(first.source), cs, func(c *cell) uint64 { return uint64(c.source) })
	buf = appendColumn(buf, sameMethod, uint64(first.method), cs, func(c *cell) uint64 { return uint64(c.method) })
	return buf
}

// appendColumn encodes one integer column of the cells: the value they
// share, or each cell's.
func appendColumn(buf []byte, same bool, shared uint64, cs cells, get func(*cell) uint64) []byte {
	if same {
		return binary.AppendUvarint(append(buf, colSame), shared)
	}
	buf = append(buf, colEach)
	for i := range cs {
		buf = binary.AppendUvarint(buf, get(&cs[i]))
	}
	return buf
}

// figureColumns is the decoded figures of one series, column by column.
type figureColumns struct {
	periods    []int32
	ids        []int64
	values     []float64
	revisions  []int32
	qualifiers []chiso.Qualifier
	sources    []int32
	methods    []int32
}

// errCells is wrapped by every error about a malformed blob.
var errCells = errors.New("malformed series figures")

// blobReader reads a figures blob, remembering the first error.
type blobReader struct {
	b   []byte
	err error
}

func (r *blobReader) fail(what string) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: %s", errCells, what)
	}
}

func (r *blobReader) uvarint(what string) uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail(what)
		r.b = nil
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *blobReader) varint(what string) int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail(what)
		r.b = nil
		return 0
	}
	r.b = r.b[n:]
	return v
}

// column reads an integer column of n cells into dst, each at most max.
func column[T int32 | chiso.Qualifier](r *blobReader, dst []T, n int, max uint64, what string) []T {
	dst = dst[:0]
	if len(r.b) == 0 {
		r.fail(what)
		return dst
	}
	tag := r.b[0]
	r.b = r.b[1:]
	switch tag {
	case colSame:
		v := r.uvarint(what)
		if v > max {
			r.fail(fmt.Sprintf("%s %d out of range", what, v))
		}
		for range n {
			dst = append(dst, T(v))
		}
	case colEach:
		for range n {
			v := r.uvarint(what)
			if v > max {
				r.fail(fmt.Sprintf("%s %d out of range", what, v))
			}
			dst = append(dst, T(v))
		}
	default:
		r.fail(fmt.Sprintf("%s: column tag %d", what, tag))
	}
	return dst
}

// decode reads a blob into the columns, reusing their storage.
func (f *figureColumns) decode(b []byte) error {
	if len(b) == 0 || b[0] != figuresFormat {
		if len(b) == 0 {
			return fmt.Errorf("%w: empty", errCells)
		}
		return fmt.Errorf("%w: format %d, want %d", errCells, b[0], figuresFormat)
	}
	r := &blobReader{b: b[1:]}
	n64 := r.uvarint("count")
	// Every cell takes at least 10 bytes (period, id, value): a count the
	// blob cannot hold is refused before anything is allocated.
	if r.err != nil || n64 > uint64(len(r.b))/10 {
		return fmt.Errorf("%w: count %d for %d bytes", errCells, n64, len(b))
	}
	n := int(n64)
	f.periods = grow(f.periods, n)
	var prev int64
	for i := range n {
		d := r.varint("period")
		prev += d
		if prev < 0 || prev > math.MaxInt32 || (i > 0 && d <= 0) {
			r.fail(fmt.Sprintf("period key %d out of range or order", prev))
		}
		f.periods = append(f.periods, int32(prev))
	}
	f.ids = grow(f.ids, n)
	prev = 0
	for range n {
		prev += r.varint("id")
		if prev <= 0 {
			r.fail(fmt.Sprintf("observation id %d", prev))
		}
		f.ids = append(f.ids, prev)
	}
	f.values = grow(f.values, n)
	if len(r.b) < 8*n {
		r.fail("values")
	} else {
		for i := range n {
			f.values = append(f.values, math.Float64frombits(binary.LittleEndian.Uint64(r.b[8*i:])))
		}
		r.b = r.b[8*n:]
	}
	f.revisions = column(r, grow(f.revisions, n), n, math.MaxInt32, "revision")
	f.qualifiers = column(r, grow(f.qualifiers, n), n, math.MaxUint8, "qualifier")
	f.sources = column(r, grow(f.sources, n), n, math.MaxInt32, "source")
	f.methods = column(r, grow(f.methods, n), n, math.MaxInt32, "method")
	if r.err == nil && len(r.b) != 0 {
		r.fail(fmt.Sprintf("%d bytes left over", len(r.b)))
	}
	return r.err
}

// grow returns s emptied, with room for n entries.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, 0, n)
	}
	return s[:0]
}

// decodeCells appends the cells of a blob to cs, decoding through f.
func decodeCells(cs cells, b []byte, f *figureColumns) (cells, error) {
	if err := f.decode(b); err != nil {
		return cs, err
	}
	for i := range f.periods {
		cs = append(cs, cell{period: f.periods[i], id: f.ids[i], value: f.values[i], revision: f.revisions[i],
			qualifier: f.qualifiers[i], source: f.sources[i], method: f.methods[i]})
	}
	return cs, nil
}

// convertCurrent fills series_cells from the current table of schema
// version 3 and drops it. It writes version 4's blobs: (period int32,
// observation id int64) pairs, which convertFigures turns into figures.
func convertCurrent(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT series_id, period, obs_id FROM current ORDER BY series_id, period`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var blobs []struct {
		series int64
		cells  []byte
	}
	for rows.Next() {
		var series, id int64
		var period int32
		if err := rows.Scan(&series, &period, &id); err != nil {
			return err
		}
		if n := len(blobs); n == 0 || blobs[n-1].series != series {
			blobs = append(blobs, struct {
				series int64
				cells  []byte
			}{series: series})
		}
		b := &blobs[len(blobs)-1]
		b.cells = binary.LittleEndian.AppendUint32(b.cells, uint32(period))
		b.cells = binary.LittleEndian.AppendUint64(b.cells, uint64(id))
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, b := range blobs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO series_cells(series_id, cells) VALUES (?, ?)`, b.series, b.cells); err != nil {
			return err
		}
	}
	_, err = tx.ExecContext(ctx, `DROP TABLE current`)
	return err
}
