package engine

import (
	"context"
	"fmt"
	"math"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/store"
)

// Source is where the engine reads observations from: the store.
// store/storetest holds every store to this contract.
type Source interface {
	// Scan calls fn for every observation with an ID above afterID (only
	// the current revision of each cell unless allRevisions) in ID order,
	// and returns the ID to pass as afterID next time: at least afterID
	// and the highest it saw. A scan reads one consistent state: an import
	// is in it whole or not at all, and one committed after the returned
	// ID has IDs above it. An error from fn stops the scan and is
	// returned. Scan only reads: a failed scan is retried with the same
	// afterID.
	Scan(ctx context.Context, afterID int64, allRevisions bool, fn func(chiso.Observation) error) (int64, error)
}

// Add puts observations in the index: one replaces the current value of
// its cell (indicator, area, period) when its revision is higher, or the
// same with a higher store sequence number (ID); observations not yet
// stored (ID 0) replace each other in the order they come. The units whose
// data changed are evaluated again by the next Evaluate.
func (e *Engine) Add(obs ...chiso.Observation) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i := range obs {
		e.put(&obs[i])
	}
	e.ix.finish()
	e.log.compact(e.oldestSeen(), e.logLimit())
}

// put adds one observation and logs the change; callers hold e.mu.
func (e *Engine) put(o *chiso.Observation) {
	k, changed := e.ix.put(o)
	if changed {
		e.log.entries = append(e.log.entries, change{ind: int32(k >> 32), area: int32(uint32(k)), key: o.Period.Key()})
	}
}

// oldestSeen is the lowest change-log position a rule with valid findings
// still needs.
func (e *Engine) oldestSeen() uint64 {
	oldest := uint64(math.MaxUint64)
	for _, st := range e.rules {
		if st.valid && st.seen < oldest {
			oldest = st.seen
		}
	}
	return oldest
}

// logLimit is the length past which the change log collapses into a full
// evaluation: beyond it, evaluating everything costs about as much as
// sorting out what changed.
func (e *Engine) logLimit() int { return max(1<<16, e.ix.points/8) }

// batchSize is how many observations the loader hands over at a time.
const batchSize = 4096

// FigureSource is a Source that can also hand over the current figures of
// every series as columns, as the store does (store.DB.ScanFigures): Load
// then reads one value per series instead of a row per observation.
type FigureSource interface {
	Source
	// ScanFigures calls fn once per series that has figures with the
	// current figures of that series, sorted by period key: what
	// Scan(ctx, 0, false, fn) streams, without Raw, ReportedOn and
	// IngestedAt, from one consistent state. It returns the highest ID in
	// that state, to pass to Scan next. fn must not keep the SeriesFigures
	// nor its slices; an error from fn stops the scan and is returned.
	ScanFigures(ctx context.Context, fn func(*store.SeriesFigures) error) (int64, error)
}

// Load replaces the index with every current observation of the store, and
// makes the next evaluation of every rule a full one. From a FigureSource
// it builds each series' column from the store's columns at once;
// otherwise the scan and the indexing run side by side. Evaluations keep
// reading the old index until the new one is complete. What Add puts in the
// index while a Load runs is lost with the old index unless the store has
// it: a Refresh after the Load brings back what the store received
// meanwhile.
func (e *Engine) Load(ctx context.Context, src Source) error {
	e.loadMu.Lock()
	defer e.loadMu.Unlock()
	ix := newIndex()
	var last int64
	var err error
	if fs, ok := src.(FigureSource); ok {
		last, err = fs.ScanFigures(ctx, newFigureLoader(ix).add)
	} else {
		ix.loading = true
		last, err = pipe(ctx, src, 0, func(batch []chiso.Observation) {
			for i := range batch {
				ix.put(&batch[i])
			}
		})
		ix.loading = false
		if err == nil {
			ix.compact()
		}
	}
	if err != nil {
		return fmt.Errorf("load observations: %w", err)
	}
	ix.finish()
	e.mu.Lock()
	defer e.mu.Unlock()
	e.ix, e.lastID = ix, last
	e.log.reset()
	return nil
}

// Refresh adds what the store received since the last Load or Refresh and
// returns how many observations it read.
func (e *Engine) Refresh(ctx context.Context, src Source) (int, error) {
	e.loadMu.Lock()
	defer e.loadMu.Unlock()
	e.mu.RLock()
	after := e.lastID
	e.mu.RUnlock()
	n := 0
	last, err := pipe(ctx, src, after, func(batch []chiso.Observation) {
		n += len(batch)
		e.Add(batch...)
	})
	if err != nil {
		return n, fmt.Errorf("refresh observations after %d: %w", after, err)
	}
	e.mu.Lock()
	e.lastID = max(e.lastID, last)
	e.mu.Unlock()
	return n, nil
}

// pipe scans the source in one goroutine and hands batches of observations
// to fn in the caller's, so that decoding rows and indexing them use two
// cores. Batches are recycled: fn must not keep them.
func pipe(ctx context.Context, src Source, after int64, fn func([]chiso.Observation)) (int64, error) {
	full, free := make(chan []chiso.Observation, 2), make(chan []chiso.Observation, 3)
	for range 3 {
		free <- make([]chiso.Observation, 0, batchSize)
	}
	var last int64
	errc := make(chan error, 1)
	go func() {
		defer close(full)
		batch := <-free
		var err error
		last, err = src.Scan(ctx, after, false, func(o chiso.Observation) error {
			batch = append(batch, o)
			if len(batch) == batchSize {
				full <- batch
				batch = <-free
			}
			return nil
		})
		if len(batch) > 0 {
			full <- batch
		}
		errc <- err
	}()
	for batch := range full {
		fn(batch)
		free <- batch[:0]
	}
	return last, <-errc
}
