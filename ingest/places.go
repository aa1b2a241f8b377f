package ingest

import (
	"errors"
	"strconv"

	"github.com/chiso-vn/chiso"
)

// Places remembers where a read found its figures: each observation's
// Origin encodes its sheet, line and field, and Places names them. A
// store that learns of a repeated cell while the reader is already further
// on (the command line stores on one goroutine while another reads) hands
// the problem to Add, and Merge adds it to the read's own problems, both
// places named. Give the same Places to Read through Options.Places.
type Places struct {
	file, lang string
	sheets     []string // the worksheets seen, by index - 1
	late       ErrorList
}

// origin encodes a field's place: the sheet's index, the line and the
// field number.
func (p *Places) origin(sheet string, line, field int) int64 {
	s := 0
	if sheet != "" {
		s = p.sheetIndex(sheet)
	}
	return 1 + int64(s)<<48 + int64(min(line, 1<<27))<<20 + int64(min(max(field+1, 0), 1<<20-1))
}

// sheetIndex returns a number for the worksheet, 1 for the first seen.
func (p *Places) sheetIndex(sheet string) int {
	for i, s := range p.sheets {
		if s == sheet {
			return i + 1
		}
	}
	if len(p.sheets) >= 1<<14 {
		return 0
	}
	p.sheets = append(p.sheets, sheet)
	return len(p.sheets)
}

// decode splits an origin into its sheet (empty for none), line and
// 1-based field; ok is false for an unknown origin.
func (p *Places) decode(origin int64) (sheet string, line, field int, ok bool) {
	if origin <= 0 {
		return "", 0, 0, false
	}
	origin--
	s, line, field := int(origin>>48), int(origin>>20&(1<<28-1)), int(origin&(1<<20-1))
	if s > 0 && s <= len(p.sheets) {
		sheet = p.sheets[s-1]
	}
	return sheet, line, field, true
}

// place names an origin as an error does: "line 3" or "Sheet1!C7"; empty
// when unknown.
func (p *Places) place(origin int64, lang string) string {
	sheet, line, field, ok := p.decode(origin)
	switch {
	case !ok:
		return ""
	case sheet != "" && field > 0:
		return sheet + "!" + columnName(field) + strconv.Itoa(line)
	case lang == "en":
		return "line " + strconv.Itoa(line)
	}
	return "dòng " + strconv.Itoa(line)
}

// Add records err when it is a repeated cell reported by emit after the
// reader had gone on (a store.RepeatedCell), and reports whether it was
// one.
func (p *Places) Add(err error) bool {
	var rep interface {
		repeated
		error
	}
	if !errors.As(err, &rep) {
		return false
	}
	var o chiso.Observation
	if ob, ok := rep.(interface{ Figure() chiso.Observation }); ok {
		o = ob.Figure()
	}
	earlier, v, q := rep.RepeatedAt()
	sheet, line, field, _ := p.decode(o.Origin)
	text := o.Raw // the cell as written, for a figure read as printed
	if text == "" {
		text = FormatNumber(o.Value, English)
	}
	e := &Error{File: p.file, Sheet: sheet, Line: line, Column: field, Field: "value", Value: text,
		Err: p.repeatedCell(o, earlier, v, q), Lang: p.lang}
	p.late.Lang = p.lang
	p.late.Add(e)
	return true
}

// Merge returns the read's result err with the problems Add recorded: an
// *ErrorList holding both, err itself when it is no list of problems, or
// nil when there were none.
func (p *Places) Merge(err error) error {
	if p.late.Len() == 0 {
		return err
	}
	var list *ErrorList
	switch {
	case err == nil:
		return &p.late
	case errors.As(err, &list):
		for _, e := range p.late.Errors {
			list.Add(e)
		}
		return list
	}
	return err
}

// ErrorAt returns a problem with the row an observation was read from: its
// file, worksheet and line, the field named and the text given; the column
// is left out, for the figure's column is not the field's.
func (p *Places) ErrorAt(o chiso.Observation, field, value string, err error) *Error {
	sheet, line, _, _ := p.decode(o.Origin)
	return &Error{File: p.file, Sheet: sheet, Line: line, Field: field, Value: value, Err: err, Lang: p.lang}
}
