package checks

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/chiso-vn/chiso"
)

// Messages are written for a department head: the indicator's and the
// area's names, the figures with their units in the language's number
// convention (vi: 183.001 tỷ đồng, 81,7%; en: 183,001 billion VND, 81.7%),
// the comparison, the period and the source.

// english reports whether messages are in English; anything else is
// Vietnamese, the default.
func (e Env) english() bool { return e.Lang == "en" }

// tr formats the Vietnamese or the English text, as the language says.
func (e Env) tr(vi, en string, args ...any) string {
	if e.english() {
		return fmt.Sprintf(en, args...)
	}
	return fmt.Sprintf(vi, args...)
}

// FormatNumber writes v with at most two decimals (three significant digits
// below 0.01), thousands grouped: "183.001" and "1.307,44" in Vietnamese
// ("vi"), "183,001" and "1,307.44" in English ("en").
func FormatNumber(v float64, lang string) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if dot := strings.IndexByte(s, '.'); dot >= 0 && len(s)-dot-1 > 2 {
		if math.Abs(v) < 0.01 {
			s = strconv.FormatFloat(v, 'g', 3, 64)
			if strings.ContainsAny(s, "e") {
				return s
			}
		} else {
			s = strings.TrimRight(strings.TrimRight(strconv.FormatFloat(v, 'f', 2, 64), "0"), ".")
		}
	}
	group, dec := ".", ","
	if lang == "en" {
		group, dec = ",", "."
	}
	return groupDigits(s, group, dec)
}

// groupDigits rewrites a Go-formatted number with the given thousands
// separator and decimal mark.
func groupDigits(s, group, dec string) string {
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	intPart, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	b.WriteString(sign)
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteString(group)
		}
		b.WriteRune(c)
	}
	if hasFrac {
		b.WriteString(dec)
		b.WriteString(frac)
	}
	return b.String()
}

// unitWords names the catalogue's units in Vietnamese and English.
var unitWords = map[string][2]string{
	"site":        {"vị trí", "sites"},
	"station":     {"trạm", "stations"},
	"subscriber":  {"thuê bao", "subscribers"},
	"commune":     {"xã", "communes"},
	"account":     {"tài khoản", "accounts"},
	"card":        {"thẻ", "cards"},
	"team":        {"tổ", "teams"},
	"person":      {"người", "people"},
	"point":       {"điểm", "points"},
	"title":       {"đầu sách", "titles"},
	"copy":        {"bản", "copies"},
	"billion_vnd": {"tỷ đồng", "billion VND"},
	"million_vnd": {"triệu đồng", "million VND"},
	"billion_usd": {"tỷ USD", "billion USD"},
	"million_usd": {"triệu USD", "million USD"},
}

// FormatQuantity writes v in the unit: "81,7%", "183.001 tỷ đồng", "2.500
// trạm", "hạng 6" in Vietnamese; "81.7%", "183,001 billion VND", "2,500
// stations", "rank 6" in English. An unknown unit is printed as its code.
func FormatQuantity(v float64, unit, lang string) string {
	n := FormatNumber(v, lang)
	switch unit {
	case "percent":
		return n + "%"
	case "rank":
		if lang == "en" {
			return "rank " + n
		}
		return "hạng " + n
	case "", "number", "ratio":
		return n
	}
	w, ok := unitWords[unit]
	if !ok {
		return n + " " + unit
	}
	if lang == "en" {
		return n + " " + w[1]
	}
	return n + " " + w[0]
}

// qualifierWord is how a qualified figure is introduced: "trên", "gần" …
func qualifierWord(q chiso.Qualifier, lang string) string {
	vi := map[chiso.Qualifier][2]string{
		chiso.Over: {"trên ", "over "}, chiso.Nearly: {"gần ", "nearly "}, chiso.About: {"khoảng ", "about "},
		chiso.Estimate: {"ước ", "an estimated "}, chiso.Preliminary: {"sơ bộ ", "a preliminary "},
	}[q]
	if lang == "en" {
		return vi[1]
	}
	return vi[0]
}

// FormatPeriod names a period: "năm 2024", "6 tháng đầu năm 2023", "quý
// 3/2024", "tháng 8/2023" in Vietnamese; "2024", "H1 2023", "Q3 2024",
// "August 2023" in English.
func FormatPeriod(p chiso.Period, lang string) string {
	en := lang == "en"
	switch {
	case p.Kind == chiso.Year && en:
		return strconv.Itoa(p.Year)
	case p.Kind == chiso.Year:
		return fmt.Sprintf("năm %d", p.Year)
	case p.Kind == chiso.Half && en:
		return fmt.Sprintf("H%d %d", p.N, p.Year)
	case p.Kind == chiso.Half && p.N == 1:
		return fmt.Sprintf("6 tháng đầu năm %d", p.Year)
	case p.Kind == chiso.Half:
		return fmt.Sprintf("6 tháng cuối năm %d", p.Year)
	case p.Kind == chiso.Quarter && en:
		return fmt.Sprintf("Q%d %d", p.N, p.Year)
	case p.Kind == chiso.Quarter:
		return fmt.Sprintf("quý %d/%d", p.N, p.Year)
	case p.Kind == chiso.Month && en:
		return fmt.Sprintf("%s %d", time.Month(p.N), p.Year)
	case p.Kind == chiso.Month:
		return fmt.Sprintf("tháng %d/%d", p.N, p.Year)
	}
	return p.String()
}

// formatDate writes a calendar date: 31/03/2026 or 2026-03-31.
func formatDate(t time.Time, lang string) string {
	if lang == "en" {
		return t.Format(time.DateOnly)
	}
	return t.Format("02/01/2006")
}

// indName returns the indicator's name in the language, or its code.
func (e Env) indName(code string) string {
	if ind, ok := e.Data.Indicator(code); ok {
		return ind.Name(e.Lang)
	}
	return code
}

// areaName returns the area's name, or its code.
func (e Env) areaName(code string) string {
	if a, ok := e.Data.Area(code); ok && a.Name != "" {
		return a.Name
	}
	return code
}

// qty formats a value in the indicator's unit.
func (e Env) qty(v float64, ind chiso.Indicator) string {
	return FormatQuantity(v, ind.Unit, e.Lang)
}

// fig formats a published figure with its qualifier: "trên 81,7%".
func (e Env) fig(p point, ind chiso.Indicator) string {
	return qualifierWord(p.qual, e.Lang) + e.qty(p.value, ind)
}

// period names a period in the language.
func (e Env) period(p chiso.Period) string { return FormatPeriod(p, e.Lang) }

// provisionalNote says that a judged figure is provisional, or nothing.
func (e Env) provisionalNote(p point) string {
	switch p.qual {
	case chiso.Estimate:
		return e.tr(" Đây là số ước tính, sẽ còn được điều chỉnh.", " This is an estimate, to be revised.")
	case chiso.Preliminary:
		return e.tr(" Đây là số sơ bộ, sẽ còn được điều chỉnh.", " This is a preliminary figure, to be revised.")
	}
	return ""
}

// sourceNote cites the distinct sources, or nothing.
func (e Env) sourceNote(sources ...string) string {
	var uniq []string
	for _, s := range sources {
		if s != "" && !contains(uniq, s) {
			uniq = append(uniq, s)
		}
	}
	if len(uniq) == 0 {
		return ""
	}
	return e.tr(" Nguồn: %s.", " Source: %s.", strings.Join(uniq, "; "))
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
