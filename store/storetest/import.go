package storetest

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/internal/synth"
	"github.com/chiso-vn/chiso/store"
)

// day returns midnight UTC of a date, as publication dates are stored.
func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// testRevisions: a new cell is revision 1; a different figure for a stored
// cell is the next revision, the old one kept with its own source,
// publication date and ingestion time; figures without an Origin revise
// each other within one import; ids grow with every revision.
func testRevisions(t *testing.T, h Harness) {
	s, _ := open(t, h, 3, 2)
	ctx := context.Background()
	first := synth.Grid(3, 2, 4, 0)
	first[(1*3+2)*4].ReportedOn = day("2026-01-15")
	res, err := s.Import(ctx, store.ImportOptions{Source: "first.csv", Now: t0}, feed(first))
	if err != nil {
		t.Fatal(err)
	}
	if res.Counts != (store.Counts{Added: len(first)}) || res.ID == 0 {
		t.Fatalf("first import %+v, want %d added and an import id", res, len(first))
	}
	if res.FirstID <= 0 || res.LastID-res.FirstID+1 < int64(len(first)) {
		t.Errorf("first import ids %d–%d cannot hold %d revisions", res.FirstID, res.LastID, len(first))
	}
	ind, area := synth.IndicatorCode(1), synth.AreaCode(2)
	p1, p3 := synth.FirstPeriod, synth.FirstPeriod.Next().Next()
	second := []chiso.Observation{
		{Indicator: ind, Area: area, Period: p1, Value: 5, Qualifier: chiso.Estimate, ReportedOn: day("2026-02-10")},
		{Indicator: ind, Area: area, Period: p3, Value: 6, Source: "gso.gov.vn", Raw: "6,0", Method: "gso"},
		{Indicator: ind, Area: area, Period: p1, Value: 7},
		{Indicator: ind, Area: area, Period: p1, Value: 7}, // the row before again: unchanged
	}
	t1 := t0.Add(time.Hour)
	res2, err := s.Import(ctx, store.ImportOptions{Source: "second.csv", Now: t1}, feed(second))
	if err != nil {
		t.Fatal(err)
	}
	if res2.Counts != (store.Counts{Revised: 3, Unchanged: 1}) || res2.ByIndicator[ind] != res2.Counts {
		t.Fatalf("second import %+v, want 3 revised and 1 unchanged, all of %s", res2, ind)
	}
	if res2.ID <= res.ID || res2.FirstID <= res.LastID || res2.LastID < res2.FirstID+2 {
		t.Errorf("second import %+v does not follow the first %+v", res2, res)
	}
	hist, err := s.History(ctx, ind, area)
	if err != nil {
		t.Fatal(err)
	}
	orig := func(n int) chiso.Observation { return first[(1*3+2)*4+n] }
	want := []chiso.Observation{
		{Period: p1, Revision: 1, Value: orig(0).Value, Source: "grid.csv", ReportedOn: day("2026-01-15"), IngestedAt: t0},
		{Period: p1, Revision: 2, Value: 5, Qualifier: chiso.Estimate, Source: "second.csv", ReportedOn: day("2026-02-10"), IngestedAt: t1},
		{Period: p1, Revision: 3, Value: 7, Source: "second.csv", IngestedAt: t1},
		{Period: p1.Next(), Revision: 1, Value: orig(1).Value, Source: "grid.csv", IngestedAt: t0},
		{Period: p3, Revision: 1, Value: orig(2).Value, Source: "grid.csv", IngestedAt: t0},
		{Period: p3, Revision: 2, Value: 6, Source: "gso.gov.vn", Raw: "6,0", Method: "gso", IngestedAt: t1},
		{Period: p3.Next(), Revision: 1, Value: orig(3).Value, Source: "grid.csv", IngestedAt: t0},
	}
	if len(hist) != len(want) {
		t.Fatalf("history has %d revisions, want %d:\n%s", len(hist), len(want), currentText(hist))
	}
	for i, w := range want {
		g := hist[i]
		if g.Indicator != ind || g.Area != area || g.Period != w.Period || g.Revision != w.Revision || g.Value != w.Value ||
			g.Qualifier != w.Qualifier || g.Source != w.Source || g.Raw != w.Raw || g.Method != w.Method ||
			!g.ReportedOn.Equal(w.ReportedOn) || !g.IngestedAt.Equal(w.IngestedAt) {
			t.Errorf("history[%d] = %+v\nwant %+v", i, g, w)
		}
		if i > 0 && hist[i-1].Period == g.Period && hist[i-1].ID >= g.ID {
			t.Errorf("revision %d of %s has id %d, not above its predecessor's %d", g.Revision, g.Period, g.ID, hist[i-1].ID)
		}
		inFirst := g.ID >= res.FirstID && g.ID <= res.LastID
		if (g.Revision == 1) != inFirst {
			t.Errorf("history[%d] has id %d; the first import wrote %d–%d", i, g.ID, res.FirstID, res.LastID)
		}
	}
	cur, err := s.Current(ctx, store.Filter{Indicators: []string{ind}, Areas: []string{area}, From: p1, To: p1})
	if err != nil {
		t.Fatal(err)
	}
	if len(cur) != 1 || cur[0].Value != 7 || cur[0].Revision != 3 || cur[0].ID != hist[2].ID {
		t.Errorf("current of %s %s %s = %+v, want revision 3, value 7", ind, area, p1, cur)
	}
	st, err := s.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Observations != 24 || st.Revisions != 27 || st.Series != 6 || st.Indicators != 2 || st.Areas != 3 ||
		st.Imports != 2 || st.LastID != res2.LastID {
		t.Errorf("stats %+v, want 24 cells, 27 revisions, 6 series, 2 indicators, 3 areas, 2 imports, last id %d", st, res2.LastID)
	}
}

// testSameFigures: importing figures already stored writes no revision and
// no id, whatever their provenance (raw text, source, publication date),
// but the import is logged.
func testSameFigures(t *testing.T, h Harness) {
	s, _ := open(t, h, 2, 2)
	ctx := context.Background()
	mustImport(t, s, t0, synth.Grid(2, 2, 3, 0))
	before := figuresText(t, s)
	again := synth.Grid(2, 2, 3, 0)
	for i := range again {
		again[i].Raw, again[i].Source, again[i].ReportedOn = "khoảng", "other.csv", day("2026-02-01")
	}
	res := mustImport(t, s, t0.Add(time.Hour), again)
	if res.Counts != (store.Counts{Unchanged: len(again)}) || res.FirstID != 0 || res.LastID != 0 {
		t.Fatalf("re-import %+v, want %d unchanged and no ids", res, len(again))
	}
	if after := figuresText(t, s); after != before {
		t.Errorf("re-import changed the figures:\n%s", Diff(before, after))
	}
	recs, err := s.Imports(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || recs[0].ID != res.ID || recs[0].Unchanged != len(again) {
		t.Errorf("import log %+v, want the re-import first, with %d unchanged", recs, len(again))
	}
}

// figuresText is every revision as text, and the last id.
func figuresText(t *testing.T, s Store) string {
	t.Helper()
	var b strings.Builder
	last, err := s.Scan(context.Background(), 0, true, func(o chiso.Observation) error {
		b.WriteString(currentText([]chiso.Observation{o}))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	id, err := s.LastID(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if id != last {
		t.Errorf("LastID %d, but a scan of everything returned %d", id, last)
	}
	return b.String()
}

// testRevisionTriggers: value, qualifier and method make a revision;
// provenance alone does not.
func testRevisionTriggers(t *testing.T, h Harness) {
	tests := []struct {
		name   string
		change func(*chiso.Observation)
		want   store.Counts
	}{
		{"value", func(o *chiso.Observation) { o.Value++ }, store.Counts{Revised: 1}},
		{"qualifier", func(o *chiso.Observation) { o.Qualifier = chiso.Over }, store.Counts{Revised: 1}},
		{"method", func(o *chiso.Observation) { o.Method = "gso" }, store.Counts{Revised: 1}},
		{"raw text", func(o *chiso.Observation) { o.Raw = "trên 5" }, store.Counts{Unchanged: 1}},
		{"source", func(o *chiso.Observation) { o.Source = "elsewhere" }, store.Counts{Unchanged: 1}},
		{"publication date", func(o *chiso.Observation) { o.ReportedOn = day("2026-01-01") }, store.Counts{Unchanged: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := open(t, h, 1, 1)
			o := synth.Grid(1, 1, 1, 0)[0]
			mustImport(t, s, t0, []chiso.Observation{o})
			tt.change(&o)
			if res := mustImport(t, s, t0, []chiso.Observation{o}); res.Counts != tt.want {
				t.Errorf("counts %+v, want %+v", res.Counts, tt.want)
			}
		})
	}
}

// testAllOrNothing: an import that fails anywhere, after thousands of rows
// (past any batch an implementation buffers), stores nothing, its log
// entry included.
func testAllOrNothing(t *testing.T, h Harness) {
	badRows := errors.New("observations.csv: 2 bad rows")
	big := synth.Grid(10, 6, 100, 1) // 6,000 rows: 1,800 revisions, 4,200 new cells
	tests := []struct {
		name    string
		opts    store.ImportOptions
		read    func(emit func(chiso.Observation) error) error
		check   func(error) bool
		wantErr []string
	}{
		{"read fails after emitting", store.ImportOptions{Now: t0}, func(emit func(chiso.Observation) error) error {
			if err := feed(big)(emit); err != nil {
				return err
			}
			return badRows
		}, func(err error) bool { return errors.Is(err, badRows) }, nil},
		{"emit fails and read returns its error", store.ImportOptions{Now: t0}, func(emit func(chiso.Observation) error) error {
			obs := append([]chiso.Observation(nil), big...)
			for i := range obs {
				obs[i].Origin = int64(i + 1)
			}
			twice := obs[len(obs)-1]
			twice.Value, twice.Origin = -1, int64(len(obs)+1)
			return feed(append(obs, twice))(emit) // two figures for one cell of one file
		}, func(err error) bool { var rc *store.RepeatedCell; return errors.As(err, &rc) }, nil},
		{"unknown codes", store.ImportOptions{Now: t0}, feed(append(append([]chiso.Observation(nil), big...),
			chiso.Observation{Indicator: "nope", Area: synth.AreaCode(0), Period: synth.FirstPeriod},
			chiso.Observation{Indicator: "nope", Area: synth.AreaCode(1), Period: synth.FirstPeriod},
			chiso.Observation{Indicator: synth.IndicatorCode(0), Area: "XX", Period: synth.FirstPeriod},
		)), nil, []string{`"nope"`, `"XX"`}},
		{"invalid period", store.ImportOptions{Now: t0}, feed(append(append([]chiso.Observation(nil), big...),
			chiso.Observation{Indicator: synth.IndicatorCode(0), Area: synth.AreaCode(0)})), nil, []string{"period"}},
		{"values that are not finite", store.ImportOptions{Now: t0}, feed(append(append([]chiso.Observation(nil), big...),
			chiso.Observation{Indicator: synth.IndicatorCode(0), Area: synth.AreaCode(0), Period: synth.FirstPeriod, Value: math.Inf(1)},
			chiso.Observation{Indicator: synth.IndicatorCode(0), Area: synth.AreaCode(1), Period: synth.FirstPeriod, Value: math.NaN()},
		)), nil, []string{"+Inf", "NaN"}},
		{"no ingestion time", store.ImportOptions{}, feed(big), nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := open(t, h, 10, 6)
			mustImport(t, s, t0, synth.Grid(10, 6, 30, 0))
			before := state(t, s)
			tt.opts.Source = "bad.csv"
			_, err := s.Import(context.Background(), tt.opts, tt.read)
			if err == nil {
				t.Fatal("the import succeeded")
			}
			if tt.check != nil && !tt.check(err) {
				t.Errorf("error %v does not say why", err)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %s", err, w)
				}
			}
			sameState(t, s, before, "a failed import")
		})
	}
}

// testCancelled: a context that ends before Import returns stores nothing,
// whether the read notices (through emit or itself) or not, and the error
// wraps the context's.
func testCancelled(t *testing.T, h Harness) {
	tests := []struct {
		name string
		read func(cancel func()) func(emit func(chiso.Observation) error) error
	}{
		{"read goes on until emit fails", func(cancel func()) func(func(chiso.Observation) error) error {
			return func(emit func(chiso.Observation) error) error {
				for i, o := range synth.Grid(10, 6, 100, 1) {
					if i == 100 {
						cancel()
					}
					if err := emit(o); err != nil {
						return err
					}
				}
				return nil
			}
		}},
		{"read stops with the context's error", func(cancel func()) func(func(chiso.Observation) error) error {
			return func(emit func(chiso.Observation) error) error {
				if err := feed(synth.Grid(10, 6, 50, 1))(emit); err != nil {
					return err
				}
				cancel()
				return context.Canceled
			}
		}},
		{"read ends without noticing", func(cancel func()) func(func(chiso.Observation) error) error {
			return func(emit func(chiso.Observation) error) error {
				err := feed(synth.Grid(10, 6, 50, 1))(emit)
				cancel()
				return err
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := open(t, h, 10, 6)
			mustImport(t, s, t0, synth.Grid(10, 6, 30, 0))
			before := state(t, s)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			_, err := s.Import(ctx, store.ImportOptions{Source: "cancelled", Now: t0}, tt.read(cancel))
			if !errors.Is(err, context.Canceled) {
				t.Errorf("err = %v, want context.Canceled", err)
			}
			sameState(t, s, before, "a cancelled import")
		})
	}
}

// testDryRun: a dry run says what it would do and stores nothing.
func testDryRun(t *testing.T, h Harness) {
	s, _ := open(t, h, 2, 2)
	mustImport(t, s, t0, synth.Grid(2, 2, 2, 0))
	before := state(t, s)
	obs := synth.Grid(2, 2, 2, 1) // every stored cell revised
	third := synth.FirstPeriod.Next().Next()
	for _, o := range synth.Grid(2, 2, 3, 0) {
		if o.Period == third {
			obs = append(obs, o) // and a new cell per series
		}
	}
	res, err := s.Import(context.Background(), store.ImportOptions{Source: "dry", DryRun: true, Now: t0}, feed(obs))
	if err != nil {
		t.Fatal(err)
	}
	if res.ID != 0 || res.Counts != (store.Counts{Added: 4, Revised: 8}) {
		t.Errorf("dry run %+v, want id 0, 4 added and 8 revised", res)
	}
	sameState(t, s, before, "a dry run")
}

// testRepeatedCell: a file (figures with an Origin) that gives one cell two
// different figures gets a *store.RepeatedCell from emit naming the first;
// the second figure is not stored, and a reader that goes on stores the
// rest. The same figure twice is no error.
func testRepeatedCell(t *testing.T, h Harness) {
	s, _ := open(t, h, 2, 1)
	obs := synth.Grid(2, 1, 3, 0)
	for i := range obs {
		obs[i].Origin = int64(i + 1)
	}
	same, other := obs[0], obs[1]
	same.Origin = 100
	other.Value, other.Origin = -5, 101
	var repeats []*store.RepeatedCell
	res, err := s.Import(context.Background(), store.ImportOptions{Source: "f.csv", Now: t0}, func(emit func(chiso.Observation) error) error {
		for _, o := range append(obs, same, other) {
			err := emit(o)
			var rc *store.RepeatedCell
			switch {
			case errors.As(err, &rc):
				repeats = append(repeats, rc)
			case err != nil:
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(repeats) != 1 || repeats[0].Earlier != 2 || repeats[0].EarlierValue != obs[1].Value || repeats[0].Observation.Value != -5 {
		t.Fatalf("repeats %+v, want one naming origin 2", repeats)
	}
	if res.Added != len(obs) || res.Revised != 0 || res.Unchanged != 1 {
		t.Errorf("counts %+v, want %d added and 1 unchanged", res.Counts, len(obs))
	}
	cur, err := s.Current(context.Background(), store.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range cur {
		if o.Value == -5 || o.Revision != 1 {
			t.Errorf("stored %+v", o)
		}
	}
}
