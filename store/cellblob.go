package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
)

// cellBytes is the size of one (period, observation id) pair in a
// series_cells blob.
const cellBytes = 12

// appendCells encodes the period and id of each cell.
func appendCells(buf []byte, cs cells) []byte {
	for _, c := range cs {
		buf = binary.LittleEndian.AppendUint32(buf, uint32(c.period))
		buf = binary.LittleEndian.AppendUint64(buf, uint64(c.id))
	}
	return buf
}

// decodeCells appends the cells of a blob to cs; their figures are not
// known until read from observations.
func decodeCells(cs cells, b []byte) (cells, error) {
	if len(b)%cellBytes != 0 {
		return cs, fmt.Errorf("series cells: %d bytes is not a whole number of cells", len(b))
	}
	for ; len(b) > 0; b = b[cellBytes:] {
		cs = append(cs, cell{period: int32(binary.LittleEndian.Uint32(b)), id: int64(binary.LittleEndian.Uint64(b[4:]))})
	}
	return cs, nil
}

// convertCurrent fills series_cells from the current table of schema
// version 3 and drops it.
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
		b.cells = appendCells(b.cells, cells{{period: period, id: id}})
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
