package storetest

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/internal/synth"
	"github.com/chiso-vn/chiso/store"
)

// revisedStore holds a 3×2 grid of 5 months, of which the odd cells were
// revised by a second import.
func revisedStore(t *testing.T, h Harness) (Store, []store.ImportResult) {
	t.Helper()
	s, _ := open(t, h, 3, 2)
	first := mustImport(t, s, t0, synth.Grid(3, 2, 5, 0))
	var odd []chiso.Observation
	for i, o := range synth.Grid(3, 2, 5, 0.5) {
		if i%2 == 1 {
			odd = append(odd, o)
		}
	}
	second := mustImport(t, s, t0.Add(time.Hour), odd)
	return s, []store.ImportResult{first, second}
}

// testCurrentFilters: Current returns the current revision of the cells a
// filter selects, ordered by indicator, area and period; an empty filter
// selects everything and a zero period leaves its side open.
func testCurrentFilters(t *testing.T, h Harness) {
	s, _ := revisedStore(t, h)
	m := func(n int) chiso.Period { return chiso.Period{Kind: chiso.Month, Year: 2020, N: n} }
	tests := []struct {
		name string
		f    store.Filter
		want int
	}{
		{"everything", store.Filter{}, 30},
		{"one indicator", store.Filter{Indicators: []string{synth.IndicatorCode(1)}}, 15},
		{"two areas", store.Filter{Areas: []string{synth.AreaCode(0), synth.AreaCode(2)}}, 20},
		{"unknown area", store.Filter{Areas: []string{"nowhere"}}, 0},
		{"from March", store.Filter{From: m(3)}, 18},
		{"up to February", store.Filter{To: m(2)}, 12},
		{"one cell", store.Filter{Indicators: []string{synth.IndicatorCode(0)}, Areas: []string{synth.AreaCode(1)}, From: m(2), To: m(2)}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Current(context.Background(), tt.f)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tt.want {
				t.Fatalf("%d observations, want %d", len(got), tt.want)
			}
			for i, o := range got {
				if i > 0 {
					a := got[i-1]
					if a.Indicator > o.Indicator || a.Indicator == o.Indicator && (a.Area > o.Area || a.Area == o.Area && !a.Period.Before(o.Period)) {
						t.Errorf("out of order: %v %v %v before %v %v %v", a.Indicator, a.Area, a.Period, o.Indicator, o.Area, o.Period)
					}
				}
				if want := wantRevision(o); o.Revision != want {
					t.Errorf("%s %s %s is revision %d, want %d", o.Indicator, o.Area, o.Period, o.Revision, want)
				}
			}
		})
	}
}

// wantRevision is the current revision of a cell of revisedStore: 2 for
// the cells the second import revised, whose values end in .5 to .9.
func wantRevision(o chiso.Observation) int {
	if o.Value-math.Floor(o.Value) > 0.45 {
		return 2
	}
	return 1
}

// testPages: pages of any size, followed from position to position, give
// each current observation of the filter exactly once, the same figures as
// Current.
func testPages(t *testing.T, h Harness) {
	s, _ := revisedStore(t, h)
	ctx := context.Background()
	for _, f := range []store.Filter{{}, {Areas: []string{synth.AreaCode(1)}}, {From: chiso.Period{Kind: chiso.Month, Year: 2020, N: 4}}} {
		cur, err := s.Current(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		want := sortedText(cur)
		for _, size := range []int{1, 4, 7, len(cur), len(cur) + 1} {
			var got []chiso.Observation
			var after store.Position
			for pages := 0; ; pages++ {
				if pages > len(cur)+1 {
					t.Fatalf("filter %+v, pages of %d: more pages than observations", f, size)
				}
				obs, last, more, err := s.CurrentPage(ctx, f, after, size)
				if err != nil {
					t.Fatal(err)
				}
				if len(obs) > size || more && len(obs) < size {
					t.Fatalf("filter %+v: a page of %d holds %d, more %v", f, size, len(obs), more)
				}
				got = append(got, obs...)
				if !more {
					break
				}
				after = last
			}
			if g := sortedText(got); g != want {
				t.Errorf("filter %+v, pages of %d:\n%s", f, size, Diff(want, g))
			}
		}
	}
	if _, _, _, err := s.CurrentPage(ctx, store.Filter{}, store.Position{}, 0); err == nil {
		t.Error("a page of 0 observations was accepted")
	}
}

// sortedText is observations as text in Current's order.
func sortedText(obs []chiso.Observation) string {
	lines := strings.Split(strings.TrimSuffix(currentText(obs), "\n"), "\n")
	return strings.Join(sortStrings(lines), "\n")
}

func sortStrings(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

// testScanAfter: Scan streams in id order; after an id it streams only the
// newer revisions; without allRevisions it leaves out replaced ones; it
// returns the last id, which a scan from there finds nothing after.
func testScanAfter(t *testing.T, h Harness) {
	s, res := revisedStore(t, h)
	ctx := context.Background()
	scan := func(after int64, all bool) ([]chiso.Observation, int64) {
		var out []chiso.Observation
		last, err := s.Scan(ctx, after, all, func(o chiso.Observation) error {
			if n := len(out); n > 0 && out[n-1].ID >= o.ID {
				t.Fatalf("scan after %d: id %d after %d", after, o.ID, out[n-1].ID)
			}
			out = append(out, o)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return out, last
	}
	cur, last := scan(0, false)
	all, lastAll := scan(0, true)
	if len(cur) != 30 || len(all) != 45 || last != res[1].LastID || lastAll != last {
		t.Fatalf("scans from 0: %d current and %d in all, last ids %d and %d; want 30, 45 and %d", len(cur), len(all), last, lastAll, res[1].LastID)
	}
	current, err := s.Current(ctx, store.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if g, w := sortedText(cur), sortedText(current); g != w {
		t.Errorf("Scan and Current differ:\n%s", Diff(w, g))
	}
	newer, l := scan(res[0].LastID, false)
	if len(newer) != 15 || l != last || newer[0].ID != res[1].FirstID {
		t.Errorf("scan after the first import: %d observations from id %d, last %d; want 15 from %d, last %d",
			len(newer), newer[0].ID, l, res[1].FirstID, last)
	}
	if none, l := scan(last, true); len(none) != 0 || l != last {
		t.Errorf("scan after the last id: %d observations, last %d", len(none), l)
	}
	if _, l := scan(last+100, false); l != last+100 {
		t.Errorf("scan after %d returned %d: not at least afterID", last+100, l)
	}
	stop := fmt.Errorf("stop")
	n := 0
	if _, err := s.Scan(ctx, 0, false, func(chiso.Observation) error { n++; return stop }); err == nil || n != 1 {
		t.Errorf("an error from fn: scan returned %v after %d calls", err, n)
	}
}

// testFiguresMatchScan: ScanFigures hands over, series by series, the
// figures a scan of the current revisions streams, and the same last id.
func testFiguresMatchScan(t *testing.T, h Harness) {
	s, _ := revisedStore(t, h)
	ctx := context.Background()
	// a method and a source other than the import's, to see the name tables
	mustImport(t, s, t0.Add(2*time.Hour), []chiso.Observation{{Indicator: synth.IndicatorCode(0), Area: synth.AreaCode(0),
		Period: synth.FirstPeriod, Value: 99, Qualifier: chiso.Over, Method: "gso", Source: "gso.gov.vn"}})
	var want []string
	last, err := s.Scan(ctx, 0, false, func(o chiso.Observation) error {
		want = append(want, fmt.Sprintf("%s %s %s %v %s r%d #%d %s %s", o.Indicator, o.Area, o.Period, o.Value, o.Qualifier, o.Revision, o.ID, o.Source, o.Method))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	series := 0
	lastF, err := s.ScanFigures(ctx, func(f *store.SeriesFigures) error {
		series++
		for i := range f.Len() {
			p, ok := chiso.PeriodFromKey(f.Periods[i])
			if !ok || (i > 0 && f.Periods[i-1] >= f.Periods[i]) {
				t.Errorf("%s %s: period keys out of order or invalid at %d", f.Indicator, f.Area, i)
			}
			got = append(got, fmt.Sprintf("%s %s %s %v %s r%d #%d %s %s", f.Indicator, f.Area, p, f.Values[i], f.Qualifiers[i],
				f.Revisions[i], f.IDs[i], f.SourceNames[f.Sources[i]], f.MethodNames[f.Methods[i]]))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if series != 6 || lastF != last {
		t.Errorf("ScanFigures: %d series, last id %d; want 6 and %d", series, lastF, last)
	}
	if g, w := strings.Join(sortStrings(got), "\n"), strings.Join(sortStrings(want), "\n"); g != w {
		t.Errorf("ScanFigures and Scan differ:\n%s", Diff(w, g))
	}
}

// testImportLog: every committed import is logged, newest first, with its
// source, counts, ids and ingestion time; a limit keeps the newest.
func testImportLog(t *testing.T, h Harness) {
	s, res := revisedStore(t, h)
	ctx := context.Background()
	recs, err := s.Imports(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 {
		t.Fatalf("%d imports logged, want 2", len(recs))
	}
	for i, want := range []store.ImportResult{res[1], res[0]} {
		r := recs[i]
		if r.ID != want.ID || r.Source != "test" || r.Counts != want.Counts || r.FirstID != want.FirstID ||
			r.LastID != want.LastID || !r.StartedAt.Equal(t0.Add(time.Duration(1-i)*time.Hour)) || r.FinishedAt.IsZero() {
			t.Errorf("import log[%d] = %+v, want %+v", i, r, want)
		}
	}
	one, err := s.Imports(ctx, 1)
	if err != nil || len(one) != 1 || one[0].ID != res[1].ID {
		t.Errorf("Imports(1) = %+v, %v; want the newest", one, err)
	}
	if h, err := s.History(ctx, "nope", "nowhere"); err != nil || len(h) != 0 {
		t.Errorf("History of an unknown series = %v, %v; want nothing", h, err)
	}
}
