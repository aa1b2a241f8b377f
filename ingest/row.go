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
	colUnit // the unit the row's figures are written in; not written by CSVWriter
	nLong
)

var longNames = [nLong]string{"indicator", "area", "period", "value", "qualifier", "raw", "source", "reported_on", "method", "revision", "ingested_at", "unit"}

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
	units   map[string]parsedUnit   // parsed unit texts
	places  *Places                 // where figures were read, for naming both rows of a repeated cell
	lines   *lineLimit              // a CSV file's line count and limit
	vote    localeVote              // whether the file's numbers are in the other locale
	// nameCols are the fields of the current table's name columns beside
	// its code columns (Chỉ tiêu beside Mã chỉ tiêu), indicator then area;
	// -1 for none.
	nameCols [2]int
	// colUnits are the units the current table's header gives its columns
	// (Giá trị (triệu đồng)), by field; nil when none.
	colUnits map[int]*unitSpec
	x        extractor
	errs     ErrorList
	// The last indicator and area found, tried before the maps.
	lastInd  *indInfo
	lastArea *areaInfo
	names    *cellNames // cells that name an entry other than by its code; nil until one does
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
		periods: map[string]chiso.Period{}, dates: map[string]time.Time{}, strs: map[string]string{}, units: map[string]parsedUnit{},
		x: extractor{loc: opts.Locale}}
	if rd.source == "" {
		rd.source = filepath.Base(name)
	}
	if opts.Lang != "en" {
		rd.opts.Lang = "vi"
	}
	rd.places = opts.Places
	if rd.places == nil {
		rd.places = &Places{}
	}
	rd.places.file, rd.places.lang = name, rd.opts.Lang
	rd.errs.Lang = rd.opts.Lang
	for _, ind := range opts.Catalogue.Indicators {
		rd.inds[ind.Code] = &indInfo{Indicator: ind}
	}
	for i := range opts.Catalogue.Areas {
		a := opts.Catalogue.Areas[i]
		rd.areas[a.Code] = &areaInfo{Area: a, holdsAt: map[int32]bool{}}
	}
	for _, l := range opts.Catalogue.Lineage {
		if from, to := rd.areas[l.From], rd.areas[l.To]; from != nil && to != nil {
			from.successors = append(from.successors, l.To)
			to.predecessors = append(to.predecessors, l.From)
		}
	}
	return rd, format, nil
}

// fail records a problem with a field of the row.
func (rd *reader) fail(rw *row, field int, name, value string, err error) *Error {
	e := &Error{File: rd.name, Sheet: rw.sheet, Line: rw.line, Field: name, Value: value, Err: err, Lang: rd.opts.Lang}
	if !rw.json && field >= 0 {
		e.Column = field + 1
	}
	rd.add(e)
	return e
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
	return rd.send(rw, rw.idx[colValue], longNames[colValue], rw.get(colValue), o)
}

// send passes the observation read from a field of the row to emit. A
// cell the file already gave another figure is recorded against the row,
// naming both places; any other error from emit stops the read.
func (rd *reader) send(rw *row, field int, name, value string, o chiso.Observation) error {
	o.Origin = rd.origin(rw, field)
	err := rd.emit(o)
	var rep repeated
	switch {
	case err == nil:
		return nil
	case errors.As(err, &rep):
		earlier, v, q := rep.RepeatedAt()
		rd.fail(rw, field, name, value, rd.places.repeatedCell(o, earlier, v, q))
		return nil
	}
	return errStop{err}
}

// repeated is an error from emit saying that the cell already had a figure
// from this file (store.RepeatedCell).
type repeated interface {
	RepeatedAt() (origin int64, value float64, q chiso.Qualifier)
}

// origin encodes where a field of a row sits (see Places).
func (rd *reader) origin(rw *row, field int) int64 {
	return rd.places.origin(rw.sheet, rw.line, field)
}

// repeatedCell explains a second figure for a cell.
func (p *Places) repeatedCell(o chiso.Observation, earlier int64, v float64, q chiso.Qualifier) error {
	cellName := o.Indicator + " " + o.Area + " " + o.Period.String()
	en, vi := p.place(earlier, "en"), p.place(earlier, "vi")
	if en == "" {
		en, vi = "an earlier row", "một dòng trước"
	}
	return &Problem{Kind: "repeated_cell",
		EN: fmt.Sprintf("a second figure for %s in this file: %s here, %s at %s; keep one of them (a correction is imported as a new file)",
			cellName, FormatNumber(o.Value, English)+qualifierNote(o.Qualifier, "en"), FormatNumber(v, English)+qualifierNote(q, "en"), en),
		VI: fmt.Sprintf("tệp ghi hai số liệu cho %s: %s ở đây và %s ở %s; hãy giữ một (số liệu sửa đổi được nhập bằng một tệp mới)",
			cellName, FormatNumber(o.Value, Vietnamese)+qualifierNote(o.Qualifier, "vi"), FormatNumber(v, Vietnamese)+qualifierNote(q, "vi"), vi)}
}

// qualifierNote writes a qualifier after a figure: " (over)", " (trên)".
func qualifierNote(q chiso.Qualifier, lang string) string {
	if q == chiso.Exact {
		return ""
	}
	if w, ok := qualifierVI[q]; ok && lang != "en" {
		return " (" + w + ")"
	}
	return " (" + q.String() + ")"
}

var qualifierVI = map[chiso.Qualifier]string{chiso.Over: "trên", chiso.Nearly: "gần", chiso.About: "khoảng",
	chiso.Estimate: "ước tính", chiso.Preliminary: "sơ bộ", chiso.Derived: "suy ra"}

// identity reads the indicator, area and period of a long row.
func (rd *reader) identity(rw *row, o *chiso.Observation) (*indInfo, bool) {
	ind := rd.indicator(rw, rw.idx[colIndicator], rw.get(colIndicator))
	area := rd.area(rw, rw.idx[colArea], rw.get(colArea), rw.get(colPeriod))
	p, ok := rd.period(rw, rw.idx[colPeriod], longNames[colPeriod], rw.get(colPeriod), area)
	if ind == nil || area == nil || !ok || !rd.namesAgree(rw, ind, area) {
		return nil, false
	}
	o.Indicator, o.Area, o.Period = ind.Code, area.Code, p
	return ind, true
}

// indicator looks the cell up as a code, then as a name (see Names);
// files are usually grouped by indicator and area, so the last answer is
// tried first.
func (rd *reader) indicator(rw *row, field int, s string) *indInfo {
	if rd.lastInd != nil && rd.lastInd.Code == s {
		return rd.lastInd
	}
	ind, ok := rd.inds[s]
	if !ok {
		if ind = rd.indicatorNamed(rw, field, s); ind == nil {
			return nil
		}
	}
	rd.lastInd = ind
	return ind
}

// areaInfo is an area with the periods it is known to hold, and the areas
// before and after it.
type areaInfo struct {
	chiso.Area
	holdsAt      map[int32]bool // by period key: whether figures for the period belong to the area
	predecessors []string       // areas that became this one
	successors   []string       // areas this one became
}

// holds reports whether a figure for p belongs to the area: whether the
// area exists at the end of p. Date arithmetic is costly beside the rest
// of a row, so answers are kept.
func (a *areaInfo) holds(p chiso.Period) bool {
	k := p.Key()
	ok, known := a.holdsAt[k]
	if !known {
		ok = a.HoldsAt(p)
		if len(a.holdsAt) < 4096 {
			a.holdsAt[k] = ok
		}
	}
	return ok
}

// notHeld explains why a figure for p does not belong to the area, naming
// the areas it belongs to.
func (rd *reader) notHeld(a *areaInfo, p chiso.Period) error {
	last := p.End().AddDate(0, 0, -1)
	others := a.predecessors
	en := fmt.Sprintf("%s (%s) exists from %s: a figure for %s belongs to the area that exists at the period's end",
		a.Code, a.Name, day(a.ValidFrom), p)
	vi := fmt.Sprintf("%s (%s) chỉ tồn tại từ %s: số liệu kỳ %s thuộc về đơn vị hành chính tồn tại vào cuối kỳ",
		a.Code, a.Name, day(a.ValidFrom), p)
	if !a.ValidTo.IsZero() && last.After(a.ValidTo) {
		others = a.successors
		en = fmt.Sprintf("%s (%s) ceased to exist after %s: a figure for %s belongs to the area that exists at the period's end",
			a.Code, a.Name, day(a.ValidTo), p)
		vi = fmt.Sprintf("%s (%s) không còn tồn tại sau %s: số liệu kỳ %s thuộc về đơn vị hành chính tồn tại vào cuối kỳ",
			a.Code, a.Name, day(a.ValidTo), p)
	}
	if names := rd.areaNames(others, p); names != "" {
		en += ", " + names
		vi += ", " + names
	}
	return &Problem{Kind: "area_not_in_period", EN: en, VI: vi}
}

// areaNames lists the areas among codes that hold p, as "DL25 (Đắk Lắk)".
func (rd *reader) areaNames(codes []string, p chiso.Period) string {
	var list []string
	for _, c := range codes {
		if a := rd.areas[c]; a != nil && a.holds(p) {
			list = append(list, a.Code+" ("+a.Name+")")
		}
	}
	return strings.Join(list, ", ")
}

func day(t time.Time) string { return t.Format(time.DateOnly) }

// area looks the cell up as a code, then as a name (see Names), which
// several areas may share: then period, the text of the row's period, says
// which one.
func (rd *reader) area(rw *row, field int, s, period string) *areaInfo {
	if rd.lastArea != nil && rd.lastArea.Code == s {
		return rd.lastArea
	}
	a, ok := rd.areas[s]
	if !ok {
		if a = rd.areaNamed(rw, field, s, period); a == nil {
			return nil
		}
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
		if p, err = parsePeriodWords(s); err != nil {
			rd.fail(rw, field, name, s, periodErr(rw, field))
			return p, false
		}
		if len(rd.periods) < 4096 {
			rd.periods[strings.Clone(s)] = p
		}
	}
	if area != nil && !area.holds(p) {
		rd.fail(rw, field, name, s, rd.notHeld(area, p))
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
	return errPeriodForms
}

// canonicalValue reads the value and qualifier of a canonical row: a plain
// number, in the row's unit when it has one, checked against the raw text
// when there is one.
func (rd *reader) canonicalValue(rw *row, ind *indInfo, o *chiso.Observation) bool {
	q, err := chiso.ParseQualifier(rw.get(colQualifier))
	if err != nil {
		rd.failCol(rw, colQualifier, problem("bad_qualifier",
			"want one of exact, over, nearly, about, estimate, preliminary, derived",
			"phải là một trong exact, over, nearly, about, estimate, preliminary, derived"))
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
	unit, ok := rd.rowUnit(rw, rw.idx[colValue])
	if !ok {
		return false
	}
	if unit != nil {
		if v, verr = convertNumber(v, unit, ind.Indicator); verr != nil {
			rd.failCol(rw, colValue, verr)
			return false
		}
	}
	o.Value, o.Qualifier = v, q
	if err != nil || !rd.crossCheck(rw, ind, o, unit) {
		return false
	}
	// An export holds what the store held, whole or not.
	return rw.exact || rd.whole(rw, rw.idx[colValue], longNames[colValue], s, ind, v)
}

func valueErr(s string, err error) error {
	if s == "" {
		return errMissing
	}
	return err
}

var errMissing = problem("missing_value", "missing value", "thiếu giá trị")

// crossCheck refuses a canonical value that its raw text contradicts, so
// that a figure copied as printed (2.500) does not silently become 2.5.
// Files with CSVWriter's exact header are chiso's own exports and are not
// checked: their values are what the store held, whatever locale the raw
// text was printed in.
func (rd *reader) crossCheck(rw *row, ind *indInfo, o *chiso.Observation, unit *unitSpec) bool {
	raw := rw.get(colRaw)
	if raw == "" || rw.exact {
		return true
	}
	v, q, err := rd.x.extract(raw, ind.Indicator, o.Qualifier == chiso.Derived, unit)
	if err != nil {
		return true
	}
	if q != chiso.Exact && q != o.Qualifier && o.Qualifier != chiso.Derived {
		// "khoảng 2.500" beside qualifier over: one of the two is wrong.
		rd.failCol(rw, colQualifier, &Problem{Kind: "raw_mismatch",
			EN: fmt.Sprintf("raw %s says %s, but the qualifier column says %s", quote(raw), q, o.Qualifier),
			VI: fmt.Sprintf("văn bản gốc %s ghi “%s”, nhưng cột qualifier ghi %s", quote(raw), qualifierVI[q], o.Qualifier)})
		return false
	}
	if sameValue(v, o.Value) {
		return true
	}
	plain := strconv.FormatFloat(v, 'f', -1, 64)
	loc := rd.opts.Locale
	rd.failCol(rw, colValue, &Problem{Kind: "raw_mismatch",
		EN: fmt.Sprintf("raw %s reads as %s in %s; canonical files hold plain numbers, so write %s if that is the figure", quote(raw), plain, loc.nameIn("en"), plain),
		VI: fmt.Sprintf("văn bản gốc %s đọc theo cách viết %s là %s; tệp chuẩn chỉ chứa số thuần, nên hãy ghi %s nếu đó là số liệu", quote(raw), loc.nameIn("vi"), plain, plain)})
	return false
}

// sameValue compares values computed in different ways, allowing for the
// last bits of floating point.
func sameValue(a, b float64) bool {
	return a == b || math.Abs(a-b) <= 1e-9*math.Max(math.Abs(a), math.Abs(b))
}

// printedValue reads a figure as printed (in the locale) from field, or
// a spreadsheet's number cell as is, in the row's unit when it has one,
// into the observation's value, qualifier and raw text.
func (rd *reader) printedValue(rw *row, field int, name string, ind *indInfo, o *chiso.Observation) bool {
	s := ""
	if field >= 0 && field < len(rw.fields) {
		s = strings.TrimSpace(rw.fields[field])
	}
	if s == "" {
		rd.fail(rw, field, name, s, errMissing)
		return false
	}
	unit, ok := rd.rowUnit(rw, field)
	if !ok {
		return false
	}
	if handled, ok := rd.sheetValue(rw, field, name, ind, o, true); handled {
		return ok && rd.numberIn(rw, field, name, s, ind, unit, o)
	}
	if rw.number != nil && rw.number(field) { // a JSON number
		if v, err := strconv.ParseFloat(s, 64); err == nil {
			o.Value = v
			return rd.numberIn(rw, field, name, s, ind, unit, o)
		}
	}
	v, q, err := rd.x.extractCell(s, ind.Indicator, unit)
	wrong := rd.judge(s, ind.Indicator, err)
	if err != nil {
		e := rd.fail(rw, field, name, s, err)
		if wrong {
			rd.wrongLocale(e)
		}
		return false
	}
	if !rd.whole(rw, field, name, s, ind, v) {
		return false
	}
	o.Value, o.Qualifier, o.Raw = v, q, s
	return true
}

// numberIn converts a number a cell holds as a number (a spreadsheet's
// number cell, a JSON number), already in o.Value, from the field's unit,
// and refuses a fractional count.
func (rd *reader) numberIn(rw *row, field int, name, text string, ind *indInfo, unit *unitSpec, o *chiso.Observation) bool {
	if unit != nil {
		v, err := convertNumber(o.Value, unit, ind.Indicator)
		if err != nil {
			rd.fail(rw, field, name, text, err)
			return false
		}
		o.Value = v
	}
	return rd.whole(rw, field, name, text, ind, o.Value)
}

// rowUnit returns the unit of a value field: the row's unit column, or
// the unit its header gives; nil when neither does. A unit that does not
// parse, or a unit column that contradicts the header, is recorded against
// the row.
func (rd *reader) rowUnit(rw *row, field int) (*unitSpec, bool) {
	text := rw.get(colUnit)
	header := rd.colUnits[field]
	switch {
	case text == "":
		return header, true
	case header != nil && fold(header.text) != fold(text):
		rd.failCol(rw, colUnit, problem("unit_mismatch", "the unit column says %s but the header says %s",
			"cột đơn vị ghi %s nhưng tiêu đề cột ghi %s", quote(text), quote(header.text)))
		return nil, false
	}
	u, known := rd.units[text]
	if !known {
		spec, err := parseUnit(text)
		u = parsedUnit{spec: &spec, err: err}
		if len(rd.units) < 4096 {
			rd.units[strings.Clone(text)] = u
		}
	}
	if u.err != nil {
		rd.failCol(rw, colUnit, u.err)
		return nil, false
	}
	return u.spec, true
}

// whole refuses a fractional value for an indicator of whole numbers
// (counts, ranks), suggesting the figure the text most likely meant.
func (rd *reader) whole(rw *row, field int, name, text string, ind *indInfo, v float64) bool {
	if !ind.Whole() || v == math.Trunc(v) || math.IsInf(v, 0) || math.IsNaN(v) {
		return true
	}
	rd.fail(rw, field, name, text, fractionalCount(text, ind.Indicator, v, rd.opts.Locale))
	return false
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
			rd.failCol(rw, colReportedOn, problem("bad_date", "want a date YYYY-MM-DD", "phải là ngày dạng YYYY-MM-DD"))
		}
	}
	if s := rw.get(colRevision); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			rd.failCol(rw, colRevision, problem("bad_revision", "want a whole number ≥ 0", "phải là số nguyên ≥ 0"))
			ok = false
		}
		o.Revision = n
	}
	if s := rw.get(colIngestedAt); s != "" {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			rd.failCol(rw, colIngestedAt, problem("bad_time", "want a time such as 2024-11-27T08:00:00Z", "phải là thời điểm dạng 2024-11-27T08:00:00Z"))
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
