package ingest

import (
	"strconv"
	"strings"

	"github.com/chiso-vn/chiso"
)

// parsePeriodWords reads a period as chiso writes it (2024, 2024-H1,
// 2024-Q3, 2024-08) or as a department writes it in a header or a cell,
// without regard to case, diacritics or spacing:
//
//	Năm 2024                                   2024
//	6 tháng đầu năm 2024, 6 tháng cuối năm 2024  2024-H1, 2024-H2
//	Quý III/2024, Quý 3/2024, Quý 3 năm 2024     2024-Q3
//	Tháng 8/2024, Tháng 08/2024, Tháng 8 năm 2024  2024-08
//
// "năm" is optional before the year in the half-year forms. Anything else
// is an error listing the accepted forms.
func parsePeriodWords(s string) (chiso.Period, error) {
	if p, err := chiso.ParsePeriod(s); err == nil {
		return p, nil
	}
	if p, ok := periodOfWords(periodTokens(s)); ok {
		return p, nil
	}
	return chiso.Period{}, errPeriodForms
}

// errPeriodForms is the error for a period in none of the accepted forms.
var errPeriodForms = problem("invalid_period",
	"want YYYY, YYYY-H1, YYYY-Q1 or YYYY-MM, or as departments write it: Năm 2024, 6 tháng đầu năm 2024, 6 tháng cuối năm 2024, Quý III/2024, Quý 3 năm 2024, Tháng 8/2024, Tháng 8 năm 2024",
	"cần kỳ dạng YYYY, YYYY-H1, YYYY-Q1 hoặc YYYY-MM, hoặc viết như: Năm 2024, 6 tháng đầu năm 2024, 6 tháng cuối năm 2024, Quý III/2024, Quý 3 năm 2024, Tháng 8/2024, Tháng 8 năm 2024")

// periodTokens splits s into folded words and numbers, with "/" kept as a
// token of its own: "Quý III/2024" is quy, iii, /, 2024.
func periodTokens(s string) []string {
	var toks []string
	for i, part := range strings.Split(s, "/") {
		if i > 0 {
			toks = append(toks, "/")
		}
		toks = append(toks, strings.Fields(foldWords(part))...)
	}
	return toks
}

// periodOfWords reads the tokens of a period written in words.
func periodOfWords(t []string) (chiso.Period, bool) {
	switch {
	case len(t) == 2 && t[0] == "nam":
		return yearPeriod(chiso.Year, 0, t[1])
	case len(t) >= 4 && t[0] == "6" && t[1] == "thang" && (t[2] == "dau" || t[2] == "cuoi"):
		rest := t[3:]
		if rest[0] == "nam" {
			rest = rest[1:]
		}
		if len(rest) != 1 {
			return chiso.Period{}, false
		}
		n := 1
		if t[2] == "cuoi" {
			n = 2
		}
		return yearPeriod(chiso.Half, n, rest[0])
	case len(t) == 4 && (t[2] == "/" || t[2] == "nam"):
		switch t[0] {
		case "quy":
			if n, ok := quarterNumber(t[1]); ok {
				return yearPeriod(chiso.Quarter, n, t[3])
			}
		case "thang":
			if n, err := strconv.Atoi(t[1]); err == nil && len(t[1]) <= 2 && n >= 1 && n <= 12 {
				return yearPeriod(chiso.Month, n, t[3])
			}
		}
	}
	return chiso.Period{}, false
}

// quarterNumber reads a quarter written 1–4 or I–IV.
func quarterNumber(s string) (int, bool) {
	switch s {
	case "1", "i":
		return 1, true
	case "2", "ii":
		return 2, true
	case "3", "iii":
		return 3, true
	case "4", "iv":
		return 4, true
	}
	return 0, false
}

// yearPeriod returns the period of kind and number n in the year written
// as four digits.
func yearPeriod(kind chiso.PeriodKind, n int, year string) (chiso.Period, bool) {
	if len(year) != 4 {
		return chiso.Period{}, false
	}
	y, err := strconv.Atoi(year)
	if err != nil || y < chiso.MinYear || y > chiso.MaxYear {
		return chiso.Period{}, false
	}
	p := chiso.Period{Kind: kind, Year: y, N: n}
	return p, p.Valid()
}
