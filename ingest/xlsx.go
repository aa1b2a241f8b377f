package ingest

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// readXLSXReader reads a workbook from r, which excelize holds in memory.
func (rd *reader) readXLSXReader(r io.Reader) error {
	f, err := excelize.OpenReader(r)
	if err != nil {
		return fmt.Errorf("read %s: %w", rd.name, err)
	}
	defer f.Close()
	return rd.readWorkbook(f)
}

// readXLSXFile reads the workbook at path.
func (rd *reader) readXLSXFile(path string) error {
	f, err := excelize.OpenFile(path)
	if err != nil {
		return fmt.Errorf("read %s: %w", rd.name, err)
	}
	defer f.Close()
	return rd.readWorkbook(f)
}

// readWorkbook reads opts.Sheet, or every sheet; each sheet has its own
// header in its first non-empty row.
func (rd *reader) readWorkbook(f *excelize.File) error {
	sheets := f.GetSheetList()
	if rd.opts.Sheet != "" {
		if indexOf(sheets, rd.opts.Sheet) < 0 {
			rd.add(&Error{File: rd.name, Err: fmt.Errorf("no sheet %q (the workbook has %s)", rd.opts.Sheet, strings.Join(sheets, ", "))})
			return nil
		}
		sheets = []string{rd.opts.Sheet}
	}
	for _, sheet := range sheets {
		if err := rd.readSheet(f, sheet); err != nil {
			return err
		}
	}
	return nil
}

// readSheet streams one worksheet's rows. Cells are read unformatted, so
// a number cell gives its stored value (1307.44) whatever its display
// format, and is taken as that number; a text cell holds a figure as
// printed.
func (rd *reader) readSheet(f *excelize.File, sheet string) error {
	rows, err := f.Rows(sheet)
	if err != nil {
		return fmt.Errorf("read %s sheet %s: %w", rd.name, sheet, err)
	}
	defer rows.Close()
	var lay *layout
	rw := &row{sheet: sheet}
	rw.number = func(field int) bool { return isNumberCell(f, sheet, rw, field) }
	for n := 1; rows.Next(); n++ {
		cells, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return fmt.Errorf("read %s sheet %s row %d: %w", rd.name, sheet, n, err)
		}
		if blank(cells) {
			continue
		}
		rw.fields, rw.line = cells, n
		if lay == nil {
			rw.idx = new([nLong]int)
			l, ok := rd.header(cells, rw)
			if !ok {
				return nil
			}
			lay, rw.idx = &l, &l.idx
			continue
		}
		if err := rd.tableRow(lay, rw); err != nil {
			return err
		}
	}
	if err := rows.Error(); err != nil {
		return fmt.Errorf("read %s sheet %s: %w", rd.name, sheet, err)
	}
	return nil
}

// isNumberCell reports whether a cell holds a number. Only text that a
// number cell could also hold needs the answer, and only a decimal one
// (183.001 is 183001 printed in Vietnamese, 183.001 stored as a number), so
// the worksheet's cell types, which excelize reads in full, are consulted
// only for those.
func isNumberCell(f *excelize.File, sheet string, rw *row, field int) bool {
	if field < 0 || field >= len(rw.fields) {
		return false
	}
	s := rw.fields[field]
	if !strings.ContainsAny(s, ".eE") || strings.ContainsAny(s, ", ") {
		return allDigits(strings.TrimPrefix(s, "-"))
	}
	cell, err := excelize.CoordinatesToCellName(field+1, rw.line)
	if err != nil {
		return false
	}
	t, err := f.GetCellType(sheet, cell)
	return err == nil && (t == excelize.CellTypeUnset || t == excelize.CellTypeNumber)
}

// sheetDate reads a spreadsheet's date cell, stored as a serial day number.
func sheetDate(s string) (time.Time, bool) {
	serial, err := strconv.ParseFloat(s, 64)
	if err != nil || serial < 1 || serial > 2958465 { // 9999-12-31
		return time.Time{}, false
	}
	t, err := excelize.ExcelDateToTime(serial, false)
	if err != nil {
		return time.Time{}, false
	}
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC), true
}
