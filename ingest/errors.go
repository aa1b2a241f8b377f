package ingest

import (
	"fmt"
	"strconv"
	"strings"
)

// MaxErrors caps the problems an ErrorList keeps; the rest are only counted.
const MaxErrors = 1000

// Error is one problem with one field of an input file.
type Error struct {
	File   string // the name the input was read under
	Sheet  string // the worksheet of an XLSX file; empty for CSV and JSON
	Line   int    // 1-based line (CSV, JSON) or row (XLSX); 0 if none
	Column int    // 1-based field number (CSV; the character for a CSV syntax error) or column (XLSX); 0 if none
	Field  string // the column or key, e.g. value; empty for a whole row
	Value  string // the offending text
	Err    error  // what is wrong with it
}

// Error returns "file:line:column: field "value": problem", or for a
// worksheet "file:Sheet1!C7: field "value": problem".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	switch {
	case e.Sheet != "" && e.Column > 0:
		fmt.Fprintf(&b, ":%s!%s%d", e.Sheet, columnName(e.Column), e.Line)
	case e.Sheet != "":
		fmt.Fprintf(&b, ":%s!%d", e.Sheet, e.Line)
	case e.Line > 0 && e.Column > 0:
		fmt.Fprintf(&b, ":%d:%d", e.Line, e.Column)
	case e.Line > 0:
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Field != "" {
		fmt.Fprintf(&b, "%s %q: ", e.Field, e.Value)
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

// Unwrap returns the underlying problem.
func (e *Error) Unwrap() error { return e.Err }

// columnName returns a spreadsheet column's letters: 1 is A, 27 is AA.
func columnName(n int) string {
	var b []byte
	for n > 0 {
		n--
		b = append([]byte{byte('A' + n%26)}, b...)
		n /= 26
	}
	return string(b)
}

// ErrorList is every problem found in an input, in file order: the first
// MaxErrors in full and how many more there were.
type ErrorList struct {
	Errors []*Error
	More   int // problems found beyond MaxErrors
}

// Add appends a problem, or counts it once the list is full.
func (l *ErrorList) Add(e *Error) {
	if len(l.Errors) >= MaxErrors {
		l.More++
		return
	}
	l.Errors = append(l.Errors, e)
}

// Len returns how many problems were found, listed or not.
func (l *ErrorList) Len() int { return len(l.Errors) + l.More }

// Error lists one problem per line.
func (l *ErrorList) Error() string {
	var b strings.Builder
	for i, e := range l.Errors {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	if l.More > 0 {
		b.WriteString("\nand " + strconv.Itoa(l.More) + " more problems")
	}
	return b.String()
}

// Unwrap returns the problems, for errors.Is and errors.As.
func (l *ErrorList) Unwrap() []error {
	out := make([]error, len(l.Errors))
	for i, e := range l.Errors {
		out[i] = e
	}
	return out
}

// err returns the list as an error, or nil when it is empty.
func (l *ErrorList) err() error {
	if l.Len() == 0 {
		return nil
	}
	return l
}
