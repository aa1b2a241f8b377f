package engine

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/chiso-vn/chiso"
)

func TestIndexRevisions(t *testing.T) {
	tests := []struct {
		name string
		in   []chiso.Observation
		want float64
		id   int64
	}{
		{"higher revision replaces", []chiso.Observation{obs("a", "P1", "2024", 1, 1, 1), obs("a", "P1", "2024", 2, 2, 5)}, 2, 5},
		{"lower revision ignored", []chiso.Observation{obs("a", "P1", "2024", 2, 2, 5), obs("a", "P1", "2024", 1, 1, 1)}, 2, 5},
		{"same revision, higher id replaces", []chiso.Observation{obs("a", "P1", "2024", 1, 1, 1), obs("a", "P1", "2024", 3, 1, 9)}, 3, 9},
		{"same revision, lower id ignored", []chiso.Observation{obs("a", "P1", "2024", 3, 1, 9), obs("a", "P1", "2024", 1, 1, 1)}, 3, 9},
		{"unstored replace in order", []chiso.Observation{obs("a", "P1", "2024", 1, 0, 0), obs("a", "P1", "2024", 4, 0, 0)}, 4, 0},
		{"same stored revision again", []chiso.Observation{obs("a", "P1", "2024", 1, 1, 3), obs("a", "P1", "2024", 4, 1, 3)}, 1, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ix := newIndex()
			for i := range tt.in {
				ix.put(&tt.in[i])
			}
			ix.finish()
			s := ix.view("a", "P1")
			if s.Len() != 1 || s.Value(0) != tt.want || s.ID(0) != tt.id {
				t.Fatalf("series has %d points, first %v id %d; want 1 point %v id %d", s.Len(), s.Value(0), s.ID(0), tt.want, tt.id)
			}
			if ix.points != 1 {
				t.Errorf("points = %d, want 1", ix.points)
			}
		})
	}
}

func TestIndexSortsPeriods(t *testing.T) {
	ix := newIndex()
	in := []string{"2024", "2022", "2023-H1", "2023", "2021-08", "2024-Q1"}
	for i, p := range in {
		o := obs("a", "P1", p, float64(i), 1, int64(i+1))
		ix.put(&o)
	}
	ix.finish()
	s := ix.view("a", "P1")
	var got []chiso.Period
	for i := range s.Len() {
		got = append(got, s.Period(i))
		if want := float64(slices.Index(in, s.Period(i).String())); s.Value(i) != want {
			t.Errorf("value of %s = %v, want %v", s.Period(i), s.Value(i), want)
		}
	}
	if !slices.IsSortedFunc(got, chiso.Period.Compare) || len(got) != len(in) {
		t.Errorf("periods %v not in Compare order", got)
	}
}

func TestIndexInternsStrings(t *testing.T) {
	ix := newIndex()
	for i, area := range []string{"P1", "P2", "P1", "P2"} {
		o := obs("a", area, "2024", 1, 1, int64(i+1))
		o.Method = "gso"
		o.Period = chiso.MustParsePeriod([]string{"2023", "2023", "2024", "2024"}[i])
		ix.put(&o)
	}
	ix.finish()
	// "", "src-P1", "gso", "src-P2": each string once.
	if got := len(ix.strs.names); got != 4 {
		t.Errorf("string table %q has %d entries, want 4", ix.strs.names, got)
	}
	s := ix.view("a", "P2")
	if s.Len() != 2 || s.Source(1) != "src-P2" || s.Method(0) != "gso" {
		t.Errorf("P2: %d points, source %q, method %q", s.Len(), s.Source(1), s.Method(0))
	}
	if got := ix.areasWith("a"); !slices.Equal(got, []string{"P1", "P2"}) {
		t.Errorf("areasWith = %v", got)
	}
	if s := ix.view("zzz", "P1"); s.Len() != 0 {
		t.Errorf("unknown indicator has %d points", s.Len())
	}
}

func TestTargetsMatchCatalogue(t *testing.T) {
	cat := testCatalogue()
	// P1's own 2030 target is inherited by its successor N1
	p1 := chiso.Target{Indicator: "a", Area: "P1", Period: chiso.MustParsePeriod("2030"), Op: chiso.OpGE, Value: 25}
	cat.Targets = append(cat.Targets, p1)
	c := newCatalogue(cat)
	if got := c.targets("a", "N1"); !slices.Contains(got, p1) {
		t.Errorf("targets(a, N1) = %v, lacks P1's inherited %v", got, p1)
	}
	for _, ind := range []string{"a", "b"} {
		for _, ar := range cat.Areas {
			got, want := c.targets(ind, ar.Code), cat.TargetsFor(ind, ar.Code)
			if !slices.Equal(got, want) {
				t.Errorf("targets(%s, %s) = %v, want %v", ind, ar.Code, got, want)
			}
		}
	}
	if got := c.successors["P1"]; !slices.Equal(got, []string{"N1"}) {
		t.Errorf("successors of P1 = %v", got)
	}
}

func TestOrderAgreesWithCompare(t *testing.T) {
	var ps []chiso.Period
	for y := 2023; y <= 2024; y++ {
		ps = append(ps, chiso.Period{Kind: chiso.Year, Year: y})
		for n := 1; n <= 12; n++ {
			ps = append(ps, chiso.Period{Kind: chiso.Month, Year: y, N: n})
			if n <= 4 {
				ps = append(ps, chiso.Period{Kind: chiso.Quarter, Year: y, N: n})
			}
			if n <= 2 {
				ps = append(ps, chiso.Period{Kind: chiso.Half, Year: y, N: n})
			}
		}
	}
	for _, p := range ps {
		for _, q := range ps {
			got, want := order(p.Key())-order(q.Key()), int32(p.Compare(q))
			if (got < 0) != (want < 0) || (got == 0) != (want == 0) {
				t.Fatalf("order(%s) - order(%s) = %d, Compare = %d", p, q, got, want)
			}
		}
	}
}

// TestAppendSeries: the series of many areas at once are those a lookup
// of each gives, for sorted, unsorted, sparse and unknown areas.
func TestAppendSeries(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	all := make([]string, 60)
	for i := range all {
		all[i] = fmt.Sprintf("P%02d", i)
	}
	ix := newIndex()
	id := int64(0)
	for _, a := range all {
		if rng.IntN(3) > 0 {
			id++
			o := obs("a", a, "2024", float64(id), 1, id)
			ix.put(&o)
		}
	}
	ix.finish()
	for i := range ix.cols {
		if c := &ix.cols[i]; c.maxID != slices.Max(c.ids) {
			t.Fatalf("column %d: highest id %d, want %d", i, c.maxID, slices.Max(c.ids))
		}
	}
	for trial := range 500 {
		var areas []string
		for _, a := range append(all, "Q1", "A0") {
			if rng.IntN(1+trial%5) == 0 {
				areas = append(areas, a)
			}
		}
		slices.Sort(areas)
		if trial%7 == 6 {
			rng.Shuffle(len(areas), func(i, j int) { areas[i], areas[j] = areas[j], areas[i] })
		}
		ind := "a"
		if trial%11 == 10 {
			ind = "unknown"
		}
		got := ix.appendSeries(nil, ind, areas)
		if len(got) != len(areas) {
			t.Fatalf("trial %d: %d series for %d areas", trial, len(got), len(areas))
		}
		for i, a := range areas {
			want := ix.view(ind, a)
			if got[i].Area != a || got[i].Len() != want.Len() || (want.Len() > 0 && got[i].ID(0) != want.ID(0)) {
				t.Fatalf("trial %d: area %s: got %s with %d points, want %d", trial, a, got[i].Area, got[i].Len(), want.Len())
			}
		}
	}
}
