package ingest

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/chiso-vn/chiso/internal/clip"
)

// MaxErrors caps the problems an ErrorList keeps; the rest are only counted,
// by kind.
const MaxErrors = 1000

// maxQuote is the most characters of an offending text an error quotes.
const maxQuote = clip.Limit

// Problem is what is wrong with a field, written in English and in
// Vietnamese, with a kind that groups problems of the same sort in a
// summary (ambiguous_number, unknown_area …).
type Problem struct {
	Kind string
	EN   string
	VI   string
}

// Error returns the English text.
func (p *Problem) Error() string { return p.EN }

// Text returns the text in the language: "vi" or "en".
func (p *Problem) Text(lang string) string {
	if lang == "en" || p.VI == "" {
		return p.EN
	}
	return p.VI
}

// problem returns a Problem whose two texts are formatted with the same
// arguments (quote them with quote, never %q, so that no text is
// unbounded).
func problem(kind, en, vi string, args ...any) *Problem {
	if len(args) > 0 {
		en, vi = fmt.Sprintf(en, args...), fmt.Sprintf(vi, args...)
	}
	return &Problem{Kind: kind, EN: en, VI: vi}
}

// Message returns an error's text in the language ("vi" or "en"): a
// Problem's own text, an *Error or *ErrorList in that language, any other
// error as it is.
func Message(err error, lang string) string {
	var list *ErrorList
	var e *Error
	switch {
	case errors.As(err, &list):
		l := *list
		l.Lang = lang
		l.Errors = make([]*Error, len(list.Errors))
		for i, x := range list.Errors {
			y := *x
			y.Lang = lang
			l.Errors[i] = &y
		}
		return l.Error()
	case errors.As(err, &e):
		y := *e
		y.Lang = lang
		return y.Error()
	}
	text, _ := textOf(err, lang)
	return text
}

// textOf returns err's text in the language, and its kind ("other" for an
// error that is no Problem).
func textOf(err error, lang string) (text, kind string) {
	var p *Problem
	if errors.As(err, &p) {
		return p.Text(lang), p.Kind
	}
	return err.Error(), "other"
}

// Clip returns s cut to 80 characters, with "…" after when it was longer:
// what an error may show of an offending text.
func Clip(s string) string { return clip.Text(s) }

// quote returns s in double quotes, cut to maxQuote characters with "…"
// after, and with invalid UTF-8 and control characters escaped, so that a
// 50 MB cell gives an error of one line.
func quote(s string) string {
	cut := false
	if utf8.RuneCountInString(s) > maxQuote {
		n := 0
		for i := range s {
			if n == maxQuote {
				s, cut = s[:i], true
				break
			}
			n++
		}
	}
	q := strconv.Quote(s)
	if cut {
		q = q[:len(q)-1] + `…"`
	}
	return q
}

// Error is one problem with one field of an input file.
type Error struct {
	File   string // the name the input was read under
	Sheet  string // the worksheet of an XLSX file; empty for CSV and JSON
	Line   int    // 1-based line (CSV, JSON) or row (XLSX); 0 if none
	Column int    // 1-based field number (CSV; the character for a CSV syntax error) or column (XLSX); 0 if none
	Field  string // the column or key, e.g. value; empty for a whole row
	Value  string // the offending text, whole; Error quotes at most 80 characters of it
	Err    error  // what is wrong with it, a *Problem when it has both languages
	Lang   string // the language Error writes in: "vi" (the zero value) or "en"
}

// Error returns "file:line:column: field "value": problem", or for a
// worksheet "file:Sheet1!C7: field "value": problem", in e.Lang.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Where())
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteByte(' ')
		b.WriteString(quote(e.Value))
		b.WriteString(": ")
	}
	text, _ := textOf(e.Err, e.Lang)
	b.WriteString(text)
	return b.String()
}

// Message returns the problem alone, in e.Lang.
func (e *Error) Message() string {
	text, _ := textOf(e.Err, e.Lang)
	return text
}

// Kind returns the problem's kind, "other" when it has none.
func (e *Error) Kind() string {
	_, kind := textOf(e.Err, "en")
	return kind
}

// Where returns the file and position: file:line:column, file:line, or
// file:Sheet!C7 for a worksheet.
func (e *Error) Where() string {
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
// MaxErrors in full, how many more there were, and how many of each kind
// those more were.
type ErrorList struct {
	Errors []*Error
	More   int // problems found beyond MaxErrors
	// MoreKinds counts the problems beyond MaxErrors by kind, each with the
	// text of its first one.
	MoreKinds map[string]*KindCount
	Lang      string // the language of the summary line: "vi" or "en"
}

// KindCount is how many problems of one kind were found beyond the listed
// ones, and the first one's text.
type KindCount struct {
	N     int
	First *Error
}

// Add appends a problem, or counts it by kind once the list is full.
func (l *ErrorList) Add(e *Error) {
	if len(l.Errors) < MaxErrors {
		l.Errors = append(l.Errors, e)
		return
	}
	l.More++
	if l.MoreKinds == nil {
		l.MoreKinds = map[string]*KindCount{}
	}
	k := e.Kind()
	if c := l.MoreKinds[k]; c != nil {
		c.N++
		return
	}
	l.MoreKinds[k] = &KindCount{N: 1, First: e}
}

// Len returns how many problems were found, listed or not.
func (l *ErrorList) Len() int { return len(l.Errors) + l.More }

// Error lists one problem per line, then a line that counts the rest by
// kind: "and 998,647 more: 998,647 × ambiguous number …".
func (l *ErrorList) Error() string {
	var b strings.Builder
	for i, e := range l.Errors {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	if l.More > 0 {
		b.WriteByte('\n')
		b.WriteString(l.Summary())
	}
	return b.String()
}

// Summary returns the line that counts the problems beyond the listed ones
// by kind, most frequent first; empty when every problem is listed.
func (l *ErrorList) Summary() string {
	if l.More == 0 {
		return ""
	}
	kinds := make([]string, 0, len(l.MoreKinds))
	for k := range l.MoreKinds {
		kinds = append(kinds, k)
	}
	sort.Slice(kinds, func(i, j int) bool {
		a, b := l.MoreKinds[kinds[i]], l.MoreKinds[kinds[j]]
		return a.N > b.N || (a.N == b.N && kinds[i] < kinds[j])
	})
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		c := l.MoreKinds[k]
		parts[i] = formatCount(c.N, l.Lang) + " × " + c.First.Message()
	}
	if l.Lang == "en" {
		return "and " + formatCount(l.More, l.Lang) + " more: " + strings.Join(parts, "; ")
	}
	return "và " + formatCount(l.More, l.Lang) + " lỗi nữa: " + strings.Join(parts, "; ")
}

// formatCount prints a count grouped as the language does: 998,647 in
// English, 998.647 in Vietnamese.
func formatCount(n int, lang string) string {
	if lang == "en" {
		return FormatNumber(float64(n), English)
	}
	return FormatNumber(float64(n), Vietnamese)
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
