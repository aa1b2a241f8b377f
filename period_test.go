package chiso

import (
	"testing"
	"time"
)

func TestParsePeriod(t *testing.T) {
	good := map[string]Period{
		"2024":    {Kind: Year, Year: 2024},
		"2024-H1": {Kind: Half, Year: 2024, N: 1},
		"2024-h2": {Kind: Half, Year: 2024, N: 2},
		"2024-Q3": {Kind: Quarter, Year: 2024, N: 3},
		"2024-08": {Kind: Month, Year: 2024, N: 8},
		"2024-12": {Kind: Month, Year: 2024, N: 12},
	}
	for s, want := range good {
		got, err := ParsePeriod(s)
		if err != nil || got != want {
			t.Errorf("ParsePeriod(%q) = %v, %v; want %v", s, got, err, want)
		}
		if !got.Valid() {
			t.Errorf("%q: not valid", s)
		}
	}
	for _, s := range []string{"", "24", "2024-13", "2024-00", "2024-H3", "2024-H0", "2024-Q5", "2024-8", "2024-", "2024-H", "abcd", "0999", "2024-Q1x", "2024H1", "２０２４"} {
		if p, err := ParsePeriod(s); err == nil {
			t.Errorf("ParsePeriod(%q) = %v, want an error", s, p)
		} else if want := `"` + s + `"`; !contains(err.Error(), want) {
			t.Errorf("ParsePeriod(%q) error %q does not quote the text", s, err)
		}
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

func TestPeriodArithmetic(t *testing.T) {
	tests := []struct {
		p              string
		prevLike, prev string
		next           string
		months         int
		start, end     string
	}{
		{"2024", "2023", "2023", "2025", 12, "2024-01-01", "2025-01-01"},
		{"2024-H1", "2023-H1", "2023-H2", "2024-H2", 6, "2024-01-01", "2024-07-01"},
		{"2024-H2", "2023-H2", "2024-H1", "2025-H1", 6, "2024-07-01", "2025-01-01"},
		{"2024-Q1", "2023-Q1", "2023-Q4", "2024-Q2", 3, "2024-01-01", "2024-04-01"},
		{"2024-Q3", "2023-Q3", "2024-Q2", "2024-Q4", 3, "2024-07-01", "2024-10-01"},
		{"2024-01", "2023-01", "2023-12", "2024-02", 1, "2024-01-01", "2024-02-01"},
		{"2024-12", "2023-12", "2024-11", "2025-01", 1, "2024-12-01", "2025-01-01"},
	}
	for _, tt := range tests {
		p := MustParsePeriod(tt.p)
		if got := p.PreviousLike().String(); got != tt.prevLike {
			t.Errorf("%s.PreviousLike() = %s, want %s", tt.p, got, tt.prevLike)
		}
		if got := p.Prev().String(); got != tt.prev {
			t.Errorf("%s.Prev() = %s, want %s", tt.p, got, tt.prev)
		}
		if got := p.Next().String(); got != tt.next {
			t.Errorf("%s.Next() = %s, want %s", tt.p, got, tt.next)
		}
		if p.Months() != tt.months {
			t.Errorf("%s.Months() = %d, want %d", tt.p, p.Months(), tt.months)
		}
		if got := p.Start().Format(time.DateOnly); got != tt.start {
			t.Errorf("%s.Start() = %s, want %s", tt.p, got, tt.start)
		}
		if got := p.End().Format(time.DateOnly); got != tt.end {
			t.Errorf("%s.End() = %s, want %s", tt.p, got, tt.end)
		}
		if back, ok := PeriodFromKey(p.Key()); !ok || back != p {
			t.Errorf("%s: key %d round-trips to %v, %v", tt.p, p.Key(), back, ok)
		}
	}
}

func TestPeriodOrder(t *testing.T) {
	// Sorted by end, then by start: a year before the parts that end with it.
	order := []string{"2023", "2024-Q1", "2024-H1", "2024-Q2", "2024-08", "2024", "2024-H2", "2024-Q4", "2024-12", "2025-01"}
	for i := 0; i+1 < len(order); i++ {
		a, b := MustParsePeriod(order[i]), MustParsePeriod(order[i+1])
		if a.Compare(b) >= 0 || b.Compare(a) <= 0 {
			t.Errorf("want %s before %s", a, b)
		}
	}
	if MustParsePeriod("2024-H1").Compare(MustParsePeriod("2024-h1")) != 0 {
		t.Error("equal periods do not compare equal")
	}
}

func TestPeriodOfAndContains(t *testing.T) {
	at := time.Date(2026, 11, 23, 7, 0, 0, 0, time.FixedZone("ICT", 7*3600))
	for kind, want := range map[PeriodKind]string{Year: "2026", Half: "2026-H2", Quarter: "2026-Q4", Month: "2026-11"} {
		p := PeriodOf(kind, at)
		if p.String() != want || !p.Contains(at) {
			t.Errorf("PeriodOf(%s) = %s (contains %v), want %s", kind, p, p.Contains(at), want)
		}
	}
	if y := MustParsePeriod("2023").YearsBetween(MustParsePeriod("2025")); y != 2 {
		t.Errorf("YearsBetween = %g, want 2", y)
	}
}

func FuzzParsePeriod(f *testing.F) {
	for _, s := range []string{"2024", "2024-H1", "2024-Q3", "2024-08", "2024-13", "24", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePeriod(s)
		if err != nil {
			return
		}
		if !p.Valid() {
			t.Fatalf("ParsePeriod(%q) = invalid %+v", s, p)
		}
		q, err := ParsePeriod(p.String())
		if err != nil || q != p {
			t.Fatalf("%q → %s → %v, %v", s, p, q, err)
		}
	})
}
