package ingest

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
)

// readCSV reads a CSV file in the long or the wide layout. The separator
// is a comma, or a semicolon or tab when the header uses one instead (as
// spreadsheets set to Vietnamese write); a byte-order mark is ignored.
func (rd *reader) readCSV(r io.Reader) error {
	br := bufio.NewReaderSize(r, 64<<10)
	cr := csv.NewReader(br)
	cr.Comma = sniffComma(br)
	cr.ReuseRecord = true
	lay, ok, err := rd.csvHeader(cr)
	if !ok || err != nil {
		return err
	}
	rw := &row{idx: &lay.idx, exact: lay.trusted}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		} else if err != nil {
			if err = rd.csvError(err); err != nil {
				return err
			}
			continue
		}
		if blank(rec) {
			continue
		}
		rw.fields = rec
		rw.line, _ = cr.FieldPos(0)
		if err := rd.tableRow(&lay, rw); err != nil {
			return err
		}
	}
}

// csvHeader reads the header row; ok is false when it has problems, which
// are recorded.
func (rd *reader) csvHeader(cr *csv.Reader) (lay layout, ok bool, err error) {
	header, err := cr.Read()
	if err == io.EOF {
		rd.add(&Error{File: rd.name, Line: 1, Err: problem("empty_file", "empty file: want a header row", "tệp rỗng: cần có dòng tiêu đề")})
		return lay, false, nil
	} else if err != nil {
		return lay, false, rd.csvError(err)
	}
	header = append([]string(nil), header...)
	lay, ok = rd.header(header, &row{line: 1, idx: new([nLong]int)})
	cr.FieldsPerRecord = len(header)
	return lay, ok, nil
}

// csvError records a syntax error, or returns a read error.
func (rd *reader) csvError(err error) error {
	var perr *csv.ParseError
	if !errors.As(err, &perr) {
		return fmt.Errorf("read %s: %w", rd.name, err)
	}
	e := &Error{File: rd.name, Line: perr.Line, Column: perr.Column, Err: perr.Err}
	switch {
	case errors.Is(perr.Err, csv.ErrFieldCount):
		e.Column = 0
		e.Err = problem("field_count",
			"wrong number of fields: want as many as the header has (a figure with a comma, such as 1,310, must be in double quotes)",
			"số cột không đúng: phải bằng số cột của dòng tiêu đề (số có dấu phẩy như 1,310 phải đặt trong ngoặc kép)")
	case errors.Is(perr.Err, csv.ErrQuote):
		e.Err = problem("bad_csv", "a double quote is missing or extra in a quoted field (write \"\" for a quote inside it)",
			"thiếu hoặc thừa dấu ngoặc kép trong ô có ngoặc kép (viết \"\" cho một dấu ngoặc kép bên trong)")
	case errors.Is(perr.Err, csv.ErrBareQuote):
		e.Err = problem("bad_csv", "a double quote inside a field that does not start with one: put the whole field in double quotes",
			"dấu ngoặc kép nằm trong ô không bắt đầu bằng ngoặc kép: hãy đặt cả ô trong ngoặc kép")
	}
	rd.add(e)
	return nil
}

// sniffComma picks the separator the first line uses most: comma,
// semicolon or tab.
func sniffComma(br *bufio.Reader) rune {
	head, _ := br.Peek(4096)
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		head = head[:i]
	}
	best, n := ',', bytes.Count(head, []byte{','})
	for _, c := range []rune{';', '\t'} {
		if k := bytes.Count(head, []byte{byte(c)}); k > n {
			best, n = c, k
		}
	}
	return best
}
