package ingest

import (
	"fmt"

	"github.com/chiso-vn/chiso"
)

// maxCellText is the longest value cell read as a figure, in bytes; no
// figure as printed comes near it.
const maxCellText = 1000

var errCellTooLong = problem("cell_too_long",
	"a value cell of more than 1,000 characters is not a figure: put text in the raw or note column",
	"ô giá trị dài hơn 1.000 ký tự không phải là một số liệu: hãy ghi văn bản vào cột raw hoặc ghi chú")

// onlyTheFigure checks that a value cell holds one figure as printed and
// nothing else: an optional qualifier (with filler words such as đạt), the
// number, scale words, a currency or %, what it counts (trạm, thuê bao …)
// and trailing punctuation. Anything more is refused, never skipped: a
// range (80-85%), a fraction (6/63), a date, a bracketed negative, a
// growth rate (tăng 5%), an unknown qualifier (dưới 80%) or unit word (5
// trieu dong is read, 5 tr đồng is not) could each be the figure misread.
// Sentences belong in the raw column. The figure's number itself may not
// be written so that the other locale reads it as another figure.
func (x *extractor) onlyTheFigure(c *candidate, ind chiso.Indicator, unit *unitSpec) error {
	toks := x.toks
	if c.start > 0 {
		t := toks[c.start-1]
		switch {
		case t.sym(".,") && c.start == c.at && toks[c.at].glued:
			return problem("bad_number", "a number cannot start with a decimal mark: write 0%s%s", "số không thể bắt đầu bằng dấu thập phân: hãy viết 0%s%s",
				t.text, toks[c.at].text)
		case t.kind == tokNumber:
			return errTwoFigures
		}
		return unexpectedToken(t, "before")
	}
	j := c.end
	if p, ok := matchAt(toks, j, unitNouns); ok {
		if err := countedThing(nounUnits[p.val], ind, unit); err != nil {
			return err
		}
		j += len(p.words)
	}
	for ; j < len(toks); j++ {
		switch t := toks[j]; {
		case t.sym(".,;:"):
		case t.kind == tokNumber:
			return errTwoFigures
		default:
			return unexpectedToken(t, "after")
		}
	}
	if ind.Whole() {
		return nil // a count read as a decimal is refused as fractional, with the likely intent
	}
	return x.unambiguous(toks[c.at].text)
}

var errTwoFigures = problem("two_figures",
	"more than one figure in the cell: write one figure per cell (a space inside a number may only group thousands: 530 100)",
	"ô có nhiều hơn một số liệu: mỗi ô chỉ ghi một số liệu (dấu cách trong một số chỉ để phân cách hàng nghìn: 530 100)")

// unexpectedToken refuses a word or sign around the figure of a value
// cell.
func unexpectedToken(t token, where string) error {
	whereVI := "trước"
	if where == "after" {
		whereVI = "sau"
	}
	return problem("not_a_figure",
		"unexpected %s %s the figure: a value cell holds one figure (qualifier, number, scale, unit); ranges, dates, growth rates and notes are not read — put sentences in the raw column",
		"có %s không mong đợi %s số liệu: ô giá trị chỉ ghi một số liệu (định tính, con số, quy mô, đơn vị); khoảng giá trị, ngày tháng, tốc độ tăng và ghi chú không được đọc — hãy ghi câu chữ vào cột raw",
		quote(t.text), where, quote(t.text), whereVI)
}

// countedThing checks a noun written after the figure (2.500 trạm)
// against the indicator and the row's unit.
func countedThing(noun string, ind chiso.Indicator, unit *unitSpec) error {
	switch {
	case unit != nil && unit.noun != "" && unit.noun != noun:
		return &Problem{Kind: "unit_mismatch",
			EN: fmt.Sprintf("the cell counts %ss but the unit says %s: write the unit in one place", noun, quote(unit.text)),
			VI: fmt.Sprintf("ô ghi đơn vị đếm %s nhưng cột đơn vị ghi %s: chỉ ghi đơn vị ở một chỗ", unitVI(noun), quote(unit.text))}
	case noun != ind.Unit:
		return &Problem{Kind: "unit_mismatch",
			EN: fmt.Sprintf("the cell counts %ss, but %s is in %s", noun, ind.Code, ind.Unit),
			VI: fmt.Sprintf("ô ghi đơn vị đếm %s, nhưng chỉ tiêu %s tính bằng %s", unitVI(noun), ind.Code, unitVI(ind.Unit))}
	}
	return nil
}

// oneGroup reports whether num (digits with marks, perhaps a leading
// minus) is 1–3 digits, not starting with 0, then the locale's decimal mark
// and exactly three digits: a number the other locale reads as one
// thousands group (183,001 is 183.001 in Vietnamese, 183001 in English).
func oneGroup(num string, loc Locale) bool {
	if len(num) > 0 && num[0] == '-' {
		num = num[1:]
	}
	_, dec := loc.marks()
	i := len(num) - 4
	if i < 1 || i > 3 || num[i] != dec || num[0] == '0' {
		return false
	}
	return allDigits(num[:i]) && allDigits(num[i+1:])
}

// unambiguous refuses a number written with only a decimal mark followed
// by exactly three digits, which the other locale reads as thousands: a
// decimal of the read's locale and a whole number of the other's, a factor
// of 1,000 apart. The file's locale does not decide it; the writer does.
func (x *extractor) unambiguous(num string) error {
	if !oneGroup(num, x.loc) {
		return nil
	}
	group, dec := x.loc.marks()
	intPart, frac, _ := cutByte(num, dec)
	whole := intPart + string(group) + frac
	decimal := intPart + string(dec) + frac + "0"
	other := otherLocale(x.loc)
	return &Problem{Kind: "ambiguous_group",
		EN: fmt.Sprintf("ambiguous number: %s is %s.%s in %s but %s%s in %s; write %s for %s%s, or %s for %s.%s",
			num, intPart, frac, x.loc.nameIn("en"), intPart, frac, other.nameIn("en"), whole, intPart, frac, decimal, intPart, frac),
		VI: fmt.Sprintf("số không rõ nghĩa: %s theo cách viết %s là %s,%s nhưng theo cách viết %s là %s%s; hãy ghi %s nếu là %s%s, hoặc %s nếu là %s,%s",
			num, x.loc.nameIn("vi"), intPart, frac, other.nameIn("vi"), intPart, frac, whole, intPart, frac, decimal, intPart, frac)}
}

func otherLocale(l Locale) Locale {
	if l == English {
		return Vietnamese
	}
	return English
}

func cutByte(s string, b byte) (before, after string, found bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == b {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}
