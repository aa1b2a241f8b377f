package ingest

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// The limits of an XLSX read that Options leaves at zero. A workbook is a
// zip archive of XML parts that can unpack to a thousand times its size;
// these bound the disk, memory and time one import takes.
const (
	// DefaultMaxUnpacked is the most bytes a workbook may unpack to, all its
	// parts together: a sheet of 1,000,000 rows and 8 columns unpacks to
	// about 450 MB when its texts are stored in the cells, and to less with
	// a shared text table.
	DefaultMaxUnpacked = 1 << 30
	// DefaultUnpackInMemory is the largest part unpacked into memory; a
	// larger one goes to a temporary file and is read from there as a
	// stream. excelize holds a table of shared texts in memory at about 400
	// bytes a text (one in a temporary file at about 110), so a 1 MiB table
	// of short texts costs 85 MB where a 16 MiB one would cost 1.3 GB.
	DefaultUnpackInMemory = 1 << 20
	// DefaultMaxCells is the most cells read from a workbook, all sheets
	// together: twice a sheet of 1,000,000 rows and 10 columns.
	DefaultMaxCells = 20_000_000
	// DefaultMaxTexts is the most distinct texts (shared strings) a
	// workbook may hold: a text for every row of two columns of a
	// 1,000,000-row sheet. It bounds the memory excelize takes for them to
	// about 220 MB.
	DefaultMaxTexts = 2_000_000
)

// errLimit stops reading a workbook that is over a limit, which was
// recorded as a problem.
var errLimit = errors.New("over a limit")

// readXLSXReader reads a workbook from r, copied to a temporary file
// first (the format needs random access); a body larger than
// Options.MaxUnpacked is refused without reading the rest of it.
func (rd *reader) readXLSXReader(r io.Reader) error {
	tmp, err := os.CreateTemp("", "chiso-import-*.xlsx")
	if err != nil {
		return fmt.Errorf("read %s: %w", rd.name, err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	limit := rd.maxUnpacked()
	n, err := io.Copy(tmp, io.LimitReader(r, limit+1))
	if err != nil {
		return fmt.Errorf("read %s: %w", rd.name, err)
	}
	if n > limit {
		rd.add(&Error{File: rd.name, Err: problem("too_large",
			"the file is larger than %s, the most an import reads: split it into smaller files, by sheet or by year, or save the sheets as CSV",
			"tệp lớn hơn %s, mức tối đa một lần nhập: hãy tách thành các tệp nhỏ hơn theo trang tính hoặc theo năm, hoặc lưu các trang tính thành CSV",
			megabytes(limit))})
		return nil
	}
	return rd.readXLSXFile(tmp.Name())
}

// readXLSXFile reads the workbook at path: excelize reads the cells'
// texts and formats, and a scan of each worksheet's XML their types,
// styles and stored values, row by row in step.
func (rd *reader) readXLSXFile(path string) error {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return fmt.Errorf("read %s: %w", rd.name, err)
	}
	defer zr.Close()
	files := zipFiles(&zr.Reader)
	parts, err := sheetParts(files)
	if err != nil {
		return fmt.Errorf("read %s: %w", rd.name, err)
	}
	if !rd.checkUnpacked(zr.File, parts) || !rd.checkInMemory(zr.File) || !rd.checkTexts(files) {
		return nil
	}
	limit := rd.maxUnpacked()
	f, err := excelize.OpenFile(path, excelize.Options{UnzipSizeLimit: limit, UnzipXMLSizeLimit: min(limit, rd.unpackInMemory())})
	if err != nil {
		return fmt.Errorf("read %s: %w", rd.name, err)
	}
	defer f.Close()
	wb := &workbook{f: f, bk: newBook(f, rd.opts.Locale), files: files, parts: parts, cells: rd.maxCells()}
	return rd.readWorkbook(wb)
}

// workbook is an open XLSX file being read.
type workbook struct {
	f     *excelize.File
	bk    *book
	files map[string]*zip.File // the package's parts by lower-case name
	parts map[string]string    // each sheet's part
	cells int                  // cells the workbook may still have
}

// maxInMemory is the most a workbook's parts that excelize holds in memory
// may unpack to, all together: every part but the worksheets and the
// shared texts larger than Options.UnpackInMemory, which it reads from
// temporary files. Styles, drawings and a few pictures take some
// megabytes; excelize holds these parts up to three times over.
const maxInMemory = 64 << 20

// checkInMemory refuses a workbook whose parts that excelize holds in
// memory unpack to more than maxInMemory: a 900 MB part under a name
// excelize does not stream would take gigabytes.
func (rd *reader) checkInMemory(files []*zip.File) bool {
	var total uint64
	largest, part := uint64(0), ""
	for _, f := range files {
		name := strings.ToLower(strings.ReplaceAll(f.Name, `\`, "/"))
		streamed := name == "xl/sharedstrings.xml" || strings.HasPrefix(name, "xl/worksheets/sheet")
		if streamed && f.UncompressedSize64 > uint64(rd.unpackInMemory()) {
			continue
		}
		total += f.UncompressedSize64
		if f.UncompressedSize64 > largest {
			largest, part = f.UncompressedSize64, strings.ReplaceAll(f.Name, `\`, "/")
		}
	}
	if total <= maxInMemory {
		return true
	}
	rd.add(&Error{File: rd.name, Err: problem("too_large",
		"the workbook's parts read into memory (all but its large sheets and shared texts) unpack to %s (%s alone to %s), more than the %s an import holds in memory: remove pictures and other objects, or save the sheets as CSV",
		"các phần của tệp bảng tính được đọc vào bộ nhớ (trừ các trang tính lớn và bảng văn bản dùng chung) khi giải nén chiếm %s (riêng %s chiếm %s), vượt mức %s một lần nhập giữ trong bộ nhớ: hãy bỏ hình ảnh và các đối tượng khác, hoặc lưu các trang tính thành CSV",
		megabytes(int64(min(total, 1<<62))), quote(part), megabytes(int64(min(largest, 1<<62))), megabytes(maxInMemory))})
	return false
}

// checkUnpacked refuses a workbook whose parts unpack to more than
// Options.MaxUnpacked, naming the largest worksheet. The sizes are those
// the archive declares, which the zip reader holds each part to.
func (rd *reader) checkUnpacked(files []*zip.File, parts map[string]string) bool {
	var total, largest uint64
	var part string
	for _, f := range files {
		total += f.UncompressedSize64
		if f.UncompressedSize64 > largest {
			largest, part = f.UncompressedSize64, strings.ReplaceAll(f.Name, `\`, "/")
		}
	}
	limit := rd.maxUnpacked()
	if total <= uint64(limit) {
		return true
	}
	err := problem("too_large",
		"the workbook unpacks to %s, more than the %s an import reads: split it into smaller files, by sheet or by year, or save the sheets as CSV",
		"tệp bảng tính khi giải nén chiếm %s, vượt mức %s của một lần nhập: hãy tách thành các tệp nhỏ hơn theo trang tính hoặc theo năm, hoặc lưu các trang tính thành CSV",
		megabytes(int64(min(total, 1<<62))), megabytes(limit))
	for name, p := range parts {
		if strings.EqualFold(p, part) {
			err = problem("too_large",
				"the workbook unpacks to %s (sheet %s alone to %s), more than the %s an import reads: split it into smaller files, by sheet or by year, or save the sheets as CSV",
				"tệp bảng tính khi giải nén chiếm %s (riêng trang tính %s chiếm %s), vượt mức %s của một lần nhập: hãy tách thành các tệp nhỏ hơn theo trang tính hoặc theo năm, hoặc lưu các trang tính thành CSV",
				megabytes(int64(min(total, 1<<62))), quote(name), megabytes(int64(min(largest, 1<<62))), megabytes(limit))
		}
	}
	rd.add(&Error{File: rd.name, Err: err})
	return false
}

// checkTexts refuses a workbook whose table of shared texts holds more
// than Options.MaxTexts, or a text longer than a cell can hold, before
// excelize reads it.
func (rd *reader) checkTexts(files map[string]*zip.File) bool {
	f, ok := files["xl/sharedstrings.xml"]
	if !ok {
		return true
	}
	rc, err := f.Open()
	if err != nil {
		return true // excelize says what is wrong with it
	}
	limit := rd.maxTexts()
	n, err := countTags(rc, "si", limit)
	if errors.Is(err, errTextTooLong) {
		rd.add(&Error{File: rd.name, Err: problem("too_large",
			fmt.Sprintf("the workbook holds a text of more than %s, far longer than a spreadsheet's cells hold (32,767 characters): the file is damaged or was not made by a spreadsheet program", megabytes(maxTextXML)),
			fmt.Sprintf("tệp bảng tính chứa một đoạn văn bản dài hơn %s, dài hơn nhiều so với giới hạn của một ô bảng tính (32.767 ký tự): tệp bị hỏng hoặc không do phần mềm bảng tính tạo ra", megabytes(maxTextXML)))})
		return false
	}
	if err != nil || n <= limit {
		return true
	}
	rd.add(&Error{File: rd.name, Err: problem("too_large",
		fmt.Sprintf("the workbook holds more than %s distinct texts, the most an import reads: split it into smaller files, by sheet or by year, or save the sheets as CSV", formatCount(limit, "en")),
		fmt.Sprintf("tệp bảng tính chứa hơn %s đoạn văn bản khác nhau, vượt mức tối đa của một lần nhập: hãy tách thành các tệp nhỏ hơn theo trang tính hoặc theo năm, hoặc lưu các trang tính thành CSV", formatCount(limit, "vi")))})
	return false
}

// megabytes prints a size in whole megabytes (MiB), rounded up.
func megabytes(n int64) string {
	return strconv.FormatInt((n+1<<20-1)>>20, 10) + " MB"
}

func (rd *reader) maxUnpacked() int64 { return positiveOr(rd.opts.MaxUnpacked, DefaultMaxUnpacked) }
func (rd *reader) unpackInMemory() int64 {
	return positiveOr(rd.opts.UnpackInMemory, DefaultUnpackInMemory)
}
func (rd *reader) maxTexts() int { return positiveOr(rd.opts.MaxTexts, DefaultMaxTexts) }
func (rd *reader) maxCells() int { return positiveOr(rd.opts.MaxCells, DefaultMaxCells) }

// positiveOr returns v, or def when v is not positive (an Options limit
// left at zero).
func positiveOr[T int | int64](v, def T) T {
	if v > 0 {
		return v
	}
	return def
}

// readWorkbook reads opts.Sheet, or every sheet; each sheet has its own
// header in its first non-empty row.
func (rd *reader) readWorkbook(wb *workbook) error {
	sheets := wb.f.GetSheetList()
	if rd.opts.Sheet != "" {
		if indexOf(sheets, rd.opts.Sheet) < 0 {
			rd.add(&Error{File: rd.name, Err: problem("no_sheet", "no sheet %s (the workbook has %s)", "không có trang tính %s (tệp có %s)",
				quote(rd.opts.Sheet), strings.Join(sheets, ", "))})
			return nil
		}
		sheets = []string{rd.opts.Sheet}
	}
	for _, sheet := range sheets {
		err := rd.readSheet(wb, sheet)
		if errors.Is(err, errLimit) {
			return nil
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// readSheet streams one worksheet's rows. Each cell's text is read
// unformatted (a number cell gives its stored value, 1307.44, whatever its
// format), and rw.cell says what the cell is: text, a number, a
// percentage, a date … as the scan of the sheet's XML found it.
func (rd *reader) readSheet(wb *workbook, sheet string) error {
	sc, err := wb.scanner(sheet)
	if err != nil {
		return fmt.Errorf("read %s sheet %s: %w", rd.name, sheet, err)
	}
	defer sc.Close()
	rows, err := wb.f.Rows(sheet)
	if err != nil {
		return fmt.Errorf("read %s sheet %s: %w", rd.name, sheet, err)
	}
	defer rows.Close()
	var lay *layout
	rw := &row{sheet: sheet}
	cells := &rowCells{bk: wb.bk}
	rw.cell = cells.info
	rw.number = func(field int) bool {
		k := cells.info(field).kind
		return k == cellNumber || k == cellPercent || k == cellDate
	}
	for n := 1; ; n++ {
		// the scan first, so that no row over a limit, nor the text before
		// it, is read by excelize
		metas, err := sc.rowCells(n)
		if err != nil {
			return rd.scanErr(sheet, n, err)
		}
		if !rows.Next() {
			break
		}
		cells.set(metas)
		fields, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return fmt.Errorf("read %s sheet %s row %d: %w", rd.name, sheet, n, err)
		}
		if blank(fields) {
			continue
		}
		rw.fields, rw.line = fields, n
		if lay == nil {
			rw.idx = new([nLong]int)
			l, ok := rd.header(fields, rw)
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

// scanner opens the scan of a sheet's XML.
func (wb *workbook) scanner(sheet string) (*sheetScanner, error) {
	f, ok := wb.files[strings.ToLower(wb.parts[sheet])]
	if !ok {
		return nil, errors.New("the workbook has no part for the sheet")
	}
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	return newSheetScanner(rc, &wb.cells), nil
}

// scanErr records a sheet over a limit, or returns the scan's error.
func (rd *reader) scanErr(sheet string, n int, err error) error {
	kind, en, vi := "too_large", "", ""
	switch {
	case errors.Is(err, errTooManyCells):
		max := rd.maxCells()
		en = fmt.Sprintf("the workbook has more than %s cells, the most an import reads: split it into smaller files, by sheet or by year, or save the sheets as CSV", formatCount(max, "en"))
		vi = fmt.Sprintf("tệp bảng tính có hơn %s ô, vượt mức tối đa của một lần nhập: hãy tách thành các tệp nhỏ hơn theo trang tính hoặc theo năm, hoặc lưu các trang tính thành CSV", formatCount(max, "vi"))
	case errors.Is(err, errRowTooLarge):
		en = fmt.Sprintf("the row, with what follows it up to the next row, is more than %s of XML: a cell holds a text far longer than a spreadsheet's cells (32,767 characters), or the file is damaged", megabytes(maxRowXML))
		vi = fmt.Sprintf("dòng này, kể cả phần đứng sau nó cho đến dòng kế tiếp, chiếm hơn %s XML: có ô chứa văn bản dài hơn nhiều so với giới hạn của một ô bảng tính (32.767 ký tự), hoặc tệp bị hỏng", megabytes(maxRowXML))
	case errors.Is(err, errTooWide):
		kind = "damaged_file"
		en = "the row has cells beyond column XFD, the last a spreadsheet has: the file is damaged or was not made by a spreadsheet program"
		vi = "dòng này có ô nằm sau cột XFD, cột cuối cùng của bảng tính: tệp bị hỏng hoặc không do phần mềm bảng tính tạo ra"
	default:
		return fmt.Errorf("read %s sheet %s row %d: %w", rd.name, sheet, n, err)
	}
	rd.add(&Error{File: rd.name, Sheet: sheet, Line: n, Err: problem(kind, en, vi)})
	return errLimit
}

// rowCells finds the cells of the row being read by column.
type rowCells struct {
	bk    *book
	metas []cellMeta
	byCol []int32 // index into metas by column, -1 for none
}

// set takes the cells of the next row.
func (rc *rowCells) set(metas []cellMeta) {
	rc.metas = metas
	width := 0
	for _, m := range metas {
		width = max(width, m.col)
	}
	rc.byCol = rc.byCol[:0]
	for range width + 1 {
		rc.byCol = append(rc.byCol, -1)
	}
	for i, m := range metas {
		rc.byCol[m.col] = int32(i)
	}
}

// info describes the cell of field, the 0-based column; a field without a
// cell is text.
func (rc *rowCells) info(field int) cellInfo {
	col := field + 1
	if field < 0 || col >= len(rc.byCol) || rc.byCol[col] < 0 {
		return cellInfo{}
	}
	return rc.bk.info(&rc.metas[rc.byCol[col]])
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
