package ingest

import (
	"strings"

	"github.com/chiso-vn/chiso"
)

// layout is how a table's header maps its columns: long (one row per
// observation, found by a value column) or wide (one row per indicator and
// area, one column per period).
type layout struct {
	long    bool
	idx     [nLong]int  // field of each long column (wide: indicator, area, source, method), -1 if absent
	periods []periodCol // wide: the period columns
	trusted bool        // the exact header CSVWriter writes
}

// periodCol is a column of the wide layout.
type periodCol struct {
	field  int
	name   string // the header as written: 2024-H1, Năm 2022, Quý III/2024
	period chiso.Period
}

// wideIgnored are descriptive columns a department spreadsheet may carry
// beside the period columns (by canonical name, see headerAliases; no is
// the row number, STT).
var wideIgnored = []string{"name", "name_vi", "name_en", "note", "notes", "no"}

// header reads a table's header row; problems are recorded against rw.
func (rd *reader) header(fields []string, rw *row) (layout, bool) {
	var lay layout
	for i := range lay.idx {
		lay.idx[i] = -1
	}
	fields, rd.colUnits = headerUnits(fields)
	plain := plainHeaders(fields)
	names := canonicalHeaders(plain)
	rd.nameCols = nameColumns(plain, names)
	lay.long = contains(names, "value")
	before := rd.errs.Len()
	for i, n := range names {
		rd.headerColumn(&lay, rw, i, strings.TrimSpace(strings.TrimPrefix(fields[i], "\ufeff")), n)
	}
	rd.requireColumns(&lay, rw, strings.Join(fields, ","))
	lay.trusted = lay.long && isExportHeader(plain)
	return lay, rd.errs.Len() == before
}

// headerUnits splits a unit off the headers that end with one in
// brackets ("Giá trị (triệu đồng)", "2022 (tỷ đồng)"), returning the headers
// without it and the units by field; a bracket that holds no unit stays.
func headerUnits(fields []string) ([]string, map[int]*unitSpec) {
	var units map[int]*unitSpec
	out := fields
	for i, f := range fields {
		t := strings.TrimSpace(f)
		open := strings.LastIndexByte(t, '(')
		if open <= 0 || !strings.HasSuffix(t, ")") {
			continue
		}
		u, err := parseUnit(t[open+1 : len(t)-1])
		if err != nil || (!u.percent && u.scale == 0 && u.currency == "" && u.noun == "") {
			continue
		}
		if units == nil {
			units, out = map[int]*unitSpec{}, append([]string(nil), fields...)
		}
		units[i], out[i] = &u, strings.TrimSpace(t[:open])
	}
	return out, units
}

// headerColumn places one column of the header: text as written, n its
// canonical name ("" for a name column beside its code column, ignored).
func (rd *reader) headerColumn(lay *layout, rw *row, i int, text, n string) {
	col := indexOf(longNames[:], n)
	switch {
	case n == "":
	case col >= 0 && lay.idx[col] >= 0:
		rd.fail(rw, i, "column", text, problem("duplicate_column",
			"duplicate column: a second %[1]s column (the first is field %[3]d)", "trùng cột: cột %[2]s thứ hai (cột thứ nhất là cột %[3]d)",
			n, vietnameseHeader(n), lay.idx[col]+1))
	case col >= 0 && (lay.long || col == colIndicator || col == colArea || col == colSource || col == colMethod || col == colUnit):
		lay.idx[col] = i
	case lay.long:
		rd.fail(rw, i, "column", text, problem("unknown_column",
			"unknown column (want %[1]s, or in Vietnamese Chỉ tiêu, Tỉnh, Kỳ, Giá trị, Nguồn, Phương pháp)",
			"không nhận ra cột này (cần %[1]s, hoặc bằng tiếng Việt: Chỉ tiêu, Tỉnh, Kỳ, Giá trị, Nguồn, Phương pháp)",
			strings.Join(longNames[:], ", ")))
	case contains(wideIgnored, n):
	default:
		p, err := parsePeriodWords(text)
		if err != nil {
			rd.fail(rw, i, "column", text, problem("unknown_column",
				"neither a period (2024, Năm 2024, 2024-H1, 6 tháng đầu năm 2024, Quý III/2024, Tháng 8/2024) nor a column chiso knows (Chỉ tiêu, Tỉnh, Nguồn, Phương pháp, Đơn vị tính, Ghi chú, STT)",
				"không phải là kỳ (2024, Năm 2024, 2024-H1, 6 tháng đầu năm 2024, Quý III/2024, Tháng 8/2024) cũng không phải cột đã biết (Chỉ tiêu, Tỉnh, Nguồn, Phương pháp, Đơn vị tính, Ghi chú, STT)"))
			return
		}
		for _, pc := range lay.periods {
			if pc.period == p {
				rd.fail(rw, i, "column", text, problem("duplicate_column",
					"a second column for %s (the first is %s, field %d)", "cột thứ hai cho kỳ %s (cột thứ nhất là %s, cột %d)",
					p.String(), quote(pc.name), pc.field+1))
				return
			}
		}
		lay.periods = append(lay.periods, periodCol{field: i, name: text, period: p})
	}
}

// requireColumns checks that the layout has the columns it needs; header
// is the header row, for errors.
func (rd *reader) requireColumns(lay *layout, rw *row, header string) {
	need := []int{colIndicator, colArea}
	if lay.long {
		need = append(need, colPeriod, colValue)
	}
	for _, col := range need {
		if lay.idx[col] < 0 {
			vi := vietnameseHeaders(longNames[col])
			rd.fail(rw, -1, "header", header, problem("missing_column",
				"no %[1]s column (headed %[1]s, or in Vietnamese %[2]s)", "thiếu cột %[3]s (tiêu đề %[2]s, hoặc %[1]s)",
				longNames[col], strings.Join(vi[:min(len(vi), 3)], ", "), vi[0]))
		}
	}
	if !lay.long && len(lay.periods) == 0 {
		rd.fail(rw, -1, "header", header, problem("missing_column",
			"neither long (a value or Giá trị column) nor wide (period columns such as 2023, Năm 2023, 2024-H1, 6 tháng đầu năm 2024)",
			"không phải bảng dọc (có cột Giá trị hoặc value) cũng không phải bảng ngang (có các cột kỳ như 2023, Năm 2023, 2024-H1, 6 tháng đầu năm 2024)"))
	}
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

// isExportHeader reports whether names are exactly the columns CSVWriter
// writes, in its order.
func isExportHeader(names []string) bool {
	n := len(names)
	if n != colMethod+1 && n != colIngestedAt+1 {
		return false
	}
	for i, name := range names {
		if longNames[i] != name {
			return false
		}
	}
	return true
}

// wideRow reads one row of the wide layout: an observation for every
// non-empty period cell.
func (rd *reader) wideRow(rw *row, cols []periodCol) error {
	ind := rd.indicator(rw, rw.idx[colIndicator], rw.get(colIndicator))
	field, name := rw.idx[colArea], rw.get(colArea)
	shared := rd.sharedAreaName(name) // told apart in each period column
	var area *areaInfo
	if !shared {
		area = rd.area(rw, field, name, "")
	}
	if ind == nil || (area == nil && !shared) || !rd.namesAgree(rw, ind, area) {
		return nil
	}
	base := chiso.Observation{Indicator: ind.Code,
		Source: rd.intern(rw.get(colSource), rd.source), Method: rd.intern(rw.get(colMethod), "")}
	for _, pc := range cols {
		if pc.field >= len(rw.fields) || strings.TrimSpace(rw.fields[pc.field]) == "" {
			continue
		}
		if shared {
			if area = rd.area(rw, field, name, pc.name); area == nil {
				continue
			}
		}
		o := base
		o.Area, o.Period = area.Code, pc.period
		if !area.holds(pc.period) {
			rd.fail(rw, pc.field, pc.name, rw.fields[pc.field], rd.notHeld(area, pc.period))
			continue
		}
		if !rd.printedValue(rw, pc.field, pc.name, ind, &o) {
			continue
		}
		if err := rd.send(rw, pc.field, pc.name, rw.fields[pc.field], o); err != nil {
			return err
		}
	}
	return nil
}

// tableRow reads one data row of a table in its layout.
func (rd *reader) tableRow(lay *layout, rw *row) error {
	if lay.long {
		return rd.longRow(rw)
	}
	return rd.wideRow(rw, lay.periods)
}

func blank(fields []string) bool {
	for _, f := range fields {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}
