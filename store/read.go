package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/chiso-vn/chiso"
)

// Filter selects current observations. Empty lists and zero periods select
// everything.
type Filter struct {
	Indicators []string // indicator codes; empty: all
	Areas      []string // area codes; empty: all
	// From and To bound the periods (inclusive, in chiso.Period.Compare's
	// order); the zero Period leaves that side open.
	From, To chiso.Period
}

// Current returns the current revision of every cell the filter selects,
// ordered by indicator, area and period. It holds them all in memory:
// serve clients with CurrentPage.
func (db *DB) Current(ctx context.Context, f Filter) ([]chiso.Observation, error) {
	var out []chiso.Observation
	err := db.snapshot(ctx, func(s *snapshot) error {
		ids, err := s.currentIDs(f)
		if err != nil {
			return err
		}
		return s.streamIDs(ids, func(o chiso.Observation) error {
			out = append(out, o)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("current: %w", err)
	}
	SortObservations(out)
	return out, nil
}

// currentIDs returns the ids of the current revisions the filter selects.
func (s *snapshot) currentIDs(f Filter) ([]int64, error) {
	query, args := cellsQuery(f)
	rows, err := s.tx.QueryContext(s.ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	var figs figureColumns
	for rows.Next() {
		var blob sql.RawBytes
		if err := rows.Scan(&blob); err != nil {
			return nil, err
		}
		if err := figs.decode(blob); err != nil {
			return nil, err
		}
		for i, key := range figs.periods {
			if p, _ := chiso.PeriodFromKey(key); f.InPeriods(p) {
				ids = append(ids, figs.ids[i])
			}
		}
	}
	return ids, rows.Err()
}

// seriesWhere returns the conditions on indicator (i.code) and area
// (a.code) codes that select the filter's series, and their arguments.
func seriesWhere(f Filter) (where []string, args []any) {
	in := func(col string, codes []string) {
		if len(codes) == 0 {
			return
		}
		where = append(where, col+" IN ("+strings.TrimSuffix(strings.Repeat("?,", len(codes)), ",")+")")
		for _, c := range codes {
			args = append(args, c)
		}
	}
	in("i.code", f.Indicators)
	in("a.code", f.Areas)
	return where, args
}

// cellsQuery builds the SQL that selects the cells of the filter's series.
func cellsQuery(f Filter) (string, []any) {
	where, args := seriesWhere(f)
	q := `SELECT sc.cells FROM series_figures sc JOIN series s ON s.id = sc.series_id
		JOIN indicators i ON i.id = s.indicator_id JOIN areas a ON a.id = s.area_id`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	return q, args
}

// idsPerQuery is how many ids streamIDs asks for at once.
const idsPerQuery = 4096

// streamIDs streams the observations with the ids, in id order.
func (s *snapshot) streamIDs(ids []int64, fn func(chiso.Observation) error) error {
	slices.Sort(ids)
	for len(ids) > 0 {
		n := min(len(ids), idsPerQuery)
		if err := s.stream(scanIDs, []any{jsonInts(ids[:n])}, fn); err != nil {
			return err
		}
		ids = ids[n:]
	}
	return nil
}

// jsonInts writes ids as a JSON array, for json_each.
func jsonInts(ids []int64) string {
	b := make([]byte, 0, 1+len(ids)*8)
	b = append(b, '[')
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	return string(append(b, ']'))
}

// InPeriods reports whether p lies within [f.From, f.To], a zero bound
// open: the filter's periods, which both stores apply in Go.
func (f Filter) InPeriods(p chiso.Period) bool {
	return (f.From.IsZero() || p.Compare(f.From) >= 0) && (f.To.IsZero() || p.Compare(f.To) <= 0)
}

// SortObservations orders by indicator, area, period, then revision: the
// order both stores return observations in.
func SortObservations(obs []chiso.Observation) {
	sort.SliceStable(obs, func(i, j int) bool {
		a, b := &obs[i], &obs[j]
		switch {
		case a.Indicator != b.Indicator:
			return a.Indicator < b.Indicator
		case a.Area != b.Area:
			return a.Area < b.Area
		}
		if c := a.Period.Compare(b.Period); c != 0 {
			return c < 0
		}
		return a.Revision < b.Revision
	})
}

// History returns every revision of an indicator for an area, ordered by
// period and then revision; nil if nothing is stored. It follows each
// current revision back through its predecessors.
func (db *DB) History(ctx context.Context, indicator, area string) ([]chiso.Observation, error) {
	const query = `WITH RECURSIVE chain(id) AS (
			SELECT value FROM json_each(?)
			UNION ALL
			SELECT o.prev_id FROM observations o JOIN chain ON o.id = chain.id WHERE o.prev_id IS NOT NULL)
		SELECT ` + obsColumns + ` FROM chain JOIN observations o ON o.id = chain.id`
	var out []chiso.Observation
	err := db.snapshot(ctx, func(s *snapshot) error {
		ids, err := s.currentIDs(Filter{Indicators: []string{indicator}, Areas: []string{area}})
		if err != nil || len(ids) == 0 {
			return err
		}
		return s.stream(query, []any{jsonInts(ids)}, func(o chiso.Observation) error {
			out = append(out, o)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("history %s %s: %w", indicator, area, err)
	}
	SortObservations(out)
	return out, nil
}

// ImportRecord is one past import as the store recorded it.
type ImportRecord struct {
	ID     int64
	Source string
	// StartedAt is the caller's ImportOptions.Now; FinishedAt is when the
	// database committed it, by the database's clock.
	StartedAt, FinishedAt time.Time
	Counts
	FirstID, LastID int64 // the revisions written; 0 when none
}

// Imports returns the latest imports, newest first; limit ≤ 0 returns all.
func (db *DB) Imports(ctx context.Context, limit int) ([]ImportRecord, error) {
	if limit <= 0 {
		limit = -1
	}
	rows, err := db.read.QueryContext(ctx, `SELECT id, source, started_at, finished_at, added, revised, unchanged,
		first_id, last_id FROM imports ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("imports: %w", err)
	}
	defer rows.Close()
	var out []ImportRecord
	for rows.Next() {
		var r ImportRecord
		var started int64
		var finished string
		if err := rows.Scan(&r.ID, &r.Source, &started, &finished, &r.Added, &r.Revised, &r.Unchanged,
			&r.FirstID, &r.LastID); err != nil {
			return nil, fmt.Errorf("imports: %w", err)
		}
		r.StartedAt = time.Unix(0, started).UTC()
		r.FinishedAt, _ = time.Parse("2006-01-02T15:04:05.999Z", finished)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("imports: %w", err)
	}
	return out, nil
}

// Stats counts what the store holds.
type Stats struct {
	Observations int64 // cells with a current figure
	Revisions    int64 // every revision stored
	Series       int64 // (indicator, area) pairs with at least one figure
	Indicators   int64 // catalogue entries
	Areas        int64 // catalogue entries
	Imports      int64 // imports recorded, including those that changed nothing
	LastID       int64 // the newest revision's id
}

// Stats returns the store's counts, from one snapshot.
func (db *DB) Stats(ctx context.Context) (Stats, error) {
	var s Stats
	err := db.read.QueryRowContext(ctx, `SELECT
		(SELECT coalesce(sum(n), 0) FROM series_figures), (SELECT count(*) FROM observations), (SELECT count(*) FROM series),
		(SELECT count(*) FROM indicators), (SELECT count(*) FROM areas), (SELECT count(*) FROM imports),
		(SELECT coalesce(max(id), 0) FROM observations)`).Scan(
		&s.Observations, &s.Revisions, &s.Series, &s.Indicators, &s.Areas, &s.Imports, &s.LastID)
	if err != nil {
		return Stats{}, fmt.Errorf("stats: %w", err)
	}
	return s, nil
}
