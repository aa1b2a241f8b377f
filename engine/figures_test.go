package engine

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/internal/synth"
	"github.com/chiso-vn/chiso/store"
)

// rowSource hides the store's ScanFigures: Load then reads row by row.
type rowSource struct{ db *store.DB }

func (s rowSource) Scan(ctx context.Context, after int64, all bool, fn func(chiso.Observation) error) (int64, error) {
	return s.db.Scan(ctx, after, all, fn)
}

// figureStore is a store with revisions, a superseded revision, several
// sources, methods and qualifiers, and series mixing period kinds.
func figureStore(t *testing.T) (*store.DB, *chiso.Catalogue) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "chiso.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	cat := synth.Catalogue(6, 4)
	if _, err := db.ImportCatalogue(ctx, cat); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	imp := func(source string, obs []chiso.Observation) {
		t.Helper()
		_, err := db.Import(ctx, store.ImportOptions{Source: source, Now: now}, func(emit func(chiso.Observation) error) error {
			for _, o := range obs {
				if err := emit(o); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		now = now.Add(time.Hour)
	}
	var first []chiso.Observation
	for i := range 4 {
		for a := range 6 {
			p := synth.FirstPeriod
			for m := range 14 {
				o := chiso.Observation{Indicator: synth.IndicatorCode(i), Area: synth.AreaCode(a), Period: p,
					Value: float64(i*100+a) + float64(m)/4}
				switch {
				case a == 1:
					o.Qualifier = chiso.Qualifier(m % 4)
				case a == 2 && m%3 == 0:
					o.Method, o.Source, o.Raw = "survey", "article.html", "khoảng 5"
				case a == 3:
					o.Source = "feed-" + string(rune('a'+m%3))
				}
				first = append(first, o)
				p = p.Next()
			}
		}
	}
	// Annual and quarterly figures in series that hold monthly ones.
	for _, per := range []string{"2021", "2022-Q2", "2020", "2022-H1"} {
		first = append(first, chiso.Observation{Indicator: synth.IndicatorCode(0), Area: synth.AreaCode(4),
			Period: chiso.MustParsePeriod(per), Value: 7, Method: "census"})
	}
	imp("first.csv", first)
	// Revisions: a new value, a new qualifier, a new method; one cell
	// revised twice (its revision 2 is superseded); the same figure again
	// changes nothing.
	p0 := synth.FirstPeriod
	revise := []chiso.Observation{
		{Indicator: synth.IndicatorCode(0), Area: synth.AreaCode(0), Period: p0, Value: -1},
		{Indicator: synth.IndicatorCode(1), Area: synth.AreaCode(0), Period: p0.Next(), Value: 100, Qualifier: chiso.Over},
		{Indicator: synth.IndicatorCode(2), Area: synth.AreaCode(5), Period: p0, Value: 205, Method: "model", Source: "fix.csv"},
		{Indicator: synth.IndicatorCode(3), Area: synth.AreaCode(2), Period: p0, Value: 1, Qualifier: chiso.Estimate},
		first[5],
	}
	imp("second.csv", revise)
	imp("third.csv", []chiso.Observation{
		{Indicator: synth.IndicatorCode(3), Area: synth.AreaCode(2), Period: p0, Value: 2, Qualifier: chiso.Preliminary, Method: "model"},
		{Indicator: synth.IndicatorCode(0), Area: synth.AreaCode(5), Period: chiso.MustParsePeriod("2019"), Value: 3},
	})
	return db, cat
}

// sameIndex fails the test unless both indexes hold the same series with
// the same points.
func sameIndex(t *testing.T, got, want *index) {
	t.Helper()
	if got.points != want.points || got.periodCount() != want.periodCount() || len(got.cols) != len(want.cols) {
		t.Fatalf("%d points, %d periods, %d series; want %d, %d, %d", got.points, got.periodCount(), len(got.cols),
			want.points, want.periodCount(), len(want.cols))
	}
	for k := range want.periods {
		if !got.periods[k] {
			t.Errorf("period %d missing", k)
		}
	}
	for _, ind := range want.indicators.names {
		if g, w := got.areasWith(ind), want.areasWith(ind); len(g) != len(w) {
			t.Fatalf("%s: areas %v, want %v", ind, g, w)
		}
		for _, area := range want.areasWith(ind) {
			g, w := got.view(ind, area), want.view(ind, area)
			if g.Len() != w.Len() {
				t.Fatalf("%s %s: %d points, want %d", ind, area, g.Len(), w.Len())
			}
			gc, wc := &got.cols[got.seriesOf(ind)[area]], &want.cols[want.seriesOf(ind)[area]]
			if gc.maxID != slices.Max(gc.ids) || wc.maxID != slices.Max(wc.ids) {
				t.Errorf("%s %s: highest id %d and %d, want %d", ind, area, gc.maxID, wc.maxID, slices.Max(wc.ids))
			}
			for i := range w.Len() {
				if g.Period(i) != w.Period(i) || g.Value(i) != w.Value(i) || g.Qualifier(i) != w.Qualifier(i) ||
					g.Method(i) != w.Method(i) || g.Source(i) != w.Source(i) || g.ID(i) != w.ID(i) || gc.revs[i] != wc.revs[i] {
					t.Errorf("%s %s point %d: %s %v q%d %q %q id %d rev %d; want %s %v q%d %q %q id %d rev %d", ind, area, i,
						g.Period(i), g.Value(i), g.Qualifier(i), g.Method(i), g.Source(i), g.ID(i), gc.revs[i],
						w.Period(i), w.Value(i), w.Qualifier(i), w.Method(i), w.Source(i), w.ID(i), wc.revs[i])
				}
			}
		}
	}
}

func TestLoadFromFiguresMatchesTheRowScan(t *testing.T) {
	ctx := context.Background()
	db, cat := figureStore(t)
	fast, err := New(cat, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := New(cat, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := fast.Load(ctx, db); err != nil {
		t.Fatal(err)
	}
	if err := rows.Load(ctx, rowSource{db}); err != nil {
		t.Fatal(err)
	}
	if fast.lastID != rows.lastID || fast.lastID == 0 {
		t.Errorf("last id %d, want %d", fast.lastID, rows.lastID)
	}
	sameIndex(t, fast.ix, rows.ix)
	cur, err := db.Current(ctx, store.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(cur) != fast.ix.points {
		t.Errorf("the store has %d current figures, the index %d", len(cur), fast.ix.points)
	}
	for _, o := range cur {
		s := fast.ix.view(o.Indicator, o.Area)
		i := s.Find(o.Period)
		if i < 0 || s.Value(i) != o.Value || s.ID(i) != o.ID || s.Method(i) != o.Method || s.Source(i) != o.Source || s.Qualifier(i) != o.Qualifier {
			t.Errorf("%s %s %s: index has point %d, store %+v", o.Indicator, o.Area, o.Period, i, o)
		}
	}
	// A refresh after a fast load reads what came since, row by row.
	_, err = db.Import(ctx, store.ImportOptions{Source: "fourth.csv", Now: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)},
		func(emit func(chiso.Observation) error) error {
			return emit(chiso.Observation{Indicator: synth.IndicatorCode(1), Area: synth.AreaCode(3), Period: synth.FirstPeriod,
				Value: 42, Method: "census", Source: "late.csv"})
		})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := fast.Refresh(ctx, db); err != nil || n != 1 {
		t.Fatalf("refresh read %d, %v; want 1", n, err)
	}
	again, err := New(cat, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := again.Load(ctx, rowSource{db}); err != nil {
		t.Fatal(err)
	}
	sameIndex(t, fast.ix, again.ix)
}

// BenchmarkLoadPaths loads the 1M benchmark store (see BenchmarkEngine)
// from its figures and, as a source without ScanFigures does (the
// daemon's), row by row:
//
//	go test -run '^$' -bench LoadPaths -benchtime 3x ./engine
func BenchmarkLoadPaths(b *testing.B) {
	for _, path := range []string{"figures", "rows"} {
		b.Run(path, func(b *testing.B) {
			f := benchFixture(b, benchSizes[1])
			ctx := context.Background()
			cpu := cpuTime()
			for b.Loop() {
				db, err := store.Open(ctx, f.path("chiso.db"))
				if err != nil {
					b.Fatal(err)
				}
				e, err := New(f.cat, nil, Options{})
				if err != nil {
					b.Fatal(err)
				}
				var src Source = db
				if path == "rows" {
					src = rowSource{db}
				}
				if err := e.Load(ctx, src); err != nil {
					b.Fatal(err)
				}
				db.Close()
			}
			b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N)/1e6, "cpu-ms")
		})
	}
}
