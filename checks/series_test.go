package checks

import (
	"math/rand/v2"
	"slices"
	"sort"
	"testing"

	"github.com/chiso-vn/chiso"
)

// randomSeries returns a series of random periods of every kind between
// 2000 and 2000+years, with gaps, in chiso.Period.Compare order.
func randomSeries(rng *rand.Rand, years int) Series {
	var ps []chiso.Period
	for y := 2000; y < 2000+years; y++ {
		for _, k := range []chiso.PeriodKind{chiso.Year, chiso.Half, chiso.Quarter, chiso.Month} {
			n := 12 / k.Months()
			for i := 1; i <= n; i++ {
				if rng.IntN(3) > 0 {
					continue
				}
				p := chiso.Period{Kind: k, Year: y, N: i}
				if k == chiso.Year {
					p.N = 0
				}
				ps = append(ps, p)
			}
		}
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].Before(ps[j]) })
	c := SeriesColumns{Strings: []string{""}}
	for _, p := range ps {
		c.Keys = append(c.Keys, p.Key())
	}
	c.Values = make([]float64, len(ps))
	c.Qualifiers = make([]chiso.Qualifier, len(ps))
	c.Methods, c.Sources, c.IDs = make([]uint16, len(ps)), make([]uint32, len(ps)), make([]int64, len(ps))
	return NewSeries("x", "A", c)
}

// TestLikeBeforeMatchesScan: the bisecting likeBeforeFrom finds what a
// backward scan finds, for points of the series and for other periods,
// on series short enough to bisect and long enough to be scanned.
func TestLikeBeforeMatchesScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for trial := range 200 {
		s := randomSeries(rng, 1+trial%(2*maxLikeGap))
		for i := 0; i < s.Len(); i++ {
			p := s.Period(i)
			if got, want := s.likeBeforeFrom(i, p), s.likeBeforeScan(i, p); got != want {
				t.Fatalf("series of %d points, point %d (%v): likeBeforeFrom = %d, scan = %d", s.Len(), i, p, got, want)
			}
			q := chiso.Period{Kind: p.Kind, Year: p.Year + rng.IntN(3), N: p.N}
			if got, want := s.likeBefore(q), s.likeBeforeScan(s.Len(), q); got != want {
				t.Fatalf("series of %d points, %v: likeBefore = %d, scan = %d", s.Len(), q, got, want)
			}
		}
	}
}

// TestLikeWalk: the walk gives each point the index of the previous like
// period's point or -1, and says none exactly when the series starts after
// that year, on series with every kind, gaps, and regular stretches.
func TestLikeWalk(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for trial := range 300 {
		s := randomSeries(rng, 1+trial%12)
		if trial%3 == 0 { // monthly, with a gap now and then
			var keys []int32
			for p := chiso.MustParsePeriod("2020-01"); p.Year < 2020+1+trial%5; p = p.Next() {
				if rng.IntN(20) > 0 {
					keys = append(keys, p.Key())
				}
			}
			s = NewSeries("x", "A", SeriesColumns{Keys: keys})
		}
		if s.Len() == 0 {
			continue
		}
		w := s.likeWalk()
		for i := 0; i < s.Len(); i++ {
			prev := s.Period(i).PreviousLike()
			want := slices.Index(s.keys[:i], prev.Key())
			j, none := w.near(i)
			if j < 0 && !none {
				j = w.seek(i)
			}
			if j != want || none != (prev.Year < s.Period(0).Year) {
				t.Fatalf("series %v, point %d (%v): base %d, none %v; want %d", s.keys, i, s.Period(i), j, none, want)
			}
		}
	}
}

// TestFindMatchesSearch: Find finds each point and nothing else.
func TestFindMatchesSearch(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for range 50 {
		s := randomSeries(rng, 5)
		for y := 1999; y < 2006; y++ {
			for _, p := range []chiso.Period{{Kind: chiso.Year, Year: y}, {Kind: chiso.Half, Year: y, N: 2},
				{Kind: chiso.Quarter, Year: y, N: 3}, {Kind: chiso.Month, Year: y, N: 7}} {
				want := slices.Index(s.keys, p.Key())
				if got := s.Find(p); got != want {
					t.Fatalf("Find(%v) = %d, want %d in %v", p, got, want, s.keys)
				}
			}
		}
	}
}

// TestUnionPeriods: the union of series with different periods holds each
// period once, in order.
func TestUnionPeriods(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	var series []Series
	seen := map[chiso.Period]bool{}
	var want []chiso.Period
	for i := range 6 {
		s := randomSeries(rng, 3)
		if i%2 == 1 {
			s = series[i-1] // the same periods again
		}
		series = append(series, s)
		for j := 0; j < s.Len(); j++ {
			if p := s.Period(j); !seen[p] {
				seen[p] = true
				want = append(want, p)
			}
		}
	}
	sort.Slice(want, func(i, j int) bool { return want[i].Before(want[j]) })
	if got := unionPeriods(series); !slices.Equal(got, want) {
		t.Fatalf("unionPeriods = %v, want %v", got, want)
	}
}
