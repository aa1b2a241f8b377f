package main

import (
	"bufio"
	"io"
	"iter"
	"math"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/checks"
	"github.com/chiso-vn/chiso/ingest"
)

// The eval command prints its findings as it reads them from the engine's
// compact records: a million findings written as one []chiso.Finding and
// then as one JSON document cost more memory and time than evaluating them.
// Both formats write exactly what encoding/json and text/tabwriter wrote
// before (held by the tests), by hand.

// outputBuffer is the size of the writer's buffer in bytes.
const outputBuffer = 64 << 10

// writeFindingsJSON writes the findings as a JSON array indented by two
// spaces, as encoding/json's Encoder with SetIndent("", "  ") writes a
// []chiso.Finding: each finding as Finding.MarshalJSON writes it, so its
// strings escape <, > and & as json.Marshal does.
func writeFindingsJSON(w io.Writer, fs iter.Seq[chiso.Finding]) error {
	bw := bufio.NewWriterSize(w, outputBuffer)
	bw.WriteByte('[')
	// Each finding is written after a comma, which the first one drops.
	first := true
	n, err := writeOrdered(bw, fs, func(b []byte, f *chiso.Finding) []byte {
		b = append(b, ",\n  {\n"...)
		b = appendFindingJSON(b, f)
		return append(b, "\n  }"...)
	}, func(chunk []byte) []byte {
		if first {
			first = false
			return chunk[1:]
		}
		return chunk
	})
	if err != nil {
		return err
	}
	if n == 0 {
		bw.WriteString("]\n")
	} else {
		bw.WriteString("\n]\n")
	}
	return bw.Flush()
}

// appendFindingJSON appends the fields of a finding, one a line indented by
// four spaces, without the braces.
func appendFindingJSON(b []byte, f *chiso.Finding) []byte {
	b = appendJSONField(b, "rule", f.Rule, true)
	b = appendJSONField(b, "group", f.Group, false)
	b = appendJSONField(b, "check", f.Check, false)
	b = appendJSONField(b, "diagnosis", string(f.Diagnosis), false)
	b = appendJSONField(b, "severity", string(f.Severity), false)
	b = appendJSONField(b, "status", string(f.Status), false)
	b = appendJSONField(b, "indicator", f.Indicator, false)
	b = appendJSONField(b, "area", f.Area, false)
	b = append(b, ",\n    \"period\": "...)
	if f.Period.IsZero() {
		b = append(b, "null"...)
	} else {
		b = appendJSONString(b, f.Period.String())
	}
	b = append(b, ",\n    \"value\": "...)
	b = appendJSONNumber(b, f.Value)
	if f.Qualifier != chiso.Exact { // omitempty, as findingJSON says
		b = appendJSONField(b, "qualifier", f.Qualifier.String(), false)
	}
	b = append(b, ",\n    \"expected\": "...)
	b = appendJSONNumber(b, f.Expected)
	b = appendJSONField(b, "message", f.Text(), false)
	if f.Source != "" {
		b = appendJSONField(b, "source", f.Source, false)
	}
	if f.DataID != 0 {
		b = append(b, ",\n    \"data_id\": "...)
		b = strconv.AppendInt(b, f.DataID, 10)
	}
	return b
}

// appendJSONField appends "key": "value", after a comma unless first.
func appendJSONField(b []byte, key, value string, first bool) []byte {
	if !first {
		b = append(b, ',', '\n')
	}
	b = append(b, "    \""...)
	b = append(b, key...)
	b = append(b, "\": "...)
	return appendJSONString(b, value)
}

// appendJSONNumber appends a number as encoding/json writes a float64
// (exponent form below 1e-6 and from 1e21, without a leading zero in the
// exponent), or null for NaN and the infinities.
func appendJSONNumber(b []byte, v float64) []byte {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return append(b, "null"...)
	}
	format := byte('f')
	if a := math.Abs(v); a != 0 && (a < 1e-6 || a >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, v, format, -1, 64)
	if n := len(b); format == 'e' && n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
		b[n-2] = b[n-1] // e-07 → e-7
		b = b[:n-1]
	}
	return b
}

const hexDigits = "0123456789abcdef"

// jsonPlain tells the ASCII characters that a JSON string holds as they
// are: not a control character, a quote, a backslash, <, > or &.
var jsonPlain = func() (t [utf8.RuneSelf]bool) {
	for c := ' '; c < utf8.RuneSelf; c++ {
		t[c] = !strings.ContainsRune(`"\<>&`, c)
	}
	return t
}()

// appendJSONString appends s quoted as json.Marshal quotes it: control
// characters, <, > and & as escapes, invalid UTF-8 as U+FFFD, and the line
// and paragraph separators U+2028 and U+2029 escaped.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0 // of the bytes not yet appended
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if jsonPlain[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// tableHeader names the table's columns.
var tableHeader = [tableColumns]string{"SEVERITY", "STATUS", "DIAGNOSIS", "AREA", "INDICATOR", "PERIOD", "VALUE",
	"EXPECTED", "RULE", "MESSAGE"}

// tableColumns is the number of columns; the last, the message, is not
// padded.
const tableColumns = 10

// tablePadding is the number of spaces after the widest cell of a column.
const tablePadding = 2

// writeFindingsTable writes the findings as a table whose columns are as
// wide as their widest cell plus two spaces (as text/tabwriter aligned
// them). It reads the findings twice: once for the widths, without writing
// their messages, and once to print them, so that it holds one row at a
// time. Tabs, vertical tabs, form feeds and line breaks in a cell are
// printed as spaces: they would break the columns (and a byte 0xff, never
// in valid UTF-8, is printed as it is, where tabwriter took it for its
// escape character).
//
// figure, when not nil, writes the VALUE and EXPECTED cells (a figure as
// published, with its qualifier and unit); nil writes plain numbers.
func writeFindingsTable(w io.Writer, fs iter.Seq[chiso.Finding], figure figureFormat) error {
	var widths [tableColumns - 1]int
	for i := range widths {
		widths[i] = utf8.RuneCountInString(tableHeader[i])
	}
	row := tableRow{figure: figure}
	for f := range fs {
		row.fill(&f, false)
		for i := range widths {
			widths[i] = max(widths[i], utf8.RuneCount(row.cell(i)))
		}
	}
	bw := bufio.NewWriterSize(w, outputBuffer)
	bw.Write(row.header().appendLine(nil, &widths))
	var rows sync.Pool // of *tableRow: the formatters run side by side
	_, err := writeOrdered(bw, fs, func(b []byte, f *chiso.Finding) []byte {
		r, _ := rows.Get().(*tableRow)
		if r == nil {
			r = &tableRow{figure: figure}
		}
		b = r.fill(f, true).appendLine(b, &widths)
		rows.Put(r)
		return b
	}, nil)
	if err != nil {
		return err
	}
	return bw.Flush()
}

// tableRow is the text of one row's cells, reused from row to row.
type tableRow struct {
	text   []byte
	ends   [tableColumns]int // of each cell in text
	figure figureFormat      // nil: plain numbers
}

// figureFormat appends a finding's figure (expected false: its value, with
// its qualifier) or the figure it was judged against (expected true) as
// people read it, with the indicator's unit; NaN as "-".
type figureFormat func(b []byte, f *chiso.Finding, expected bool) []byte

// catalogueFigures writes figures with the catalogue's units in the
// language of the messages, every digit kept: "trên 95%", "gần 1.900 vị
// trí", "nearly 1,900 sites".
func catalogueFigures(cat *chiso.Catalogue, lang string) figureFormat {
	units := make(map[string]string, len(cat.Indicators))
	for _, ind := range cat.Indicators {
		units[ind.Code] = ind.Unit
	}
	loc := ingest.Locale(lang)
	return func(b []byte, f *chiso.Finding, expected bool) []byte {
		v, q := f.Value, f.Qualifier
		if expected {
			v, q = f.Expected, chiso.Exact
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return append(b, '-')
		}
		return append(b, checks.FigureText(ingest.FormatNumber(v, loc), q, units[f.Indicator], lang)...)
	}
}

// cell returns the i-th cell's text.
func (r *tableRow) cell(i int) []byte {
	start := 0
	if i > 0 {
		start = r.ends[i-1]
	}
	return r.text[start:r.ends[i]]
}

// header fills the row with the column names.
func (r *tableRow) header() *tableRow {
	r.text = r.text[:0]
	for i, h := range tableHeader {
		r.text = append(r.text, h...)
		r.ends[i] = len(r.text)
	}
	return r
}

// fill fills the row with a finding's cells; the message only when asked,
// since writing it may cost more than the rest.
func (r *tableRow) fill(f *chiso.Finding, message bool) *tableRow {
	t := r.text[:0]
	k := 0
	end := func() {
		t = blankControls(t, r.endOf(k-1))
		r.ends[k] = len(t)
		k++
	}
	t = append(t, f.Severity...)
	end()
	t = append(t, f.Status...)
	end()
	t = append(t, f.Diagnosis...)
	end()
	t = append(t, f.Area...)
	end()
	t = append(t, f.Indicator...)
	end()
	t = append(t, dash(f.Period.String())...)
	end()
	if r.figure != nil {
		t = r.figure(t, f, false)
		end()
		t = r.figure(t, f, true)
		end()
	} else {
		t = appendTableNumber(t, f.Value)
		end()
		t = appendTableNumber(t, f.Expected)
		end()
	}
	t = append(append(append(t, f.Group...), '/'), f.Rule...)
	end()
	if message {
		t = append(t, f.Text()...)
	}
	end()
	r.text = t
	return r
}

// endOf returns where the i-th cell ends, 0 before the first.
func (r *tableRow) endOf(i int) int {
	if i < 0 {
		return 0
	}
	return r.ends[i]
}

// appendLine appends the row as a line of the table.
func (r *tableRow) appendLine(b []byte, widths *[tableColumns - 1]int) []byte {
	for i := range widths {
		c := r.cell(i)
		b = append(b, c...)
		for n := widths[i] + tablePadding - utf8.RuneCount(c); n > 0; n-- {
			b = append(b, ' ')
		}
	}
	b = append(b, r.cell(tableColumns-1)...)
	return append(b, '\n')
}

// blankControls turns the characters from start on that would break a
// table's line or columns into spaces.
func blankControls(t []byte, start int) []byte {
	for i := start; i < len(t); i++ {
		switch t[i] {
		case '\t', '\n', '\v', '\f':
			t[i] = ' '
		}
	}
	return t
}

// appendTableNumber appends a value as briefly as it reads exactly; NaN
// and the infinities as "-".
func appendTableNumber(b []byte, v float64) []byte {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return append(b, '-')
	}
	return strconv.AppendFloat(b, v, 'f', -1, 64)
}

// batchFindings is how many findings a formatter of writeOrdered takes at
// a time.
const batchFindings = 1024

// formatters is the number of goroutines that format findings.
const formatters = 2

// A batch is findings to format and, once formatted, their text.
type batch struct {
	findings []chiso.Finding
	text     []byte
	done     chan struct{} // closed when text is ready
}

// writeOrdered formats the findings on two goroutines, in batches, and
// writes the text of each batch in the findings' order (through edit, when
// not nil, which may cut the start of a chunk) on a third, so that writing
// messages, encoding and the system's writes overlap on a machine with
// cores to spare. format must be safe for concurrent use. It returns the
// number of findings and the first write error; after an error it stops
// reading the findings.
func writeOrdered(w io.Writer, fs iter.Seq[chiso.Finding], format func([]byte, *chiso.Finding) []byte,
	edit func([]byte) []byte) (int, error) {
	todo := make(chan *batch, formatters)
	inOrder := make(chan *batch, 2*formatters) // bounds the batches in flight
	free := make(chan *batch, 3*formatters+1)
	for range cap(free) {
		free <- &batch{findings: make([]chiso.Finding, 0, batchFindings)}
	}
	var wg sync.WaitGroup
	for range formatters {
		wg.Go(func() { formatBatches(todo, format) })
	}
	errc := make(chan error, 1)
	stop := make(chan struct{}) // closed when a write fails
	go func() { errc <- writeBatches(w, inOrder, free, stop, edit) }()
	n := 0
	cur := <-free
	// send hands the current batch over and takes a free one; false when a
	// write failed, and then the batch may be neither.
	send := func() bool {
		cur.done = make(chan struct{})
		select {
		case todo <- cur:
		case <-stop:
			return false
		}
		inOrder <- cur
		select {
		case cur = <-free:
			cur.findings = cur.findings[:0]
			return true
		case <-stop:
			return false
		}
	}
	ok := true
	for f := range fs {
		cur.findings = append(cur.findings, f)
		n++
		if len(cur.findings) == batchFindings {
			if ok = send(); !ok {
				break
			}
		}
	}
	if ok && len(cur.findings) > 0 {
		send()
	}
	close(todo)
	close(inOrder)
	wg.Wait()
	return n, <-errc
}

// formatBatches formats each batch it receives and marks it done.
func formatBatches(todo <-chan *batch, format func([]byte, *chiso.Finding) []byte) {
	for b := range todo {
		b.text = b.text[:0]
		for i := range b.findings {
			b.text = format(b.text, &b.findings[i])
		}
		close(b.done)
	}
}

// writeBatches writes the text of each batch, in the order received, once
// it is done, and hands the batch back to free. At the first write error
// it closes stop, goes on taking batches without writing them, and returns
// the error once inOrder is closed.
func writeBatches(w io.Writer, inOrder <-chan *batch, free chan<- *batch, stop chan<- struct{}, edit func([]byte) []byte) error {
	var err error
	for b := range inOrder {
		<-b.done
		if err == nil && len(b.text) > 0 {
			chunk := b.text
			if edit != nil {
				chunk = edit(chunk)
			}
			if _, err = w.Write(chunk); err != nil {
				close(stop)
			}
		}
		free <- b
	}
	return err
}
