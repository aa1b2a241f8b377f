package store

import (
	"context"
	"database/sql/driver"
	"fmt"

	"github.com/chiso-vn/chiso"
)

// SeriesFigures is the current figures of one series as parallel columns,
// sorted by period key. Sources and Methods index SourceNames and
// MethodNames, whose entry 0 is the empty name (no source; the indicator's
// default method).
type SeriesFigures struct {
	Indicator, Area string
	Periods         []int32 // chiso.Period.Key()
	IDs             []int64 // chiso.Observation.ID
	Values          []float64
	Revisions       []int32
	Qualifiers      []chiso.Qualifier
	Sources         []int32
	Methods         []int32
	// SourceNames and MethodNames are the same for every series of a scan.
	SourceNames, MethodNames []string
	// Series is how many series the store holds: at most how many the scan
	// hands over.
	Series int
}

// Len returns the number of cells.
func (f *SeriesFigures) Len() int { return len(f.Periods) }

// ctxCheckSeries is how many series ScanFigures reads between checks of its
// context.
const ctxCheckSeries = 256

// ScanFigures calls fn with the current figures of every series that has
// any, series by series: the observations Scan(ctx, 0, false, …) streams,
// without Raw, ReportedOn and IngestedAt. It returns the largest
// observation id, as Scan does. It reads one blob per series instead of a
// row per figure. fn must not keep the SeriesFigures nor its slices, which
// the next call reuses; an error from fn stops the scan and is returned.
func (db *DB) ScanFigures(ctx context.Context, fn func(*SeriesFigures) error) (lastID int64, err error) {
	err = db.snapshot(ctx, func(s *snapshot) error {
		if lastID, err = maxID(ctx, s.tx); err != nil {
			return err
		}
		methods, err := methodNames(ctx, s.tx)
		if err != nil {
			return fmt.Errorf("load methods: %w", err)
		}
		var figs figureColumns
		sf := SeriesFigures{SourceNames: s.names.sources, MethodNames: methods, Series: len(s.names.series) - 1}
		return s.rawRows(`SELECT series_id, cells FROM series_figures ORDER BY series_id`, nil, func(n int, row []driver.Value) error {
			series := asInt(row[0])
			blob, ok := row[1].([]byte)
			if !ok {
				return fmt.Errorf("series %d: cells of type %T", series, row[1])
			}
			if series <= 0 || series >= int64(len(s.names.series)) {
				return fmt.Errorf("series %d: unknown series", series)
			}
			if err := figs.decode(blob); err != nil {
				return fmt.Errorf("series %d: %w", series, err)
			}
			if err := figs.check(len(sf.SourceNames), len(sf.MethodNames)); err != nil {
				return fmt.Errorf("series %d: %w", series, err)
			}
			if len(figs.periods) == 0 {
				return nil
			}
			sf.Indicator, sf.Area = s.names.series[series].indicator, s.names.series[series].area
			sf.Periods, sf.IDs, sf.Values, sf.Revisions = figs.periods, figs.ids, figs.values, figs.revisions
			sf.Qualifiers, sf.Sources, sf.Methods = figs.qualifiers, figs.sources, figs.methods
			if err := fn(&sf); err != nil {
				return err
			}
			if n%ctxCheckSeries == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
			return nil
		})
	})
	if err != nil {
		return 0, fmt.Errorf("scan figures: %w", err)
	}
	return lastID, nil
}

// check reports a source or method id that names no entry.
func (f *figureColumns) check(sources, methods int) error {
	for _, id := range f.sources {
		if int(id) >= sources {
			return fmt.Errorf("%w: unknown source %d", errCells, id)
		}
	}
	for _, id := range f.methods {
		if int(id) >= methods {
			return fmt.Errorf("%w: unknown method %d", errCells, id)
		}
	}
	return nil
}

// methodNames returns the method tags by id; entry 0 is "".
func methodNames(ctx context.Context, q queryer) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, name FROM methods ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	names := []string{""}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, err
		}
		for int64(len(names)) <= id {
			names = append(names, "")
		}
		names[id] = name
	}
	return names, rows.Err()
}
