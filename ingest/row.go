package ingest

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/chiso-vn/chiso"
)

// The columns of the long layout.
const (
	colIndicator = iota
	colArea
	colPeriod
	colValue
	colQualifier
	colRaw
	colSource
	colReportedOn
	colMethod
	colRevision
	colIngestedAt
	nLong
)

var longNames = [nLong]string{"indicator", "area", "period", "value", "qualifier", "raw", "source", "reported_on", "method", "revision", "ingested_at"}

// row is one record being read: its fields, where they sit in the file,
// and for each long-layout column which field holds it.
type row struct {
	fields []string
	idx    *[nLong]int // field index of each long column, -1 when absent
	line   int         // line (CSV, JSON) or row (XLSX)
	sheet  string      // XLSX worksheet; empty otherwise
	json   bool        // fields are JSON keys, which have no column number
	exact  bool        // chiso's own export: fields are taken untrimmed
	// number reports whether the field holds a number rather than text (an
	// XLSX number cell, a JSON number); nil means text.
	number func(field int) bool
	// cell describes the spreadsheet cell of a field; nil for CSV and JSON.
	cell func(field int) cellInfo
}

// get returns the trimmed field of a long column, "" when absent.
func (rw *row) get(col int) string {
	if i := rw.idx[col]; i >= 0 && i < len(rw.fields) {
		if rw.exact {
			return rw.fields[i]
		}
		return strings.TrimSpace(rw.fields[i])
	}
	return ""
}

// indInfo is an indicator with what the reader caches about it.
type indInfo struct {
	chiso.Indicator
}

// reader turns rows into observations, collecting every problem.
type reader struct {
	name    string
	opts    Options
	source  string
	inds    map[string]*indInfo
	areas   map[string]*areaInfo
	periods map[string]chiso.Period // cache of parsed periods
	dates   map[string]time.Time    // cache of parsed reported_on dates
	strs    map[string]string       // interned sources and methods
	x       extractor
	errs    ErrorList
	// The last indicator and area found, tried before the maps.
	lastInd  *indInfo
	lastArea *areaInfo
	emit     func(chiso.Observation) error
}

func newReader(name string, opts Options, emit func(chiso.Observation) error) (*reader, string, error) {
	format, err := formatOf(name, opts.Format)
	if err != nil {
		return nil, "", err
	}
	if opts.Catalogue == nil || emit == nil {
		return nil, "", fmt.Errorf("read %s: no catalogue or no emit function", name)
	}
	if opts.Locale, err = ParseLocale(string(opts.Locale)); err != nil {
		return nil, "", fmt.Errorf("read %s: %w", name, err)
	}
	rd := &reader{name: name, opts: opts, source: opts.Source, emit: emit,
		inds: map[string]*indInfo{}, areas: map[string]*areaInfo{},
		periods: map[string]chiso.Period{}, dates: map[string]time.Time{}, strs: map[string]string{},
		x: extractor{loc: opts.Locale}}
	if rd.source == "" {
		rd.source = filepath.Base(name)
	}
	if opts.Lang != "en" {
		rd.opts.Lang = "vi"
	}
	rd.errs.Lang = rd.opts.Lang
	for _, ind := range opts.Catalogue.Indicators {
		rd.inds[ind.Code] = &indInfo{Indicator: ind}
	}
	for i := range opts.Catalogue.Areas {
		a := opts.Catalogue.Areas[i]
		rd.areas[a.Code] = &areaInfo{Area: a, overlaps: map[int32]bool{}}
	}
	return rd, format, nil
}

// fail records a problem with a field of the row.
func (rd *reader) fail(rw *row, field int, name, value string, err error) {
	e := &Error{File: rd.name, Sheet: rw.sheet, Line: rw.line, Field: name, Value: value, Err: err, Lang: rd.opts.Lang}
	if !rw.json && field >= 0 {
		e.Column = field + 1
	}
	rd.add(e)
}

// add records a problem in the read's language.
func (rd *reader) add(e *Error) {
	e.Lang = rd.opts.Lang
	rd.errs.Add(e)
}

// failCol records a problem with a long column of the row.
func (rd *reader) failCol(rw *row, col int, err error) {
	rd.fail(rw, rw.idx[col], longNames[col], rw.get(col), err)
}

// longRow reads one row of the long layout and emits its observation.
func (rd *reader) longRow(rw *row) error {
	var o chiso.Observation
	ind, ok := rd.identity(rw, &o)
	if ok && rw.idx[colQualifier] >= 0 {
		ok = rd.canonicalValue(rw, ind, &o)
	} else if ok {
		ok = rd.printedValue(rw, rw.idx[colValue], longNames[colValue], ind, &o)
	}
	ok = rd.provenance(rw, &o) && ok
	if !ok {
		return nil
	}
	return rd.send(o)
}

// send passes an observation to emit.
func (rd *reader) send(o chiso.Observation) error {
	if err := rd.emit(o); err != nil {
		return errStop{err}
	}
	return nil
}

// identity reads the indicator, area and period of a long row.
func (rd *reader) identity(rw *row, o *chiso.Observation) (*indInfo, bool) {
	ind := rd.indicator(rw, rw.idx[colIndicator], rw.get(colIndicator))
	area := rd.area(rw, rw.idx[colArea], rw.get(colArea))
	p, ok := rd.period(rw, rw.idx[colPeriod], longNames[colPeriod], rw.get(colPeriod), area)
	if ind == nil || area == nil || !ok {
		return nil, false
	}
	o.Indicator, o.Area, o.Period = ind.Code, area.Code, p
	return ind, true
}

// indicator looks the code up; files are usually grouped by indicator and
// area, so the last answer is tried first.
func (rd *reader) indicator(rw *row, field int, code string) *indInfo {
	if rd.lastInd != nil && rd.lastInd.Code == code {
		return rd.lastInd
	}
	ind, ok := rd.inds[code]
	if !ok {
		rd.fail(rw, field, "indicator", code, errors.New("unknown indicator (not in the catalogue)"))
		return nil
	}
	rd.lastInd = ind
	return ind
}

// areaInfo is an area with the periods it is known to overlap.
type areaInfo struct {
	chiso.Area
	overlaps map[int32]bool // by period key: whether the area existed during part of it
}

// existed reports whether the area existed during part of p; date
// arithmetic is costly beside the rest of a row, so answers are kept.
func (a *areaInfo) existed(p chiso.Period) bool {
	k := p.Key()
	ok, known := a.overlaps[k]
	if !known {
		ok = a.Overlaps(p)
		if len(a.overlaps) < 4096 {
			a.overlaps[k] = ok
		}
	}
	return ok
}

func (rd *reader) area(rw *row, field int, code string) *areaInfo {
	if rd.lastArea != nil && rd.lastArea.Code == code {
		return rd.lastArea
	}
	a, ok := rd.areas[code]
	if !ok {
		rd.fail(rw, field, "area", code, errors.New("unknown area (not in the catalogue)"))
		return nil
	}
	rd.lastArea = a
	return a
}

// period reads a period and checks that the area existed during it; area
// may be nil when it is unknown.
func (rd *reader) period(rw *row, field int, name, s string, area *areaInfo) (chiso.Period, bool) {
	p, ok := rd.periods[s]
	if !ok {
		var err error
		if p, err = chiso.ParsePeriod(s); err != nil {
			rd.fail(rw, field, name, s, periodErr(rw, field))
			return p, false
		}
		if len(rd.periods) < 4096 {
			rd.periods[strings.Clone(s)] = p
		}
	}
	if area != nil && !area.existed(p) {
		rd.fail(rw, field, name, s, fmt.Errorf("area %s did not exist during %s (it existed %s)", area.Code, p, validity(area)))
		return p, false
	}
	return p, true
}

func periodErr(rw *row, field int) error {
	if rw.cell != nil {
		if err := sheetPeriodErr(rw.cell(field)); err != nil {
			return err
		}
	}
	return errors.New("want YYYY, YYYY-H1, YYYY-Q1 or YYYY-MM")
}

func validity(a *areaInfo) string {
	day := func(t time.Time, none string) string {
		if t.IsZero() {
			return none
		}
		return t.Format(time.DateOnly)
	}
	return "from " + day(a.ValidFrom, "always") + " to " + day(a.ValidTo, "now")
}

// canonicalValue reads the value and qualifier of a canonical row: a plain
// number, checked against the raw text when there is one.
func (rd *reader) canonicalValue(rw *row, ind *indInfo, o *chiso.Observation) bool {
	q, err := chiso.ParseQualifier(rw.get(colQualifier))
	if err != nil {
		rd.failCol(rw, colQualifier, errors.New("want one of exact, over, nearly, about, estimate, preliminary, derived"))
	}
	s := rw.get(colValue)
	v, verr := parsePlain(s)
	if handled, ok := rd.sheetValue(rw, rw.idx[colValue], longNames[colValue], ind, o, false); handled {
		if !ok {
			return false
		}
		v, verr = o.Value, nil // a spreadsheet's number cell, e.g. 1.5E-3
	} else if verr != nil && rw.number != nil && rw.number(rw.idx[colValue]) {
		v, verr = strconv.ParseFloat(s, 64) // a JSON number
	}
	if verr != nil {
		rd.failCol(rw, colValue, valueErr(s, verr))
		return false
	}
	o.Value, o.Qualifier = v, q
	if err != nil {
		return false
	}
	return rd.crossCheck(rw, ind, o)
}

func valueErr(s string, err error) error {
	if s == "" {
		return errors.New("missing value")
	}
	return err
}

// crossCheck refuses a canonical value that its raw text contradicts, so
// that a figure copied as printed (2.500) does not silently become 2.5.
// Files with CSVWriter's exact header are chiso's own exports and are not
// checked: their values are what the store held, whatever locale the raw
// text was printed in.
func (rd *reader) crossCheck(rw *row, ind *indInfo, o *chiso.Observation) bool {
	raw := rw.get(colRaw)
	if raw == "" || rw.exact {
		return true
	}
	v, _, err := rd.x.extract(raw, ind.Indicator, o.Qualifier == chiso.Derived)
	if err != nil || sameValue(v, o.Value) {
		return true
	}
	rd.failCol(rw, colValue, fmt.Errorf("raw %q reads as %s in %s; canonical files hold plain numbers, so write %s if that is the figure",
		raw, strconv.FormatFloat(v, 'f', -1, 64), rd.opts.Locale.name(), strconv.FormatFloat(v, 'f', -1, 64)))
	return false
}

// sameValue compares values computed in different ways, allowing for the
// last bits of floating point.
func sameValue(a, b float64) bool {
	return a == b || math.Abs(a-b) <= 1e-9*math.Max(math.Abs(a), math.Abs(b))
}

// printedValue reads a figure as printed (in the locale) from field, or
// a spreadsheet's number cell as is, into the observation's value,
// qualifier and raw text.
func (rd *reader) printedValue(rw *row, field int, name string, ind *indInfo, o *chiso.Observation) bool {
	s := ""
	if field >= 0 && field < len(rw.fields) {
		s = strings.TrimSpace(rw.fields[field])
	}
	if s == "" {
		rd.fail(rw, field, name, s, errors.New("missing value"))
		return false
	}
	if handled, ok := rd.sheetValue(rw, field, name, ind, o, true); handled {
		return ok
	}
	if rw.number != nil && rw.number(field) {
		v, err := strconv.ParseFloat(s, 64)
		if err == nil {
			o.Value = v
			return true
		}
	}
	v, q, err := rd.x.extract(s, ind.Indicator, false)
	if err != nil {
		rd.fail(rw, field, name, s, err)
		return false
	}
	o.Value, o.Qualifier, o.Raw = v, q, s
	return true
}

// provenance reads raw, source, reported_on, method, revision and
// ingested_at.
func (rd *reader) provenance(rw *row, o *chiso.Observation) bool {
	if rw.idx[colRaw] >= 0 {
		o.Raw = rw.get(colRaw)
	}
	o.Source = rd.intern(rw.get(colSource), rd.source)
	if rw.exact {
		o.Source = rd.intern(rw.get(colSource), "") // an export says what the store held
	}
	o.Method = rd.intern(rw.get(colMethod), "")
	ok := true
	if s := rw.get(colReportedOn); s != "" {
		o.ReportedOn, ok = rd.date(s)
		if !ok && rw.sheet != "" && rw.number(rw.idx[colReportedOn]) {
			o.ReportedOn, ok = sheetDate(s)
		}
		if !ok {
			rd.failCol(rw, colReportedOn, errors.New("want a date YYYY-MM-DD"))
		}
	}
	if s := rw.get(colRevision); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			rd.failCol(rw, colRevision, errors.New("want a whole number ≥ 0"))
			ok = false
		}
		o.Revision = n
	}
	if s := rw.get(colIngestedAt); s != "" {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			rd.failCol(rw, colIngestedAt, errors.New("want a time such as 2024-11-27T08:00:00Z"))
			ok = false
		}
		o.IngestedAt = t
	}
	return ok
}

// date reads a publication date: YYYY-MM-DD, or an RFC 3339 time when the
// store held one with a time of day.
func (rd *reader) date(s string) (time.Time, bool) {
	if t, ok := rd.dates[s]; ok {
		return t, true
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		if t, err = time.Parse(time.RFC3339Nano, s); err != nil {
			return time.Time{}, false
		}
	}
	if len(rd.dates) < 4096 {
		rd.dates[strings.Clone(s)] = t
	}
	return t, true
}

// intern returns s, or def when s is empty, sharing one copy of repeated
// strings instead of keeping every record's line alive.
func (rd *reader) intern(s, def string) string {
	if s == "" {
		return def
	}
	if v, ok := rd.strs[s]; ok {
		return v
	}
	s = strings.Clone(s)
	if len(rd.strs) < 4096 {
		rd.strs[s] = s
	}
	return s
}
