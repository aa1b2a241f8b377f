package ingest

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/xuri/excelize/v2"
)

// cellKind is what a spreadsheet cell holds.
type cellKind uint8

const (
	cellText    cellKind = iota // text, or no cell: read as printed
	cellNumber                  // a number in the general format or a number format
	cellPercent                 // a number in a percent format: 0.93 shown as 93%
	cellDate                    // a date or time: a number in a date format, or a date cell
	cellBool                    // TRUE or FALSE
	cellError                   // a formula's error, such as #DIV/0!
)

// cellInfo is a spreadsheet cell as its workbook describes it.
type cellInfo struct {
	kind  cellKind
	num   float64   // the number of a number, percent or date cell
	v     string    // the value as stored: 0.93, 1, #DIV/0!, 2024-08-01T00:00:00
	style *styleFmt // the number format of a number, percent or date cell; nil for others
	bk    *book     // the workbook, which formats the cell as shown; nil for text
}

// book is what reading a workbook's cells needs beside their text: the
// number format of each cell style, and a scratch workbook that formats
// numbers as the spreadsheet shows them.
type book struct {
	f        *excelize.File
	loc      Locale
	date1904 bool
	styles   map[int]*styleFmt
	scratch  *excelize.File
	general  styleFmt // the default style
}

// styleFmt is a cell style's number format.
type styleFmt struct {
	kind    cellKind        // cellNumber, cellPercent or cellDate
	general bool            // the general format: a number shows as its shortest text
	plain   *plainFmt       // a format such as #,##0.00 or 0.0%, formatted without excelize; nil for others
	numFmt  *excelize.Style // the number format alone, to format with in the scratch workbook
	cell    string          // the scratch workbook's cell that has this format; empty until made
}

// plainFmt is one of the usual number formats: 0, 0.00, #,##0, #,##0.00,
// 0%, 0.0% and the like, which make most formatted cells.
type plainFmt struct {
	decimals int  // digits after the decimal mark
	group    bool // thousands grouped
	percent  bool // times 100, with %
}

// plainFormat recognises the usual number formats by built-in id or code.
func plainFormat(id int, custom string) *plainFmt {
	code := custom
	if code == "" {
		code = map[int]string{1: "0", 2: "0.00", 3: "#,##0", 4: "#,##0.00", 9: "0%", 10: "0.00%"}[id]
	}
	var p plainFmt
	code, p.percent = strings.CutSuffix(code, "%")
	code, p.group = strings.CutPrefix(code, "#,##")
	code, ok := strings.CutPrefix(code, "0")
	if !ok {
		return nil
	}
	if code != "" {
		frac, ok := strings.CutPrefix(code, ".")
		if !ok || frac == "" || strings.Trim(frac, "0") != "" {
			return nil
		}
		p.decimals = len(frac)
	}
	return &p
}

// format formats a number as a spreadsheet does, in English marks:
// rounded half away from zero on its shortest decimal text, as excelize
// and spreadsheets round (0.075 in 0.00 is 0.08).
func (p *plainFmt) format(v float64) string {
	if p.percent {
		v = percentOf(v)
	}
	digits := strconv.FormatFloat(math.Abs(v), 'f', -1, 64)
	whole, frac, _ := strings.Cut(digits, ".")
	if len(frac) > p.decimals {
		up := frac[p.decimals] >= '5'
		frac = frac[:p.decimals]
		if up {
			whole, frac = roundUp(whole, frac)
		}
	}
	frac += strings.Repeat("0", p.decimals-len(frac))
	var b strings.Builder
	if v < 0 {
		b.WriteByte('-') // -0.0001 shows as -0, as in a spreadsheet
	}
	for i := range len(whole) {
		if p.group && i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteByte(whole[i])
	}
	if p.decimals > 0 {
		b.WriteByte('.')
		b.WriteString(frac)
	}
	if p.percent {
		b.WriteByte('%')
	}
	return b.String()
}

// roundUp adds one in the last place of the decimal whole.frac.
func roundUp(whole, frac string) (string, string) {
	d := []byte(whole + frac)
	i := len(d) - 1
	for ; i >= 0 && d[i] == '9'; i-- {
		d[i] = '0'
	}
	if i < 0 {
		d = append([]byte{'1'}, d...)
	} else {
		d[i]++
	}
	n := len(d) - len(frac)
	return string(d[:n]), string(d[n:])
}

func newBook(f *excelize.File, loc Locale) *book {
	bk := &book{f: f, loc: loc, styles: map[int]*styleFmt{}, general: styleFmt{kind: cellNumber, general: true}}
	if p, err := f.GetWorkbookProps(); err == nil && p.Date1904 != nil {
		bk.date1904 = *p.Date1904
	}
	return bk
}

// info describes a cell from what its XML says.
func (bk *book) info(m *cellMeta) cellInfo {
	c := cellInfo{v: m.v, bk: bk}
	switch m.typ {
	case "b":
		c.kind = cellBool
	case "e":
		c.kind = cellError
	case "d":
		c.kind = cellDate
	case "", "n":
		num, err := strconv.ParseFloat(m.v, 64)
		if err != nil || math.IsNaN(num) || math.IsInf(num, 0) {
			return cellInfo{} // no value, such as an empty styled cell, or no number: read as text
		}
		c.num, c.style = num, bk.styleOf(m.style)
		c.kind = c.style.kind
	default:
		return cellInfo{} // text, which excelize reads
	}
	return c
}

// styleOf returns a style's number format, read once per style.
func (bk *book) styleOf(id int) *styleFmt {
	if id <= 0 {
		return &bk.general
	}
	if sf, ok := bk.styles[id]; ok {
		return sf
	}
	sf := &bk.general
	if st, err := bk.f.GetStyle(id); err == nil {
		custom := ""
		if st.CustomNumFmt != nil {
			custom = *st.CustomNumFmt
		}
		sf = &styleFmt{kind: numFmtKind(st.NumFmt, custom),
			general: custom == "" && st.NumFmt == 0 || strings.EqualFold(custom, "general"),
			plain:   plainFormat(st.NumFmt, custom),
			numFmt:  &excelize.Style{NumFmt: st.NumFmt, CustomNumFmt: st.CustomNumFmt}}
	}
	bk.styles[id] = sf // a workbook has at most 64,000 styles
	return sf
}

// numFmtKind tells percent and date formats from other number formats: a
// built-in format by its id (9 and 10 are percentages; 14–22 and 45–47,
// and the East Asian 27–36 and 50–58, dates and times), a custom one by
// its code.
func numFmtKind(id int, custom string) cellKind {
	if custom != "" {
		return customKind(custom)
	}
	switch {
	case id == 9 || id == 10:
		return cellPercent
	case 14 <= id && id <= 22, 45 <= id && id <= 47, 27 <= id && id <= 36, 50 <= id && id <= 58:
		return cellDate
	}
	return cellNumber
}

// customKind reads a custom format code: a date or time format has d, m,
// y, h or s (or [h], [mm], [ss]) outside quotes and brackets; a percent
// format has %.
func customKind(code string) cellKind {
	kind := cellNumber
	for i := 0; i < len(code); i++ {
		switch code[i] {
		case '"':
			j := strings.IndexByte(code[i+1:], '"')
			if j < 0 {
				return kind
			}
			i += j + 1
		case '\\', '_', '*': // a literal character, a space as wide as one, a fill
			i++
		case '[': // [Red], [$-42A], [>=100], or elapsed time [h]:mm
			j := strings.IndexByte(code[i:], ']')
			if j < 0 {
				return kind
			}
			if inner := strings.ToLower(code[i+1 : i+j]); inner != "" && strings.Trim(inner, "hms") == "" {
				return cellDate
			}
			i += j
		case '%':
			kind = cellPercent
		case 'd', 'D', 'm', 'M', 'y', 'Y', 'h', 'H', 's', 'S':
			return cellDate
		}
	}
	return kind
}

// shown returns the cell as the spreadsheet shows it, with the read's
// locale's marks (1.307,44 in Vietnamese), and a date as YYYY-MM-DD.
func (c cellInfo) shown() string {
	switch c.kind {
	case cellNumber, cellPercent:
		return localMarks(c.bk.format(c.num, c.style), c.bk.loc)
	case cellDate:
		return c.bk.dateText(c)
	case cellBool:
		if c.v == "1" {
			return "TRUE"
		}
		if c.v == "0" {
			return "FALSE"
		}
	}
	return c.v
}

// format formats a number as the spreadsheet shows it, in excelize's
// English marks, with the general format when excelize cannot.
func (bk *book) format(v float64, sf *styleFmt) string {
	switch {
	case sf.general:
		return generalText(v)
	case sf.plain != nil && math.Abs(v) < 1e15:
		return sf.plain.format(v)
	}
	return bk.scratchFormat(v, sf)
}

// scratchFormat formats a number with excelize, in a cell of a scratch
// workbook that has the format: excelize formats only the cells of a
// workbook, and the reader's own workbook streams.
func (bk *book) scratchFormat(v float64, sf *styleFmt) string {
	if bk.scratch == nil {
		bk.scratch = excelize.NewFile()
	}
	const sheet = "Sheet1"
	if sf.cell == "" {
		id, err := bk.scratch.NewStyle(sf.numFmt)
		if err != nil {
			sf.general = true
			return generalText(v)
		}
		sf.cell = "A" + strconv.Itoa(id)
		if err := bk.scratch.SetCellStyle(sheet, sf.cell, sf.cell, id); err != nil {
			sf.general = true
			return generalText(v)
		}
	}
	if err := bk.scratch.SetCellFloat(sheet, sf.cell, v, -1, 64); err != nil {
		return generalText(v)
	}
	s, err := bk.scratch.GetCellValue(sheet, sf.cell)
	if err != nil || s == "" {
		return generalText(v)
	}
	return s
}

// generalText is a number as the general format shows it: its shortest
// text, rounded to the 15 significant digits a spreadsheet keeps.
func generalText(v float64) string {
	r, err := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 15, 64), 64)
	if err != nil {
		r = v
	}
	return strconv.FormatFloat(r, 'f', -1, 64)
}

// localMarks swaps the grouping and decimal marks of a number formatted in
// English for a Vietnamese read, as a spreadsheet on a Vietnamese computer
// shows it: 1,307.44 becomes 1.307,44. Only marks between digits are
// swapped, so the text of a format ("tr. đồng") stays as it is.
func localMarks(s string, loc Locale) string {
	if loc == English || !strings.ContainsAny(s, ".,") {
		return s
	}
	b := []byte(s)
	for i := 1; i+1 < len(b); i++ {
		if isDigit(b[i-1]) && isDigit(b[i+1]) {
			switch b[i] {
			case '.':
				b[i] = ','
			case ',':
				b[i] = '.'
			}
		}
	}
	return string(b)
}

func isDigit(b byte) bool { return '0' <= b && b <= '9' }

// dateText returns a date cell as YYYY-MM-DD, with the time when it has
// one.
func (bk *book) dateText(c cellInfo) string {
	if c.v == "" || c.style == nil {
		return c.v // a date cell (t="d") stores its ISO 8601 text
	}
	t, err := excelize.ExcelDateToTime(c.num, bk.date1904)
	if err != nil {
		return c.v
	}
	switch {
	case c.num < 1:
		return t.Format(time.TimeOnly)
	case t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0:
		return t.Format(time.DateOnly)
	}
	return t.Format(time.DateTime)
}

// percentOf returns a share stored as a fraction in percent, shifting the
// decimal point of its shortest text so that 0.075 is exactly 7.5.
func percentOf(v float64) float64 {
	s := strconv.FormatFloat(v, 'e', -1, 64) // 7.5e-02
	i := strings.IndexByte(s, 'e')
	exp, _ := strconv.Atoi(s[i+1:])
	p, err := strconv.ParseFloat(s[:i]+"e"+strconv.Itoa(exp+2), 64)
	if err != nil {
		return v * 100
	}
	return p
}

// sheetValue reads a spreadsheet cell in a value field by what the cell
// holds: a number as its number, a number formatted as a percentage as
// its percentage (0.93 shown as 93% is 93), and a date, a yes/no value or
// a formula's error as a problem. handled is false for a text cell and for
// a row that is not from a spreadsheet, whose text is read as before. In a
// printed file the observation's raw text is the cell as shown (1.250 for
// 1250 in a #,##0 format).
func (rd *reader) sheetValue(rw *row, field int, name string, ind *indInfo, o *chiso.Observation, printed bool) (handled, ok bool) {
	if rw.cell == nil || field < 0 {
		return false, false
	}
	c := rw.cell(field)
	if c.kind == cellText {
		return false, false
	}
	v, err := cellValue(c, ind)
	if err != nil {
		rd.fail(rw, field, name, c.shown(), err)
		return true, false
	}
	o.Value = v
	if printed {
		o.Raw = c.shown()
	}
	return true, true
}

// cellValue returns the figure a number cell holds for the indicator.
func cellValue(c cellInfo, ind *indInfo) (float64, error) {
	switch c.kind {
	case cellNumber:
		return c.num, nil
	case cellPercent:
		if ind.Kind != chiso.KindPercent {
			return 0, problem("percent_cell",
				"the cell is formatted as a percentage, but %s is measured in %s: format the column as Number",
				"ô được định dạng phần trăm, nhưng chỉ tiêu %s tính bằng %s: hãy định dạng cột là Number (Số)",
				ind.Code, ind.Unit)
		}
		return percentOf(c.num), nil
	case cellDate:
		return 0, problem("date_cell",
			"the cell is a date, not a figure: format the column as Number or Text and type the figure again",
			"ô này là ngày tháng, không phải số liệu: hãy định dạng cột là Number (Số) hoặc Text (Văn bản) rồi nhập lại số liệu")
	case cellBool:
		return 0, problem("bool_cell",
			"the cell holds a yes/no value (TRUE or FALSE), not a figure",
			"ô chứa giá trị đúng/sai (TRUE hoặc FALSE), không phải số liệu")
	}
	return 0, problem("formula_error",
		"the cell holds a formula's error, not a figure: correct the formula or type the figure",
		"ô chứa lỗi của công thức, không phải số liệu: hãy sửa công thức hoặc nhập trực tiếp số liệu")
}

// sheetPeriodErr explains a period cell that the spreadsheet holds as a
// number or a date, which it often makes of a period typed as 2024-08; nil
// for a text cell.
func sheetPeriodErr(c cellInfo) error {
	switch c.kind {
	case cellDate:
		return problem("date_cell",
			"want YYYY, YYYY-H1, YYYY-Q1 or YYYY-MM; the spreadsheet made this cell a date (%s), perhaps of 2024-08: format the column as Text and type the period again",
			"cần dạng YYYY, YYYY-H1, YYYY-Q1 hoặc YYYY-MM; bảng tính đã tự đổi ô này thành ngày tháng (%s), có thể từ 2024-08: hãy định dạng cột là Text (Văn bản) rồi nhập lại kỳ báo cáo",
			quote(c.shown()))
	case cellNumber, cellPercent:
		return problem("number_cell",
			"want YYYY, YYYY-H1, YYYY-Q1 or YYYY-MM; the spreadsheet holds a number here, perhaps a date it made of 2024-08: format the column as text",
			"cần dạng YYYY, YYYY-H1, YYYY-Q1 hoặc YYYY-MM; ô này chứa một số, có thể là ngày tháng bảng tính tự đổi từ 2024-08: hãy định dạng cột là Text (Văn bản)")
	}
	return nil
}
