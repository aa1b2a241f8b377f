package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"math"
	"sort"

	"github.com/chiso-vn/chiso"
)

// figureBatch is about how many cells convertFigures holds at once.
const figureBatch = 1 << 21

// oldSeries is one series of a version-4 series_cells table, its figures
// being filled in (a cell's revision is 0 until its observation is read).
type oldSeries struct {
	id    int64
	cells cells
}

// convertFigures fills series_figures and methods from the (period,
// observation id) blobs of series_cells and the observations they name, and
// drops series_cells. It works through the series in batches of about
// figureBatch cells, so that memory does not grow with the store; each
// batch reads the observations of its series in one query.
func convertFigures(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO methods(name) SELECT DISTINCT method FROM observations
		WHERE method IS NOT NULL AND method <> '' ORDER BY method`); err != nil {
		return fmt.Errorf("methods: %w", err)
	}
	methods, err := methodIDs(ctx, tx)
	if err != nil {
		return fmt.Errorf("methods: %w", err)
	}
	var after int64
	for {
		batch, err := oldCells(ctx, tx, after)
		if err != nil {
			return err
		}
		if len(batch) == 0 {
			break
		}
		if err := fillFigures(ctx, tx, batch, methods); err != nil {
			return err
		}
		var blob []byte
		for _, s := range batch {
			blob = appendCells(blob[:0], s.cells)
			if _, err := tx.ExecContext(ctx, `INSERT INTO series_figures(series_id, n, cells) VALUES (?, ?, ?)`,
				s.id, len(s.cells), blob); err != nil {
				return fmt.Errorf("write series %d: %w", s.id, err)
			}
		}
		after = batch[len(batch)-1].id
	}
	_, err = tx.ExecContext(ctx, `DROP TABLE series_cells`)
	return err
}

// oldCells reads the series after the id, in id order, until the batch
// holds figureBatch cells.
func oldCells(ctx context.Context, tx *sql.Tx, after int64) ([]oldSeries, error) {
	rows, err := tx.QueryContext(ctx, `SELECT series_id, cells FROM series_cells WHERE series_id > ? ORDER BY series_id`, after)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var batch []oldSeries
	n := 0
	for n < figureBatch && rows.Next() {
		var id int64
		var b sql.RawBytes
		if err := rows.Scan(&id, &b); err != nil {
			return nil, err
		}
		if len(b)%12 != 0 {
			return nil, fmt.Errorf("series %d: %d bytes of cells is not a whole number of (period, id) pairs", id, len(b))
		}
		s := oldSeries{id: id, cells: make(cells, 0, len(b)/12)}
		for ; len(b) > 0; b = b[12:] {
			s.cells = append(s.cells, cell{period: int32(binary.LittleEndian.Uint32(b)), id: int64(binary.LittleEndian.Uint64(b[4:]))})
		}
		batch = append(batch, s)
		n += len(s.cells)
	}
	return batch, rows.Err()
}

// fillFigures reads the current figure of every cell of the batch from
// observations; a cell whose observation is missing is an error.
func fillFigures(ctx context.Context, tx *sql.Tx, batch []oldSeries, methods map[string]int32) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, series_id, period, revision, value, qualifier, coalesce(source_id, 0),
		coalesce(method, '') FROM observations WHERE series_id BETWEEN ? AND ?`, batch[0].id, batch[len(batch)-1].id)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id, series, source int64
			period, revision   int32
			value              float64
			qualifier          uint8
			method             sql.RawBytes
		)
		if err := rows.Scan(&id, &series, &period, &revision, &value, &qualifier, &source, &method); err != nil {
			return err
		}
		i := sort.Search(len(batch), func(i int) bool { return batch[i].id >= series })
		if i == len(batch) || batch[i].id != series {
			continue // a series without current cells
		}
		cs := batch[i].cells
		j, ok := cs.find(period)
		if !ok || cs[j].id != id {
			continue // a replaced revision
		}
		if revision <= 0 {
			return fmt.Errorf("observation %d: revision %d", id, revision)
		}
		if source < 0 || source > math.MaxInt32 {
			return fmt.Errorf("observation %d: source id %d", id, source)
		}
		c := &cs[j]
		c.revision, c.value, c.qualifier = revision, value, chiso.Qualifier(qualifier)
		c.source, c.method = int32(source), methods[string(method)]
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, s := range batch {
		for _, c := range s.cells {
			if c.revision == 0 {
				return fmt.Errorf("series %d period %d: current observation %d is missing", s.id, c.period, c.id)
			}
		}
	}
	return nil
}
