package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/chiso-vn/chiso"
)

// obsColumns are the columns every observation read selects, packed so that
// a row costs five column reads instead of eleven: the driver takes the
// connection's mutex twice per column, which dominated scans.
//
//	id                              (ingested_at is its import's start)
//	series_id << 24 | period        (period keys are below 2^24)
//	value
//	revision << 40 | source_id << 8 | qualifier
//	NULL, or a JSON array [raw, method, reported_on] when any is set
const obsColumns = `o.id, (o.series_id << 24) | o.period, o.value,
	(o.revision << 40) | (coalesce(o.source_id, 0) << 8) | o.qualifier,
	CASE WHEN o.raw IS NULL AND o.method IS NULL AND o.reported_on IS NULL THEN NULL
		ELSE json_array(o.raw, o.method, o.reported_on) END`

// The scan queries. Current figures are read in id order, skipping the
// revisions that a later one replaced, which a small partial index lists.
const (
	scanRange      = `SELECT ` + obsColumns + ` FROM observations o WHERE o.id > ? AND o.id <= ? ORDER BY o.id`
	scanSuperseded = `SELECT prev_id FROM observations WHERE prev_id > ? AND prev_id <= ?`
	scanIDs        = `SELECT ` + obsColumns + ` FROM observations o WHERE o.id IN (SELECT value FROM json_each(?)) ORDER BY o.id`
)

// Scan streams observations to fn in id order: the current revision of
// every cell, or every revision when allRevisions is set. With afterID > 0 it
// streams only those whose id is greater: what changed since a caller last
// looked. It returns the largest id in the database when the scan began, to
// pass as afterID next time. The scan reads one consistent snapshot; an error
// from fn stops it and is returned.
//
// A scan decodes about a million rows a second per core (the driver takes a
// mutex twice per column read). Reading on two connections at once was
// measured slower on two cores, so a scan reads on one.
func (db *DB) Scan(ctx context.Context, afterID int64, allRevisions bool, fn func(chiso.Observation) error) (lastID int64, err error) {
	err = db.snapshot(ctx, func(s *snapshot) error {
		if lastID, err = maxID(ctx, s.tx); err != nil {
			return err
		}
		r := scanPlan{lo: afterID, hi: lastID}
		if !allRevisions {
			if r.skip, err = superseded(ctx, s.tx, afterID, lastID); err != nil {
				return err
			}
		}
		return s.streamRange(r, fn)
	})
	if err != nil {
		return 0, fmt.Errorf("scan: %w", err)
	}
	return max(lastID, afterID), nil
}

// scanPlan is what a scan reads: the ids in (lo, hi], less those set in
// skip (bit id-lo-1).
type scanPlan struct {
	lo, hi int64
	skip   []uint64
}

// skipped reports whether id is a superseded revision.
func (r *scanPlan) skipped(id int64) bool {
	i := id - r.lo - 1
	return r.skip != nil && r.skip[i>>6]&(1<<(i&63)) != 0
}

// superseded returns the set of ids in (lo, hi] that a later revision
// replaced, as a bitmap (one bit per id: 12.5 MB per 100M ids), or nil if
// none was.
func superseded(ctx context.Context, tx *sql.Tx, lo, hi int64) ([]uint64, error) {
	rows, err := tx.QueryContext(ctx, scanSuperseded, lo, hi)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var bits []uint64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		if bits == nil {
			bits = make([]uint64, (hi-lo)/64+1)
		}
		i := id - lo - 1
		bits[i>>6] |= 1 << (i & 63)
	}
	return bits, rows.Err()
}

// streamRange streams the plan's rows to fn.
func (s *snapshot) streamRange(r scanPlan, fn func(chiso.Observation) error) error {
	return s.stream(scanRange, []any{r.lo, r.hi}, func(o chiso.Observation) error {
		if r.skipped(o.ID) {
			return nil
		}
		return fn(o)
	})
}

// snapshot is one read transaction on a connection of the read pool.
type snapshot struct {
	ctx   context.Context
	conn  *sql.Conn
	tx    *sql.Tx
	names names
}

// snapshot runs f in a read transaction, with the names of every series,
// source and import it can see.
func (db *DB) snapshot(ctx context.Context, f func(*snapshot) error) error {
	conn, err := db.read.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	s := &snapshot{ctx: ctx, conn: conn, tx: tx}
	if s.names, err = db.names.load(ctx, tx); err != nil {
		return err
	}
	return f(s)
}

// stream runs query and hands each observation to fn.
func (s *snapshot) stream(query string, args []any, fn func(chiso.Observation) error) error {
	return s.rawRows(query, args, func(n int, row []driver.Value) error {
		o, err := s.names.decode(row)
		if err != nil {
			return err
		}
		if err := fn(o); err != nil {
			return err
		}
		if n%ctxCheckRows == 0 && s.ctx.Err() != nil {
			return s.ctx.Err()
		}
		return nil
	})
}

// ctxCheckRows is how many rows a scan streams between checks of its context.
const ctxCheckRows = 1 << 14

// rawRows runs query on the snapshot's connection, straight on the driver
// with reused destinations, and hands fn each row (numbered from 1); the
// row's values are valid until fn returns.
func (s *snapshot) rawRows(query string, args []any, fn func(n int, row []driver.Value) error) error {
	named := make([]driver.NamedValue, len(args))
	for i, a := range args {
		named[i] = driver.NamedValue{Ordinal: i + 1, Value: a}
	}
	return s.conn.Raw(func(dc any) error {
		st, err := dc.(driver.ConnPrepareContext).PrepareContext(s.ctx, query)
		if err != nil {
			return err
		}
		defer st.Close()
		rows, err := st.(driver.StmtQueryContext).QueryContext(s.ctx, named)
		if err != nil {
			return err
		}
		defer rows.Close()
		row := make([]driver.Value, len(rows.Columns()))
		for n := 1; ; n++ {
			if err := rows.Next(row); err == io.EOF {
				return nil
			} else if err != nil {
				return err
			}
			if err := fn(n, row); err != nil {
				return err
			}
		}
	})
}

// decode turns one row of obsColumns into an observation, sharing the code
// strings of the name cache.
func (nm names) decode(v []driver.Value) (chiso.Observation, error) {
	id, key, meta := asInt(v[0]), asInt(v[1]), asInt(v[3])
	series, period := key>>24, int32(key&(1<<24-1))
	if series <= 0 || series >= int64(len(nm.series)) {
		return chiso.Observation{}, fmt.Errorf("observation %d: unknown series %d", id, series)
	}
	p, _ := chiso.PeriodFromKey(period)
	o := chiso.Observation{Indicator: nm.series[series].indicator, Area: nm.series[series].area, Period: p,
		Value: asFloat(v[2]), Qualifier: chiso.Qualifier(meta & 0xff), Revision: int(meta >> 40), ID: id,
		IngestedAt: nm.ingested(id)}
	if src := meta >> 8 & (1<<32 - 1); src > 0 && src < int64(len(nm.sources)) {
		o.Source = nm.sources[src]
	}
	if v[4] != nil {
		if err := decodeExtra(&o, v[4]); err != nil {
			return chiso.Observation{}, fmt.Errorf("observation %d: %w", id, err)
		}
	}
	return o, nil
}

// decodeExtra reads the [raw, method, reported_on] array of a row.
func decodeExtra(o *chiso.Observation, v driver.Value) error {
	var b []byte
	switch x := v.(type) {
	case string:
		b = []byte(x)
	case []byte:
		b = x
	default:
		return fmt.Errorf("provenance of type %T", v)
	}
	var extra struct {
		raw, method *string
		reported    *int64
	}
	if err := json.Unmarshal(b, &[]any{&extra.raw, &extra.method, &extra.reported}); err != nil {
		return fmt.Errorf("provenance %s: %w", b, err)
	}
	if extra.raw != nil {
		o.Raw = *extra.raw
	}
	if extra.method != nil {
		o.Method = *extra.method
	}
	if extra.reported != nil {
		o.ReportedOn = time.Unix(*extra.reported, 0).UTC()
	}
	return nil
}

func asInt(v driver.Value) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case float64:
		return int64(x)
	}
	return 0
}

func asFloat(v driver.Value) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case int64:
		return float64(x)
	}
	return 0
}

// maxID returns the largest observation id, 0 for an empty store.
func maxID(ctx context.Context, q queryer) (int64, error) {
	var id int64
	err := q.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM observations`).Scan(&id)
	return id, err
}

// LastID returns the largest observation id: the sequence number of the
// newest revision, 0 for an empty store.
func (db *DB) LastID(ctx context.Context) (int64, error) {
	id, err := maxID(ctx, db.read)
	if err != nil {
		return 0, fmt.Errorf("last id: %w", err)
	}
	return id, nil
}
