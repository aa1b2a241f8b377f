package pgstore

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/store"
)

// nameCache keeps the codes of every series and the names of every source
// and method by id. Ids are never reused nor renamed (series, sources and
// methods are append-only; a catalogue entry keeps its id and code), so
// the cache only grows, reading the ids above the largest it knows.
type nameCache struct {
	mu      sync.Mutex
	series  []seriesName // by series id; index 0 unused
	sources []string     // by source id; index 0 is "" (none)
	methods []string     // by method id; index 0 is "" (the default)
}

type seriesName struct{ indicator, area string }

// names is one snapshot's view of the cache.
type names struct {
	series           []seriesName
	sources, methods []string
}

func newNameCache() *nameCache {
	return &nameCache{series: make([]seriesName, 1), sources: make([]string, 1), methods: make([]string, 1)}
}

// load brings the cache up to the snapshot and returns its view.
func (c *nameCache) load(ctx context.Context, tx pgx.Tx) (names, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	rows, err := tx.Query(ctx, `SELECT s.id, i.code, a.code FROM series s JOIN indicators i ON i.id = s.indicator_id
		JOIN areas a ON a.id = s.area_id WHERE s.id >= $1 ORDER BY s.id`, len(c.series))
	if err != nil {
		return names{}, fmt.Errorf("load series names: %w", err)
	}
	var id int64
	var ind, area string
	if _, err := pgx.ForEachRow(rows, []any{&id, &ind, &area}, func() error {
		for int64(len(c.series)) <= id {
			c.series = append(c.series, seriesName{})
		}
		c.series[id] = seriesName{ind, area}
		return nil
	}); err != nil {
		return names{}, fmt.Errorf("load series names: %w", err)
	}
	if c.sources, err = loadNames(ctx, tx, `SELECT id, name FROM sources WHERE id >= $1`, c.sources); err != nil {
		return names{}, fmt.Errorf("load source names: %w", err)
	}
	if c.methods, err = loadNames(ctx, tx, `SELECT id, name FROM methods WHERE id >= $1`, c.methods); err != nil {
		return names{}, fmt.Errorf("load method names: %w", err)
	}
	return names{series: c.series, sources: c.sources, methods: c.methods}, nil
}

// loadNames appends the (id, name) rows above the ones known.
func loadNames(ctx context.Context, tx pgx.Tx, query string, known []string) ([]string, error) {
	rows, err := tx.Query(ctx, query, len(known))
	if err != nil {
		return known, err
	}
	var id int64
	var name string
	_, err = pgx.ForEachRow(rows, []any{&id, &name}, func() error {
		for int64(len(known)) <= id {
			known = append(known, "")
		}
		known[id] = name
		return nil
	})
	return known, err
}

// snapshotNames runs f in a snapshot with the names it sees.
func (db *DB) snapshotNames(ctx context.Context, f func(pgx.Tx, names) error) error {
	return db.snapshot(ctx, func(tx pgx.Tx) error {
		nm, err := db.names.load(ctx, tx)
		if err != nil {
			return err
		}
		return f(tx, nm)
	})
}

// obsColumns are the columns of an observation, as obsRow scans them.
const obsColumns = `o.id, o.series_id, o.period, o.value, o.revision, o.qualifier, o.source_id, o.method_id,
	o.raw, o.reported_on, o.ingested_at`

// obsRow is one observation as read.
type obsRow struct {
	id, ingested   int64
	series, period int32
	value          float64
	revision       int32
	qualifier      int16
	source, method int32
	raw            *string
	reportedOn     *int64
}

func (r *obsRow) dest() []any {
	return []any{&r.id, &r.series, &r.period, &r.value, &r.revision, &r.qualifier, &r.source, &r.method,
		&r.raw, &r.reportedOn, &r.ingested}
}

// observation decodes the row with the snapshot's names.
func (nm names) observation(r *obsRow) (chiso.Observation, error) {
	if r.series <= 0 || int(r.series) >= len(nm.series) || nm.series[r.series].indicator == "" {
		return chiso.Observation{}, fmt.Errorf("observation %d: unknown series %d", r.id, r.series)
	}
	if int(r.source) >= len(nm.sources) || int(r.method) >= len(nm.methods) {
		return chiso.Observation{}, fmt.Errorf("observation %d: unknown source %d or method %d", r.id, r.source, r.method)
	}
	p, _ := chiso.PeriodFromKey(r.period)
	o := chiso.Observation{Indicator: nm.series[r.series].indicator, Area: nm.series[r.series].area, Period: p,
		Value: r.value, Qualifier: chiso.Qualifier(r.qualifier), Revision: int(r.revision), ID: r.id,
		Source: nm.sources[r.source], Method: nm.methods[r.method], IngestedAt: time.Unix(0, r.ingested).UTC()}
	if r.raw != nil {
		o.Raw = *r.raw
	}
	if r.reportedOn != nil {
		o.ReportedOn = time.Unix(*r.reportedOn, 0).UTC()
	}
	return o, nil
}

// ctxCheckRows is how many rows a read streams between checks of its
// context.
const ctxCheckRows = 1 << 14

// stream runs a query of obsColumns and calls fn with each observation.
func stream(ctx context.Context, tx pgx.Tx, nm names, query string, args []any, fn func(chiso.Observation) error) error {
	rows, err := tx.Query(ctx, query, args...)
	if err != nil {
		return err
	}
	var r obsRow
	n := 0
	_, err = pgx.ForEachRow(rows, r.dest(), func() error {
		o, err := nm.observation(&r)
		if err != nil {
			return err
		}
		if n++; n%ctxCheckRows == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		r.raw, r.reportedOn = nil, nil
		return fn(o)
	})
	return err
}

// Scan calls fn with every observation whose id is above afterID, in id
// order: every revision, or only the current ones. It returns the largest
// id stored, read in the same snapshot (afterID when larger).
func (db *DB) Scan(ctx context.Context, afterID int64, allRevisions bool, fn func(chiso.Observation) error) (lastID int64, err error) {
	err = db.snapshotNames(ctx, func(tx pgx.Tx, nm names) error {
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(id), 0) FROM observations`).Scan(&lastID); err != nil {
			return err
		}
		q := `SELECT ` + obsColumns + ` FROM observations o WHERE o.id > $1 AND o.id <= $2`
		if !allRevisions {
			q += ` AND NOT EXISTS (SELECT 1 FROM observations n WHERE n.prev_id = o.id)`
		}
		return stream(ctx, tx, nm, q+` ORDER BY o.id`, []any{afterID, lastID}, fn)
	})
	if err != nil {
		return 0, fmt.Errorf("scan: %w", err)
	}
	return max(lastID, afterID), nil
}

// LastID returns the id of the newest revision stored, 0 for none.
func (db *DB) LastID(ctx context.Context) (int64, error) {
	var id int64
	if err := db.pool.QueryRow(ctx, `SELECT coalesce(max(id), 0) FROM observations`).Scan(&id); err != nil {
		return 0, fmt.Errorf("last id: %w", err)
	}
	return id, nil
}

// ctxCheckSeries is how many series ScanFigures hands over between checks
// of its context.
const ctxCheckSeries = 256

// ScanFigures calls fn with the current figures of every series that has
// any, series by series in id order, each sorted by period key; fn must
// not keep the SeriesFigures nor its slices. It returns the largest id
// stored, read in the same snapshot. The server hands over each series as
// one row of arrays, a column each: a row per figure costs the client
// several times more.
func (db *DB) ScanFigures(ctx context.Context, fn func(*store.SeriesFigures) error) (lastID int64, err error) {
	err = db.snapshotNames(ctx, func(tx pgx.Tx, nm names) error {
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(id), 0) FROM observations`).Scan(&lastID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, scanFiguresSettings); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT series_id, array_agg(period), array_agg(obs_id), array_agg(value),
				array_agg(revision), array_agg(qualifier), array_agg(source_id), array_agg(method_id)
			FROM (SELECT * FROM current ORDER BY series_id, period) c GROUP BY series_id ORDER BY series_id`)
		if err != nil {
			return err
		}
		sf := store.SeriesFigures{SourceNames: nm.sources, MethodNames: nm.methods, Series: len(nm.series) - 1}
		var series int32
		var qualifiers []int16
		n := 0
		_, err = pgx.ForEachRow(rows, []any{&series, &sf.Periods, &sf.IDs, &sf.Values, &sf.Revisions, &qualifiers,
			&sf.Sources, &sf.Methods}, func() error {
			if series <= 0 || int(series) >= len(nm.series) {
				return fmt.Errorf("series %d: unknown series", series)
			}
			sf.Qualifiers = sf.Qualifiers[:0]
			for _, q := range qualifiers {
				sf.Qualifiers = append(sf.Qualifiers, chiso.Qualifier(q))
			}
			for i := range sf.Periods {
				if int(sf.Sources[i]) >= len(nm.sources) || int(sf.Methods[i]) >= len(nm.methods) {
					return fmt.Errorf("series %d: unknown source %d or method %d", series, sf.Sources[i], sf.Methods[i])
				}
			}
			if !slices.IsSorted(sf.Periods) {
				sortFigures(&sf)
			}
			sf.Indicator, sf.Area = nm.series[series].indicator, nm.series[series].area
			if err := fn(&sf); err != nil {
				return err
			}
			if n++; n%ctxCheckSeries == 0 {
				return ctx.Err()
			}
			return nil
		})
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("scan figures: %w", err)
	}
	return lastID, nil
}

// scanFiguresSettings make the full load read current in its key's order
// (the index) and aggregate as it goes, rather than sort every figure of
// the store first, and spare the just-in-time compilation of a statement
// run once.
const scanFiguresSettings = `SET LOCAL enable_seqscan = off; SET LOCAL jit = off; SET LOCAL work_mem = '64MB'`

// sortFigures orders a series' columns by period, should the server have
// aggregated them in another order.
func sortFigures(sf *store.SeriesFigures) {
	idx := make([]int, len(sf.Periods))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return int(sf.Periods[a]) - int(sf.Periods[b]) })
	p, id, v, r, q, s, m := slices.Clone(sf.Periods), slices.Clone(sf.IDs), slices.Clone(sf.Values), slices.Clone(sf.Revisions),
		slices.Clone(sf.Qualifiers), slices.Clone(sf.Sources), slices.Clone(sf.Methods)
	for to, from := range idx {
		sf.Periods[to], sf.IDs[to], sf.Values[to], sf.Revisions[to] = p[from], id[from], v[from], r[from]
		sf.Qualifiers[to], sf.Sources[to], sf.Methods[to] = q[from], s[from], m[from]
	}
}

// seriesFilter returns the condition on series s of a filter's codes,
// its arguments numbered from next.
func seriesFilter(f store.Filter, next int) (string, []any) {
	cond, args := "", []any{}
	if len(f.Indicators) > 0 {
		cond += ` AND s.indicator_id IN (SELECT id FROM indicators WHERE code = ANY($` + strconv.Itoa(next) + `))`
		args = append(args, f.Indicators)
		next++
	}
	if len(f.Areas) > 0 {
		cond += ` AND s.area_id IN (SELECT id FROM areas WHERE code = ANY($` + strconv.Itoa(next) + `))`
		args = append(args, f.Areas)
	}
	return cond, args
}

// Current returns the current revision of every cell the filter selects,
// ordered by indicator, area and period.
func (db *DB) Current(ctx context.Context, f store.Filter) ([]chiso.Observation, error) {
	var out []chiso.Observation
	err := db.snapshotNames(ctx, func(tx pgx.Tx, nm names) error {
		cond, args := seriesFilter(f, 1)
		return stream(ctx, tx, nm, `SELECT `+obsColumns+` FROM current c JOIN series s ON s.id = c.series_id
			JOIN observations o ON o.id = c.obs_id WHERE true`+cond, args, func(o chiso.Observation) error {
			if f.InPeriods(o.Period) {
				out = append(out, o)
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("current: %w", err)
	}
	store.SortObservations(out)
	return out, nil
}

// History returns every revision of one series' cells, ordered by period
// and revision; nothing for an unknown series.
func (db *DB) History(ctx context.Context, indicator, area string) ([]chiso.Observation, error) {
	var out []chiso.Observation
	err := db.snapshotNames(ctx, func(tx pgx.Tx, nm names) error {
		return stream(ctx, tx, nm, `WITH RECURSIVE ch(id) AS (
				SELECT c.obs_id FROM current c JOIN series s ON s.id = c.series_id
				JOIN indicators i ON i.id = s.indicator_id JOIN areas a ON a.id = s.area_id
				WHERE i.code = $1 AND a.code = $2
				UNION ALL
				SELECT o.prev_id FROM observations o JOIN ch ON o.id = ch.id WHERE o.prev_id IS NOT NULL)
			SELECT `+obsColumns+` FROM ch JOIN observations o ON o.id = ch.id`, []any{indicator, area}, func(o chiso.Observation) error {
			out = append(out, o)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("history %s %s: %w", indicator, area, err)
	}
	store.SortObservations(out)
	return out, nil
}

// CurrentPage returns at most limit current observations the filter
// selects after the position, in store.Position's order (series id, then
// period), the position of the last one returned, and whether more follow.
func (db *DB) CurrentPage(ctx context.Context, f store.Filter, after store.Position, limit int) (obs []chiso.Observation, last store.Position, more bool, err error) {
	if limit <= 0 {
		return nil, after, false, fmt.Errorf("current page: limit %d is not positive", limit)
	}
	afterPeriod, _ := chiso.PeriodFromKey(after.Period)
	err = db.snapshotNames(ctx, func(tx pgx.Tx, nm names) error {
		cond, args := seriesFilter(f, 2)
		// Series by series: the page ends within the series where it fills.
		var series []chiso.Observation
		var cur int64
		full := false
		take := func() {
			slices.SortFunc(series, func(a, b chiso.Observation) int { return a.Period.Compare(b.Period) })
			for _, o := range series {
				if len(obs) == limit {
					more, full = true, true
					return
				}
				obs = append(obs, o)
				last = store.Position{Series: cur, Period: o.Period.Key()}
			}
			series = series[:0]
		}
		q := `SELECT ` + obsColumns + ` FROM current c JOIN series s ON s.id = c.series_id
			JOIN observations o ON o.id = c.obs_id WHERE c.series_id >= $1` + cond + ` ORDER BY c.series_id`
		rows, err := tx.Query(ctx, q, append([]any{after.Series}, args...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		var r obsRow
		for rows.Next() && !full {
			r.raw, r.reportedOn = nil, nil
			if err := rows.Scan(r.dest()...); err != nil {
				return err
			}
			if int64(r.series) != cur {
				take()
				cur = int64(r.series)
			}
			o, err := nm.observation(&r)
			if err != nil {
				return err
			}
			if f.InPeriods(o.Period) && (cur > after.Series || o.Period.Compare(afterPeriod) > 0) {
				series = append(series, o)
			}
		}
		if !full {
			take()
		}
		rows.Close()
		return rows.Err()
	})
	if err != nil {
		return nil, after, false, fmt.Errorf("current page: %w", err)
	}
	return obs, last, more, nil
}

// Imports returns the latest committed imports, newest first; limit ≤ 0
// returns all.
func (db *DB) Imports(ctx context.Context, limit int) ([]store.ImportRecord, error) {
	q := `SELECT id, source, started_at, finished_at, added, revised, unchanged, first_id, last_id
		FROM imports ORDER BY id DESC`
	var args []any
	if limit > 0 {
		q += ` LIMIT $1`
		args = append(args, limit)
	}
	rows, err := db.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("imports: %w", err)
	}
	var out []store.ImportRecord
	var r store.ImportRecord
	var started int64
	_, err = pgx.ForEachRow(rows, []any{&r.ID, &r.Source, &started, &r.FinishedAt, &r.Added, &r.Revised, &r.Unchanged,
		&r.FirstID, &r.LastID}, func() error {
		r.StartedAt = time.Unix(0, started).UTC()
		r.FinishedAt = r.FinishedAt.UTC().Truncate(time.Millisecond)
		out = append(out, r)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("imports: %w", err)
	}
	return out, nil
}

// Stats returns the store's counts, read in one snapshot.
func (db *DB) Stats(ctx context.Context) (store.Stats, error) {
	var s store.Stats
	err := db.pool.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM current), (SELECT count(*) FROM observations), (SELECT count(*) FROM series),
		(SELECT count(*) FROM indicators), (SELECT count(*) FROM areas), (SELECT count(*) FROM imports),
		(SELECT coalesce(max(id), 0) FROM observations)`).Scan(
		&s.Observations, &s.Revisions, &s.Series, &s.Indicators, &s.Areas, &s.Imports, &s.LastID)
	if err != nil {
		return store.Stats{}, fmt.Errorf("stats: %w", err)
	}
	return s, nil
}
