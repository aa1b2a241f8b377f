package storetest

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/internal/synth"
	"github.com/chiso-vn/chiso/store"
)

// view is what each kind of read returned, hashed: every read is one
// snapshot, so each must match the state before an import or after it.
type view map[string][sha256.Size]byte

// readView reads the store every way the engine, the daemon and the server
// read it. It returns errors rather than failing, to run in goroutines.
func readView(s Store) (view, error) {
	ctx := context.Background()
	v := view{}
	text := func(kind string, fill func(add func(string)) error) error {
		h := sha256.New()
		if err := fill(func(line string) { fmt.Fprintln(h, line) }); err != nil {
			return fmt.Errorf("%s: %w", kind, err)
		}
		v[kind] = [sha256.Size]byte(h.Sum(nil))
		return nil
	}
	obsLines := func(add func(string)) func(chiso.Observation) error {
		return func(o chiso.Observation) error { add(currentText([]chiso.Observation{o})); return nil }
	}
	kinds := []struct {
		kind string
		fill func(add func(string)) error
	}{
		{"scan", func(add func(string)) error {
			last, err := s.Scan(ctx, 0, false, obsLines(add))
			add(fmt.Sprint(last))
			return err
		}},
		{"scan every revision", func(add func(string)) error {
			_, err := s.Scan(ctx, 0, true, obsLines(add))
			return err
		}},
		{"figures", func(add func(string)) error {
			last, err := s.ScanFigures(ctx, func(f *store.SeriesFigures) error {
				add(fmt.Sprint(f.Indicator, f.Area, f.Periods, f.IDs, f.Values, f.Revisions))
				return nil
			})
			add(fmt.Sprint(last))
			return err
		}},
		{"current", func(add func(string)) error {
			obs, err := s.Current(ctx, store.Filter{})
			add(currentText(obs))
			return err
		}},
		{"page", func(add func(string)) error {
			obs, last, more, err := s.CurrentPage(ctx, store.Filter{Areas: []string{synth.AreaCode(3)}}, store.Position{}, 1000)
			add(fmt.Sprint(currentText(obs), last, more))
			return err
		}},
		{"history", func(add func(string)) error {
			obs, err := s.History(ctx, synth.IndicatorCode(2), synth.AreaCode(5))
			add(currentText(obs))
			return err
		}},
		{"stats", func(add func(string)) error {
			st, err := s.Stats(ctx)
			add(fmt.Sprintf("%+v", st))
			return err
		}},
		{"import log", func(add func(string)) error {
			recs, err := s.Imports(ctx, 0)
			add(fmt.Sprintf("%+v", recs))
			return err
		}},
	}
	for _, k := range kinds {
		if err := text(k.kind, k.fill); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// testConcurrentReaders: while an import is in the middle of its
// transaction, with thousands of its rows written, every read sees the
// state before it; readers racing with its commit see the state before or
// the state after, never a part; after Import returns, every read sees it.
// The import is paused by its own read function, so no timing is involved.
func testConcurrentReaders(t *testing.T, h Harness) {
	s, _ := open(t, h, 20, 10)
	mustImport(t, s, t0, synth.Grid(20, 10, 2, 0))
	old, err := readView(s)
	if err != nil {
		t.Fatal(err)
	}
	big := synth.Grid(20, 10, 20, 1) // 4,000 rows: 400 revisions, 3,600 new cells
	paused, resume := make(chan struct{}), make(chan struct{})
	var committed atomic.Bool
	var wg sync.WaitGroup
	seen := make([][]view, 2)
	errs := make(chan error, len(seen))
	for r := range seen {
		wg.Go(func() {
			for !committed.Load() || len(seen[r]) == 0 {
				v, err := readView(s)
				if err != nil {
					errs <- fmt.Errorf("reader %d: %w", r, err)
					return
				}
				seen[r] = append(seen[r], v)
			}
		})
	}
	var res store.ImportResult
	done := make(chan error, 1)
	go func() {
		var err error
		res, err = s.Import(context.Background(), store.ImportOptions{Source: "big", Now: t0}, func(emit func(chiso.Observation) error) error {
			if err := feed(big[:3000])(emit); err != nil {
				return err
			}
			close(paused)
			<-resume
			return feed(big[3000:])(emit)
		})
		done <- err
	}()
	<-paused
	during, err := readView(s)
	if err != nil {
		t.Error(err)
	}
	close(resume)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	committed.Store(true)
	if res.Revised != 400 || res.Added != 3600 {
		t.Errorf("import %+v, want 400 revised and 3,600 added", res.Counts)
	}
	after, err := readView(s)
	if err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for kind := range old {
		if during[kind] != old[kind] {
			t.Errorf("%s read during the import differs from before it", kind)
		}
		if after[kind] == old[kind] {
			t.Errorf("%s read after the import is the same as before it", kind)
		}
		for r, views := range seen {
			for i, v := range views {
				if v[kind] != old[kind] && v[kind] != after[kind] {
					t.Errorf("reader %d, read %d: %s is neither the state before the import nor after it", r, i, kind)
				}
			}
		}
	}
}

// testConcurrentImports: imports from several goroutines at once all
// succeed, one after the other: every cell ends with one revision per
// import, with distinct ids.
func testConcurrentImports(t *testing.T, h Harness) {
	s, _ := open(t, h, 10, 4)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for w := range 4 {
		wg.Go(func() {
			obs := synth.Grid(10, 4, 5, float64(w))
			if _, err := s.Import(context.Background(), store.ImportOptions{Source: fmt.Sprint("w", w), Now: t0}, feed(obs)); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	st, err := s.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.Observations != 200 || st.Revisions != 800 || st.Imports != 4 {
		t.Errorf("stats %+v, want 200 cells with 4 revisions each from 4 imports", st)
	}
	ids := map[int64]bool{}
	if _, err := s.Scan(context.Background(), 0, true, func(o chiso.Observation) error {
		if ids[o.ID] {
			return fmt.Errorf("id %d twice", o.ID)
		}
		ids[o.ID] = true
		return nil
	}); err != nil {
		t.Error(err)
	}
}

// testReopen: what an import committed is there after the store is closed
// and opened again; Close may be called twice.
func testReopen(t *testing.T, h Harness) {
	s, addr := open(t, h, 3, 2)
	mustImport(t, s, t0, synth.Grid(3, 2, 4, 0))
	mustImport(t, s, t0, synth.Grid(3, 2, 5, 1))
	want := state(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	sameState(t, reopen(t, h, addr), want, "closing and opening again")
}

// errAbandoned ends the import a crash interrupted.
var errAbandoned = errors.New("abandoned: the process was killed")

// testCrash: a crash in the middle of an import, with thousands of its
// rows written, leaves the state before it; the store then takes imports,
// with ids above those it held.
func testCrash(t *testing.T, h Harness) {
	if h.Crash == nil {
		t.Skip("the harness cannot crash its store")
	}
	s, addr := open(t, h, 100, 10)
	mustImport(t, s, t0, synth.Grid(100, 10, 3, 0))
	before := state(t, s)
	lastID, err := s.LastID(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	mid, resume := make(chan struct{}), make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.Import(context.Background(), store.ImportOptions{Source: "doomed", Now: t0}, func(emit func(chiso.Observation) error) error {
			err := feed(synth.Grid(100, 10, 10, 7))(emit) // 10,000 rows: 3,000 revisions, 7,000 new cells
			close(mid)
			<-resume
			return errors.Join(err, errAbandoned)
		})
	}()
	<-mid
	crashed := h.Crash(t, addr)
	close(resume)
	<-done
	sameState(t, s, before, "the interrupted import")
	c := reopen(t, h, crashed)
	sameState(t, c, before, "a crash in the middle of an import")
	res := mustImport(t, c, t0, synth.Grid(100, 10, 4, 1))
	if res.Revised != 3000 || res.Added != 1000 || res.FirstID <= lastID {
		t.Errorf("import after the crash: %+v, want 3,000 revised, 1,000 added, ids above %d", res, lastID)
	}
}
