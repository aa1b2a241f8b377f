package checks

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
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
	var buf [32]byte
	return string(appendNumber(buf[:0], v, lang))
}

// appendNumber appends FormatNumber(v, lang) to dst.
func appendNumber(dst []byte, v float64, lang string) []byte {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return strconv.AppendFloat(dst, v, 'f', -1, 64)
	}
	if v == math.Trunc(v) && math.Abs(v) < 1e15 && (v != 0 || !math.Signbit(v)) {
		// a whole number: the digits strconv.FormatFloat(v, 'f', -1, 64) writes
		var buf [24]byte
		group, _ := separators(lang)
		return appendGrouped(dst, strconv.AppendInt(buf[:0], int64(v), 10), group, 0)
	}
	var buf [32]byte
	if a := math.Abs(v); a >= 0.01 && a < 1e12 {
		// Here a float's ulp is below 0.0005: when its shortest form has at
		// most two decimals, rounding it to two gives that form, padded
		// with zeros; so one rounding to two decimals, trimmed, does.
		group, dec := separators(lang)
		s := bytes.TrimRight(bytes.TrimRight(strconv.AppendFloat(buf[:0], v, 'f', 2, 64), "0"), ".")
		return appendGrouped(dst, s, group, dec)
	}
	s := strconv.AppendFloat(buf[:0], v, 'f', -1, 64)
	if dot := bytes.IndexByte(s, '.'); dot >= 0 && len(s)-dot-1 > 2 {
		if math.Abs(v) < 0.01 {
			s = strconv.AppendFloat(buf[:0], v, 'g', 3, 64)
			if bytes.IndexByte(s, 'e') >= 0 {
				return append(dst, s...)
			}
		} else {
			s = bytes.TrimRight(bytes.TrimRight(strconv.AppendFloat(buf[:0], v, 'f', 2, 64), "0"), ".")
		}
	}
	group, dec := separators(lang)
	return appendGrouped(dst, s, group, dec)
}

// separators returns the thousands separator and the decimal mark.
func separators(lang string) (group, dec byte) {
	if lang == "en" {
		return ',', '.'
	}
	return '.', ','
}

// appendGrouped appends a Go-formatted number with the given thousands
// separator and decimal mark.
func appendGrouped(dst, s []byte, group, dec byte) []byte {
	if len(s) > 0 && s[0] == '-' {
		dst, s = append(dst, '-'), s[1:]
	}
	intPart, frac, hasFrac := bytes.Cut(s, []byte{'.'})
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			dst = append(dst, group)
		}
		dst = append(dst, c)
	}
	if hasFrac {
		dst = append(append(dst, dec), frac...)
	}
	return dst
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
	var buf [48]byte
	return string(appendQuantity(buf[:0], v, unit, lang))
}

// appendQuantity appends FormatQuantity(v, unit, lang) to dst.
func appendQuantity(dst []byte, v float64, unit, lang string) []byte {
	return quantityFormOf(unit, lang).append(dst, v, lang)
}

// quantityForm is what FormatQuantity writes around the number for a unit
// and a language.
type quantityForm struct {
	prefix, suffix string
}

func quantityFormOf(unit, lang string) quantityForm {
	en := lang == "en"
	switch unit {
	case "percent":
		return quantityForm{suffix: "%"}
	case "rank":
		if en {
			return quantityForm{prefix: "rank "}
		}
		return quantityForm{prefix: "hạng "}
	case "", "number", "ratio":
		return quantityForm{}
	}
	w, ok := unitWords[unit]
	switch {
	case !ok:
		return quantityForm{suffix: " " + unit}
	case en:
		return quantityForm{suffix: " " + w[1]}
	}
	return quantityForm{suffix: " " + w[0]}
}

// append appends v in the form to dst.
func (q quantityForm) append(dst []byte, v float64, lang string) []byte {
	dst = append(dst, q.prefix...)
	dst = appendNumber(dst, v, lang)
	return append(dst, q.suffix...)
}

// FormatFigure writes a published figure as people write it: its qualifier,
// its number and its unit ("trên 81,7%", "gần 1.900 vị trí"; "over 81.7%",
// "nearly 1,900 sites").
func FormatFigure(v float64, q chiso.Qualifier, unit, lang string) string {
	return qualifierWord(q, lang) + FormatQuantity(v, unit, lang)
}

// FigureText is FormatFigure for a number already written ("1.307,44",
// all its digits kept): the qualifier and the unit around it.
func FigureText(number string, q chiso.Qualifier, unit, lang string) string {
	form := quantityFormOf(unit, lang)
	return qualifierWord(q, lang) + form.prefix + number + form.suffix
}

// qualifierWord is how a qualified figure is introduced: "trên", "gần" …
func qualifierWord(q chiso.Qualifier, lang string) string {
	en := lang == "en"
	var vi, eng string
	switch q {
	case chiso.Over:
		vi, eng = "trên ", "over "
	case chiso.Nearly:
		vi, eng = "gần ", "nearly "
	case chiso.About:
		vi, eng = "khoảng ", "about "
	case chiso.Estimate:
		vi, eng = "ước ", "an estimated "
	case chiso.Preliminary:
		vi, eng = "sơ bộ ", "a preliminary "
	}
	if en {
		return eng
	}
	return vi
}

// FormatPeriod names a period: "năm 2024", "6 tháng đầu năm 2023", "quý
// 3/2024", "tháng 8/2023" in Vietnamese; "2024", "H1 2023", "Q3 2024",
// "August 2023" in English.
func FormatPeriod(p chiso.Period, lang string) string {
	en := lang == "en"
	y := strconv.Itoa(p.Year)
	switch {
	case p.Kind == chiso.Year && en:
		return y
	case p.Kind == chiso.Year:
		return "năm " + y
	case p.Kind == chiso.Half && en:
		return "H" + strconv.Itoa(p.N) + " " + y
	case p.Kind == chiso.Half && p.N == 1:
		return "6 tháng đầu năm " + y
	case p.Kind == chiso.Half:
		return "6 tháng cuối năm " + y
	case p.Kind == chiso.Quarter && en:
		return "Q" + strconv.Itoa(p.N) + " " + y
	case p.Kind == chiso.Quarter:
		return "quý " + strconv.Itoa(p.N) + "/" + y
	case p.Kind == chiso.Month && en:
		return time.Month(p.N).String() + " " + y
	case p.Kind == chiso.Month:
		return "tháng " + strconv.Itoa(p.N) + "/" + y
	}
	return p.String()
}

// formatDate writes a calendar date as people of the language write it:
// 31/03/2026 or 31 March 2026.
func formatDate(t time.Time, lang string) string {
	if lang == "en" {
		return t.Format("2 January 2006")
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
// AreaNamer is Data that can name areas without itself: what it returns
// must keep working, and hold little, after the Data is gone, for it names
// the areas of messages written on demand (see chiso.Note).
type AreaNamer interface {
	AreaNamer() func(code string) string
}

// areaNamer returns a function that does what areaName does, for notes.
func (e Env) areaNamer() func(code string) string {
	if n, ok := e.Data.(AreaNamer); ok {
		return n.AreaNamer()
	}
	return e.areaName
}

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

// values returns the points' values, for roundToFigures.
func values(pts []point) []float64 {
	out := make([]float64, len(pts))
	for i, p := range pts {
		out[i] = p.value
	}
	return out
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
	return string(appendSourceNote(nil, e.Lang, sources))
}

// appendSourceNote appends sourceNote's text to b.
func appendSourceNote(b []byte, lang string, sources []string) []byte {
	n := 0
	for i, s := range sources {
		if s == "" || contains(sources[:i], s) {
			continue
		}
		if n == 0 {
			if lang == "en" {
				b = append(b, " Source: "...)
			} else {
				b = append(b, " Nguồn: "...)
			}
		} else {
			b = append(b, "; "...)
		}
		b = append(b, s...)
		n++
	}
	if n > 0 {
		b = append(b, '.')
	}
	return b
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
