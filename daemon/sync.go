package daemon

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/engine"
	"github.com/chiso-vn/chiso/server"
	"github.com/chiso-vn/chiso/store"
)

// trackingSource is the engine's view of the store. It notes, as the engine
// reads, which indicators changed and the latest value of every exported
// series, so that the daemon needs no second pass over the data.
type trackingSource struct {
	db       engine.FigureSource
	cat      *chiso.Catalogue
	exported map[string]bool // area codes whose values /metrics exposes

	mu      sync.Mutex
	lastID  int64
	changed map[string]bool
	latest  map[chiso.SeriesKey]latestValue
}

type latestValue struct {
	period chiso.Period
	value  float64
	id     int64
}

// olderThan reports whether a figure of period p with store id id
// replaces v as the latest: a later period, or a newer revision of the same.
func (v latestValue) olderThan(p chiso.Period, id int64) bool {
	return v.period.Before(p) || (v.period == p && id >= v.id)
}

func newTrackingSource(db engine.FigureSource, cat *chiso.Catalogue, levels []chiso.AreaLevel) *trackingSource {
	want := map[chiso.AreaLevel]bool{}
	for _, l := range levels {
		want[l] = true
	}
	exported := map[string]bool{}
	for _, a := range cat.Areas {
		if want[a.Level] {
			exported[a.Code] = true
		}
	}
	return &trackingSource{db: db, cat: cat, exported: exported, changed: map[string]bool{},
		latest: map[chiso.SeriesKey]latestValue{}}
}

// Scan implements engine.Source.
func (s *trackingSource) Scan(ctx context.Context, afterID int64, all bool, fn func(chiso.Observation) error) (int64, error) {
	last, err := s.db.Scan(ctx, afterID, all, func(o chiso.Observation) error {
		s.note(o)
		return fn(o)
	})
	s.seen(last)
	return last, err
}

// seen records the highest observation id a scan reached.
func (s *trackingSource) seen(last int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastID = max(s.lastID, last)
}

// ScanFigures implements engine.FigureSource: the engine's full load reads
// the store's columns a series at a time, and the latest value of each
// exported series is noted from them.
func (s *trackingSource) ScanFigures(ctx context.Context, fn func(*store.SeriesFigures) error) (int64, error) {
	last, err := s.db.ScanFigures(ctx, func(f *store.SeriesFigures) error {
		s.noteSeries(f)
		return fn(f)
	})
	s.seen(last)
	return last, err
}

// noteSeries notes one series' figures as note does each observation.
func (s *trackingSource) noteSeries(f *store.SeriesFigures) {
	if f.Len() == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.changed[f.Indicator] = true
	if !s.exported[f.Area] {
		return
	}
	k := chiso.SeriesKey{Indicator: f.Indicator, Area: f.Area}
	cur, ok := s.latest[k]
	for i, key := range f.Periods {
		p, valid := chiso.PeriodFromKey(key)
		if !valid {
			continue
		}
		if !ok || cur.olderThan(p, f.IDs[i]) {
			cur, ok = latestValue{period: p, value: f.Values[i], id: f.IDs[i]}, true
		}
	}
	s.latest[k] = cur
}

func (s *trackingSource) note(o chiso.Observation) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.changed[o.Indicator] = true
	if !s.exported[o.Area] {
		return
	}
	k := o.Key()
	cur, ok := s.latest[k]
	if !ok || cur.olderThan(o.Period, o.ID) {
		s.latest[k] = latestValue{period: o.Period, value: o.Value, id: o.ID}
	}
}

// take returns and clears the indicators changed since the last call.
func (s *trackingSource) take() map[string]bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.changed
	s.changed = map[string]bool{}
	return c
}

func (s *trackingSource) last() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastID
}

// snapshot builds the sorted series values and targets for /metrics.
func (s *trackingSource) snapshot() *server.Snapshot {
	s.mu.Lock()
	snap := &server.Snapshot{Values: make([]server.SeriesValue, 0, len(s.latest))}
	for k, v := range s.latest {
		snap.Values = append(snap.Values, server.SeriesValue{Indicator: k.Indicator, Area: k.Area,
			Value: v.value, PeriodEnd: float64(v.period.End().Unix())})
	}
	s.mu.Unlock()
	// the registry sorts each family by label values in label-name order
	// (area, then indicator); a snapshot already in that order costs it a
	// linear pass instead of a sort
	sort.Slice(snap.Values, func(i, j int) bool {
		a, b := snap.Values[i], snap.Values[j]
		return a.Area < b.Area || (a.Area == b.Area && a.Indicator < b.Indicator)
	})
	snap.Targets = s.targets(snap.Values)
	return snap
}

// targets lists the targets that apply to each exported series, in the
// registry's order: area, deadline, indicator. As for the target check, a
// target applies to an area only if the area exists at its deadline (the
// old Phú Thọ, dissolved on 2025-07-01, owes nothing to a 2025 target).
func (s *trackingSource) targets(values []server.SeriesValue) []server.TargetValue {
	var out []server.TargetValue
	for _, v := range values {
		ts := s.cat.TargetsFor(v.Indicator, v.Area)
		area, known := s.cat.Area(v.Area)
		for _, t := range ts {
			if known && !area.HoldsAt(t.Period) {
				continue
			}
			out = append(out, server.TargetValue{Indicator: v.Indicator, Area: v.Area,
				Deadline: t.Period.String(), Op: string(t.Op), Value: t.Value})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Area != b.Area {
			return a.Area < b.Area
		}
		if a.Deadline != b.Deadline {
			return a.Deadline < b.Deadline
		}
		return a.Indicator < b.Indicator
	})
	return out
}

// syncLoop keeps the index current: every PollInterval (a backstop on a
// shared database, where imports are announced), or at once when nudged
// after an import here or a notification of one elsewhere, it reads what the store received, refreshes the
// metrics and evaluates the groups that read what changed. After a reload
// it evaluates every group. Being one goroutine, it never runs two of these
// evaluations at once.
func (d *Daemon) syncLoop(ctx context.Context) {
	t := time.NewTicker(PollInterval)
	defer t.Stop()
	for {
		trigger := "poll"
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-d.nudge:
			trigger = "import"
		case <-d.evalAll:
			d.evaluateAll(ctx, d.opts.Now(), "reload")
			d.evalAllRuns.Add(1)
		}
		d.sync(ctx, trigger)
		// under a stream of imports, let a few land before the next look:
		// one refresh and evaluation then covers them all
		select {
		case <-ctx.Done():
			return
		case <-time.After(MinSyncGap):
		}
	}
}

// MinSyncGap is the least time between two looks at the store for new
// observations: it bounds the refresh work under a stream of imports at the
// cost of that much latency.
const MinSyncGap = 20 * time.Millisecond

// PublishInterval is the shortest time between two rebuilds of the value
// snapshot and the store counts that /metrics shows: under a stream of
// imports, evaluation runs per import but the O(series) rebuild does not.
const PublishInterval = time.Second

// sync reads new observations, if any, evaluates what they affect, and
// refreshes the metrics at most once per PublishInterval.
func (d *Daemon) sync(ctx context.Context, trigger string) {
	if d.refresh(ctx, trigger) {
		d.dirty = true
	}
	if d.dirty && time.Since(d.published) >= PublishInterval {
		d.publishValues()
		d.updateStoreStats(ctx)
		d.dirty, d.published = false, time.Now()
	}
}

// refresh reads what the store received since the last look and evaluates
// the groups that read it; it reports whether there was anything.
func (d *Daemon) refresh(ctx context.Context, trigger string) bool {
	last, err := d.db.LastID(ctx)
	d.lag.look(last, d.src.last(), err, time.Now())
	if err != nil || last <= d.src.last() {
		if d.imports.hasPending() {
			d.countExternalImports(ctx)
		}
		return false
	}
	now := d.opts.Now()
	n, err := d.eng.Refresh(ctx, d.src)
	if err != nil {
		d.log.Error("refresh index", "err", err)
		return false
	}
	d.lag.look(last, d.src.last(), nil, time.Now())
	changed := d.src.take()
	d.countExternalImports(ctx)
	groups := d.groups.Load().reading(changed)
	d.log.Debug("new observations", "trigger", trigger, "count", n, "indicators", len(changed), "groups", len(groups))
	for _, g := range groups {
		d.evaluate(ctx, g, now, "ingest")
	}
	return n > 0
}

// Nudge makes the sync loop look for new observations at once.
func (d *Daemon) Nudge() {
	select {
	case d.nudge <- struct{}{}:
	default:
	}
}

func (d *Daemon) publishValues() { d.values.Swap(d.src.snapshot()) }

func (d *Daemon) updateStoreStats(ctx context.Context) {
	st, err := d.db.Stats(ctx)
	if err != nil {
		d.log.Warn("read store stats", "err", err)
		return
	}
	d.metrics.observations.Set(float64(st.Observations))
	d.metrics.revisions.Set(float64(st.Revisions))
}

var _ engine.FigureSource = (*trackingSource)(nil)
