package chiso

import (
	"cmp"
	"testing"
)

func TestPeriodKey(t *testing.T) {
	tests := []struct {
		p           string
		key         PeriodKey
		year, n     int
		kind        PeriodKind
		previous    PeriodKey
		like, kind2 string // a like period, and a period of the same kind that is not like (none for a year)
	}{
		{"2024", 2024100, 2024, 0, Year, 2023100, "2019", ""},
		{"2024-H1", 2024201, 2024, 1, Half, 2023201, "2025-H1", "2024-H2"},
		{"2024-Q3", 2024303, 2024, 3, Quarter, 2023303, "2020-Q3", "2024-Q4"},
		{"2024-08", 2024408, 2024, 8, Month, 2023408, "2023-08", "2024-09"},
		{"2025-12", 2025412, 2025, 12, Month, 2024412, "2026-12", "2025-11"},
	}
	for _, tt := range tests {
		p := MustParsePeriod(tt.p)
		k := PeriodKey(p.Key())
		if k != tt.key || k.Year() != tt.year || k.Kind() != tt.kind || k.N() != tt.n {
			t.Errorf("%s: key %d (year %d, kind %s, n %d), want %d (%d, %s, %d)",
				tt.p, k, k.Year(), k.Kind(), k.N(), tt.key, tt.year, tt.kind, tt.n)
		}
		if k.Period() != p {
			t.Errorf("%s: key %d gives %v", tt.p, k, k.Period())
		}
		if got, want := k.PreviousLike(), PeriodKey(p.PreviousLike().Key()); got != tt.previous || got != want {
			t.Errorf("%s: previous like key %d, want %d", tt.p, got, tt.previous)
		}
		if like := PeriodKey(MustParsePeriod(tt.like).Key()); !k.IsLike(like) || !like.IsLike(k) {
			t.Errorf("%s: not like %s", tt.p, tt.like)
		}
		if tt.kind2 == "" {
			continue // every year is like every other
		}
		if other := PeriodKey(MustParsePeriod(tt.kind2).Key()); k.IsLike(other) || other.Kind() != k.Kind() {
			t.Errorf("%s and %s: like %v, kinds %s and %s", tt.p, tt.kind2, k.IsLike(other), k.Kind(), other.Kind())
		}
	}
}

func TestPeriodKeyOrder(t *testing.T) {
	var ps []Period
	for _, s := range []string{"2023", "2023-H2", "2023-Q4", "2023-12", "2024-01", "2024-Q1", "2024-03",
		"2024-H1", "2024-06", "2024-Q2", "2024-07", "2024", "2024-H2", "2025-02"} {
		ps = append(ps, MustParsePeriod(s))
	}
	for _, p := range ps {
		for _, q := range ps {
			po, qo := PeriodKey(p.Key()).Order(), PeriodKey(q.Key()).Order()
			if got, want := cmp.Compare(po, qo), p.Compare(q); got != want {
				t.Errorf("%s, %s: orders %d, %d compare %d; Compare says %d", p, q, po, qo, got, want)
			}
		}
	}
}
