package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/chiso-vn/chiso"
)

// Position is where a page of current observations ends, in the order
// CurrentPage reads them: by series (the order in which indicator–area pairs
// were first stored), then by period in chiso.Period.Compare's order. The
// zero Position lies before the first observation.
type Position struct {
	Series int64 // the series' id
	Period int32 // chiso.Period.Key() of the last cell read in it
}

// errPageFull stops a page's scan once it holds what it needs.
var errPageFull = errors.New("page full")

// pageCell is one current cell of a page: where it lies, and its revision.
type pageCell struct {
	series int64
	period chiso.Period
	id     int64
}

// CurrentPage returns at most limit current observations that the filter
// selects after the position, in Position's order, the position of the
// last one returned, and whether more follow. Its query starts at the
// position's series and stops once the page is full, so a page costs what
// it holds, not what the store holds. limit must be positive.
func (db *DB) CurrentPage(ctx context.Context, f Filter, after Position, limit int) (obs []chiso.Observation, last Position, more bool, err error) {
	if limit <= 0 {
		return nil, after, false, fmt.Errorf("current page: limit %d is not positive", limit)
	}
	err = db.snapshot(ctx, func(s *snapshot) error {
		cells, err := s.pageCells(f, after, limit+1)
		if err != nil {
			return err
		}
		if more = len(cells) > limit; more {
			cells = cells[:limit]
		}
		if len(cells) > 0 {
			c := cells[len(cells)-1]
			last = Position{Series: c.series, Period: c.period.Key()}
		}
		obs, err = s.observationsOf(cells)
		return err
	})
	if err != nil {
		return nil, after, false, fmt.Errorf("current page: %w", err)
	}
	return obs, last, more, nil
}

// pageCells reads the first n cells after the position that the filter
// selects, series by series from the position's one.
func (s *snapshot) pageCells(f Filter, after Position, n int) ([]pageCell, error) {
	query, args := pageQuery(f, after.Series)
	afterPeriod, _ := chiso.PeriodFromKey(after.Period)
	var figs figureColumns
	out := make([]pageCell, 0, min(n, 1024))
	err := s.rawRows(query, args, func(_ int, row []driver.Value) error {
		series := asInt(row[0])
		blob, ok := row[1].([]byte)
		if !ok {
			return fmt.Errorf("series %d: cells of type %T", series, row[1])
		}
		if err := figs.decode(blob); err != nil {
			return fmt.Errorf("series %d: %w", series, err)
		}
		start := len(out)
		for i, key := range figs.periods {
			p, _ := chiso.PeriodFromKey(key)
			if f.InPeriods(p) && (series > after.Series || p.Compare(afterPeriod) > 0) {
				out = append(out, pageCell{series: series, period: p, id: figs.ids[i]})
			}
		}
		// a blob is sorted by period key; a page is in Compare's order
		slices.SortFunc(out[start:], func(a, b pageCell) int { return a.period.Compare(b.period) })
		if len(out) >= n {
			out = out[:n]
			return errPageFull
		}
		return s.ctx.Err()
	})
	if err != nil && !errors.Is(err, errPageFull) {
		return nil, err
	}
	return out, nil
}

// pageQuery selects the cells of the filter's series from series id
// first on, in id order. The series are chosen in a subquery so that
// SQLite walks series_figures by its key and never sorts the blobs.
func pageQuery(f Filter, first int64) (string, []any) {
	where, args := seriesWhere(f)
	q := `SELECT sc.series_id, sc.cells FROM series_figures sc WHERE sc.series_id >= ?`
	if len(where) > 0 {
		q += ` AND sc.series_id IN (SELECT s.id FROM series s JOIN indicators i ON i.id = s.indicator_id
			JOIN areas a ON a.id = s.area_id WHERE ` + strings.Join(where, " AND ") + `)`
	}
	return q + ` ORDER BY sc.series_id`, append([]any{first}, args...)
}

// observationsOf reads the observations of the cells, in the cells' order.
func (s *snapshot) observationsOf(cells []pageCell) ([]chiso.Observation, error) {
	at := make(map[int64]int, len(cells))
	ids := make([]int64, len(cells))
	for i, c := range cells {
		at[c.id], ids[i] = i, c.id
	}
	out := make([]chiso.Observation, len(cells))
	err := s.streamIDs(ids, func(o chiso.Observation) error {
		out[at[o.ID]] = o
		return nil
	})
	return out, err
}
