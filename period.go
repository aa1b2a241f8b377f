package chiso

import (
	"fmt"
	"strconv"
	"time"
)

// PeriodKind is the length of a reporting period.
type PeriodKind uint8

// The period kinds, from the longest to the shortest.
const (
	Year    PeriodKind = 1
	Half    PeriodKind = 2
	Quarter PeriodKind = 3
	Month   PeriodKind = 4
)

// String returns the kind's name: year, half, quarter or month.
func (k PeriodKind) String() string {
	switch k {
	case Year:
		return "year"
	case Half:
		return "half"
	case Quarter:
		return "quarter"
	case Month:
		return "month"
	}
	return "PeriodKind(" + strconv.Itoa(int(k)) + ")"
}

// Months returns how many months a period of this kind spans (0 for an
// invalid kind).
func (k PeriodKind) Months() int {
	switch k {
	case Year:
		return 12
	case Half:
		return 6
	case Quarter:
		return 3
	case Month:
		return 1
	}
	return 0
}

// count is how many periods of the kind fit in a year.
func (k PeriodKind) count() int {
	if m := k.Months(); m > 0 {
		return 12 / m
	}
	return 0
}

// Period is a reporting period: a year, a half-year, a quarter or a month.
// Its text forms are 2024, 2024-H1, 2024-Q3 and 2024-08. The zero Period is
// invalid and means "no period".
type Period struct {
	Kind PeriodKind
	Year int // calendar year, 1000–9999
	N    int // 0 for a year; 1–2 for a half; 1–4 for a quarter; 1–12 for a month
}

// MinYear and MaxYear bound the years a Period can hold.
const (
	MinYear = 1000
	MaxYear = 9999
)

// ParsePeriod reads the text form of a period: "2024", "2024-H1", "2024-Q3"
// or "2024-08". Anything else is an error that quotes the text.
func ParsePeriod(s string) (Period, error) {
	bad := func(why string) (Period, error) {
		return Period{}, fmt.Errorf("invalid period %q: %s", s, why)
	}
	if len(s) < 4 || !digits(s[:4]) {
		return bad("want YYYY, YYYY-H1, YYYY-Q1 or YYYY-MM")
	}
	year, _ := strconv.Atoi(s[:4])
	if year < MinYear {
		return bad("year before 1000")
	}
	if len(s) == 4 {
		return Period{Kind: Year, Year: year}, nil
	}
	rest := s[4:]
	if rest[0] != '-' || len(rest) != 3 {
		return bad("want YYYY, YYYY-H1, YYYY-Q1 or YYYY-MM")
	}
	var p Period
	switch c := rest[1]; {
	case c == 'H' || c == 'h':
		p = Period{Kind: Half, Year: year}
	case c == 'Q' || c == 'q':
		p = Period{Kind: Quarter, Year: year}
	case c >= '0' && c <= '9':
		if !digits(rest[1:]) {
			return bad("month must be two digits")
		}
		p = Period{Kind: Month, Year: year}
		p.N, _ = strconv.Atoi(rest[1:])
		if p.N < 1 || p.N > 12 {
			return bad("month must be 01–12")
		}
		return p, nil
	default:
		return bad("want YYYY, YYYY-H1, YYYY-Q1 or YYYY-MM")
	}
	if !digits(rest[2:]) {
		return bad("want a digit after " + rest[1:2])
	}
	p.N = int(rest[2] - '0')
	if p.N < 1 || p.N > p.Kind.count() {
		return bad(fmt.Sprintf("%s number must be 1–%d", p.Kind, p.Kind.count()))
	}
	return p, nil
}

// MustParsePeriod is ParsePeriod for literals known to be valid; it panics
// on an error.
func MustParsePeriod(s string) Period {
	p, err := ParsePeriod(s)
	if err != nil {
		panic(err)
	}
	return p
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// IsZero reports whether p is the zero Period ("no period").
func (p Period) IsZero() bool { return p == Period{} }

// Valid reports whether p is a period ParsePeriod could have returned.
func (p Period) Valid() bool {
	if p.Year < MinYear || p.Year > MaxYear {
		return false
	}
	if p.Kind == Year {
		return p.N == 0
	}
	n := p.Kind.count()
	return n > 0 && p.N >= 1 && p.N <= n
}

// String returns the text form: 2024, 2024-H1, 2024-Q3 or 2024-08.
func (p Period) String() string {
	switch p.Kind {
	case Year:
		return strconv.Itoa(p.Year)
	case Half:
		return fmt.Sprintf("%d-H%d", p.Year, p.N)
	case Quarter:
		return fmt.Sprintf("%d-Q%d", p.Year, p.N)
	case Month:
		return fmt.Sprintf("%d-%02d", p.Year, p.N)
	}
	return ""
}

// MarshalText implements encoding.TextMarshaler with the text form.
func (p Period) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler with ParsePeriod.
func (p *Period) UnmarshalText(b []byte) error {
	q, err := ParsePeriod(string(b))
	if err != nil {
		return err
	}
	*p = q
	return nil
}

// Months returns the span of the period in months: 12, 6, 3 or 1.
func (p Period) Months() int { return p.Kind.Months() }

// startMonth is the period's first month as months since year 0.
func (p Period) startMonth() int {
	if p.Kind == Year {
		return p.Year * 12
	}
	return p.Year*12 + (p.N-1)*p.Kind.Months()
}

// Start returns the first day of the period, at midnight UTC.
func (p Period) Start() time.Time {
	m := p.startMonth()
	return time.Date(m/12, time.Month(m%12+1), 1, 0, 0, 0, 0, time.UTC)
}

// End returns the first day after the period, at midnight UTC: the period
// covers [Start, End).
func (p Period) End() time.Time { return p.Start().AddDate(0, p.Months(), 0) }

// Compare orders periods by their end, then by their start, so that a year
// sorts before the half, quarter and month that end with it and the latest
// period is the one that ends last. It returns -1, 0 or +1.
func (p Period) Compare(q Period) int {
	pe, qe := p.startMonth()+p.Months(), q.startMonth()+q.Months()
	switch {
	case pe != qe:
		return cmpInt(pe, qe)
	default:
		return cmpInt(p.startMonth(), q.startMonth())
	}
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Before reports whether p ends before q (in Compare's order).
func (p Period) Before(q Period) bool { return p.Compare(q) < 0 }

// PreviousLike returns the comparable period one year earlier: 2024 → 2023,
// 2024-H1 → 2023-H1, 2024-Q3 → 2023-Q3, 2024-08 → 2023-08. A half-year is
// compared only with the same half of an earlier year, never with a year.
func (p Period) PreviousLike() Period { return Period{Kind: p.Kind, Year: p.Year - 1, N: p.N} }

// Prev returns the period of the same kind just before p: 2024-Q1 → 2023-Q4.
func (p Period) Prev() Period { return p.shift(-1) }

// Next returns the period of the same kind just after p: 2024-12 → 2025-01.
func (p Period) Next() Period { return p.shift(1) }

func (p Period) shift(d int) Period {
	if p.Kind == Year {
		return Period{Kind: Year, Year: p.Year + d}
	}
	n := p.Kind.count()
	i := p.Year*n + p.N - 1 + d
	return Period{Kind: p.Kind, Year: i / n, N: i%n + 1}
}

// YearsBetween returns how many years lie between the starts of two periods
// (q minus p), in fractional years: used to annualise changes across gaps.
func (p Period) YearsBetween(q Period) float64 {
	return float64(q.startMonth()-p.startMonth()) / 12
}

// Contains reports whether the instant t falls within the period, reading t
// in its own location's calendar.
func (p Period) Contains(t time.Time) bool {
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return !d.Before(p.Start()) && d.Before(p.End())
}

// PeriodOf returns the period of the given kind that contains the calendar
// date of t.
func PeriodOf(kind PeriodKind, t time.Time) Period {
	switch kind {
	case Year:
		return Period{Kind: Year, Year: t.Year()}
	case Month:
		return Period{Kind: Month, Year: t.Year(), N: int(t.Month())}
	}
	return Period{Kind: kind, Year: t.Year(), N: (int(t.Month())-1)/kind.Months() + 1}
}

// Key returns the period's PeriodKey as a plain integer, for storage and
// indexes: year*1000 + kind*100 + n (2024 → 2024100, 2024-H1 → 2024201,
// 2024-Q3 → 2024303, 2024-08 → 2024408). Keys of one kind sort in time order.
func (p Period) Key() int32 { return int32(p.Year*PeriodKeysPerYear + int(p.Kind)*100 + p.N) }

// PeriodFromKey is the inverse of Key; ok is false for an invalid key.
func PeriodFromKey(k int32) (p Period, ok bool) {
	p = PeriodKey(k).Period()
	return p, p.Valid()
}
