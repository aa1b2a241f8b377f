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
	lim := &lineLimit{r: r, line: 1}
	rd.lines = lim
	br := bufio.NewReaderSize(lim, 64<<10)
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
		} else if errors.Is(err, errLineTooLong) {
			return rd.csvError(err)
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
	if errors.Is(err, errLineTooLong) {
		rd.add(&Error{File: rd.name, Line: rd.lines.line, Err: errLineTooLong})
		return nil
	}
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

// maxLine is the longest line of a CSV file, in bytes: a table's row is a
// few hundred bytes, a wide one with a thousand columns some tens of
// kilobytes. A longer line is refused before it is held in memory whole.
const maxLine = 1 << 20

var errLineTooLong = problem("line_too_long",
	"a line longer than 1 MiB: not a table chiso reads (is it the right file?)",
	"dòng dài hơn 1 MiB: không phải bảng số liệu chiso đọc được (có đúng tệp không?)")

// lineLimit passes a CSV file through, failing once a line (counted
// between newlines, so a quoted cell's own newlines count too) is longer
// than maxLine; line is the line it is on.
type lineLimit struct {
	r    io.Reader
	run  int // bytes since the last newline
	line int
}

func (l *lineLimit) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	b := p[:n]
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			l.run += len(b)
			break
		}
		l.run, l.line, b = 0, l.line+1, b[i+1:]
	}
	if l.run > maxLine {
		return n, errLineTooLong
	}
	return n, err
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
