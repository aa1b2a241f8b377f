package ingest

import (
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/chiso-vn/chiso"
)

// catalogueFile describes one of the four catalogue CSV formats.
type catalogueFile struct {
	kind     string
	required []string
	optional []string
	read     func(row *csvRow, cat *chiso.Catalogue) error
}

var catalogueFiles = []catalogueFile{
	{"indicators", []string{"code", "name_vi", "name_en", "unit", "kind", "additive", "min", "max"},
		[]string{"method", "concept", "description", "aliases", "integral"}, readIndicator},
	{"areas", []string{"code", "name_vi", "level", "parent", "gso_code", "valid_from", "valid_to"}, []string{"aliases"}, readArea},
	{"lineage", []string{"from", "to", "effective", "kind"}, nil, readLineage},
	{"targets", []string{"indicator", "area", "period", "op", "value", "source"},
		[]string{"description_vi", "description_en", "valid_from", "valid_to"}, readTarget},
	{"bounds", []string{"indicator", "min", "max", "valid_from", "valid_to"}, nil, readBounds},
	{"sources", []string{"id", "title"}, []string{"publisher", "published", "url"}, readSource},
}

// ReadCatalogue reads one catalogue CSV file, told apart by its header:
// indicators (code,name_vi,name_en,unit,kind,additive,min,max and optionally
// method,concept,description,aliases,integral), areas (code,name_vi,level,parent,
// gso_code,valid_from,valid_to and optionally aliases), lineage
// (from,to,effective,kind), targets (indicator,area,period,op,value,source
// and optionally description_vi,description_en,valid_from,valid_to),
// bounds (indicator,min,max,valid_from,valid_to: the indicator's range of
// possible values for the periods ending within those days, replacing its
// min and max there) or sources (id,title and optionally
// publisher,published,url: the publications observations cite by id).
// Entries are appended to cat; a
// file with any problem appends nothing and returns an *ErrorList naming
// file, line, column and value of every problem. Dates are YYYY-MM-DD, an
// empty min or max is unbounded and an empty date is none. Aliases are the
// other names departments write for an entry, separated by semicolons
// (Trạm BTS; Số trạm thu phát sóng). References
// between files are checked by ValidateCatalogue once all are read.
func ReadCatalogue(name string, r io.Reader, cat *chiso.Catalogue) error {
	cr := csv.NewReader(r)
	header, err := cr.Read()
	if err == io.EOF {
		return &ErrorList{Errors: []*Error{{File: name, Line: 1, Err: problem("empty_file", "empty file: want a header row", "tệp rỗng: cần có dòng tiêu đề")}}}
	} else if err != nil {
		return fmt.Errorf("read catalogue %s: %w", name, err)
	}
	header[0] = strings.TrimPrefix(header[0], "\ufeff")
	f, cols, err := catalogueKind(header)
	if err != nil {
		return &ErrorList{Errors: []*Error{{File: name, Line: 1, Err: err}}}
	}
	next := *cat
	next.Indicators = append([]chiso.Indicator(nil), cat.Indicators...)
	next.Areas = append([]chiso.Area(nil), cat.Areas...)
	next.Lineage = append([]chiso.Lineage(nil), cat.Lineage...)
	next.Targets = append([]chiso.Target(nil), cat.Targets...)
	next.Bounds = append([]chiso.DatedRange(nil), cat.Bounds...)
	next.Sources = append([]chiso.Source(nil), cat.Sources...)
	var errs ErrorList
	if err := readRows(cr, name, cols, &errs, func(row *csvRow) error { return f.read(row, &next) }); err != nil {
		return err
	}
	if errs.Len() > 0 {
		return &errs
	}
	*cat = next
	return nil
}

// catalogueKind finds the format whose required columns the header has.
func catalogueKind(header []string) (catalogueFile, map[string]int, error) {
	cols := make(map[string]int, len(header))
	names := make([]string, len(header))
	for i, h := range header {
		names[i] = strings.ToLower(strings.TrimSpace(h))
		cols[names[i]] = i
	}
	for _, f := range catalogueFiles {
		if hasAll(cols, f.required) {
			for _, h := range names {
				if !contains(f.required, h) && !contains(f.optional, h) {
					return f, nil, problem("unknown_column", "unknown column %s in a %s file (want %s)", "cột %s không hợp lệ trong tệp %s (cần %s)", quote(h), f.kind, strings.Join(append(f.required, f.optional...), ","))
				}
			}
			return f, cols, nil
		}
	}
	return catalogueFile{}, nil, problem("unknown_header", "header %s is none of the catalogue formats (indicators, areas, lineage, targets, bounds, sources)", "dòng tiêu đề %s không thuộc định dạng danh mục nào (indicators, areas, lineage, targets, bounds, sources)", quote(strings.Join(header, ",")))
}

func hasAll(cols map[string]int, names []string) bool {
	for _, n := range names {
		if _, ok := cols[n]; !ok {
			return false
		}
	}
	return true
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// csvRow is one record of a CSV file with its header's column positions.
type csvRow struct {
	file string
	line int
	rec  []string
	cols map[string]int
	errs *ErrorList
}

// get returns the field of the column, or "" when the file has none.
func (r *csvRow) get(col string) string {
	if i, ok := r.cols[col]; ok && i < len(r.rec) {
		return strings.TrimSpace(r.rec[i])
	}
	return ""
}

// fail records a problem with the column's field.
func (r *csvRow) fail(col string, err error) {
	e := &Error{File: r.file, Line: r.line, Field: col, Value: r.get(col), Err: err}
	if i, ok := r.cols[col]; ok {
		e.Column = i + 1
	}
	r.errs.Add(e)
}

// readRows calls read for every record after the header; CSV syntax errors
// are collected, read errors stop.
func readRows(cr *csv.Reader, name string, cols map[string]int, errs *ErrorList, read func(*csvRow) error) error {
	row := &csvRow{file: name, cols: cols, errs: errs}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		var perr *csv.ParseError
		if errors.As(err, &perr) {
			errs.Add(&Error{File: name, Line: perr.Line, Column: perr.Column, Err: perr.Err})
			continue
		} else if err != nil {
			return fmt.Errorf("read %s: %w", name, err)
		}
		row.line, _ = cr.FieldPos(0)
		row.rec = rec
		if err := read(row); err != nil {
			return err
		}
	}
}

func readIndicator(r *csvRow, cat *chiso.Catalogue) error {
	ind := chiso.Indicator{
		Code: r.get("code"), NameVI: r.get("name_vi"), NameEN: r.get("name_en"), Unit: r.get("unit"),
		Kind: chiso.IndicatorKind(r.get("kind")), Method: r.get("method"), Concept: r.get("concept"),
		Description: r.get("description"), Aliases: splitAliases(r.get("aliases")),
	}
	ok := true
	var err error
	if ind.Additive, err = strconv.ParseBool(r.get("additive")); err != nil {
		r.fail("additive", problem("bad_bool", "want true or false", "phải là true hoặc false"))
		ok = false
	}
	if s := r.get("integral"); s != "" {
		if ind.Integral, err = strconv.ParseBool(s); err != nil {
			r.fail("integral", problem("bad_bool", "want true, false or nothing", "phải là true, false hoặc để trống"))
			ok = false
		}
	}
	ind.Min, ok = r.bound("min", ok)
	ind.Max, ok = r.bound("max", ok)
	if _, dup := cat.Indicator(ind.Code); dup && ind.Code != "" {
		r.fail("code", problem("duplicate", "duplicate indicator", "chỉ tiêu bị trùng"))
		return nil
	}
	if err := ind.Validate(); err != nil {
		r.fail("code", err)
		return nil
	}
	if ok {
		cat.Indicators = append(cat.Indicators, ind)
	}
	return nil
}

// bound reads an optional limit: empty is NaN (unbounded).
func (r *csvRow) bound(col string, ok bool) (float64, bool) {
	s := r.get(col)
	if s == "" {
		return math.NaN(), ok
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) {
		r.fail(col, problem("not_plain", "want a plain number or nothing", "phải là số thuần hoặc để trống"))
		return math.NaN(), false
	}
	return v, ok
}

func readArea(r *csvRow, cat *chiso.Catalogue) error {
	a := chiso.Area{Code: r.get("code"), Name: r.get("name_vi"), Level: chiso.AreaLevel(r.get("level")),
		Parent: r.get("parent"), GSOCode: r.get("gso_code"), Aliases: splitAliases(r.get("aliases"))}
	from, okFrom := r.date("valid_from")
	to, okTo := r.date("valid_to")
	a.ValidFrom, a.ValidTo = from, to
	if _, dup := cat.Area(a.Code); dup && a.Code != "" {
		r.fail("code", problem("duplicate", "duplicate area", "địa bàn bị trùng"))
		return nil
	}
	if err := a.Validate(); err != nil {
		r.fail("code", err)
		return nil
	}
	if okFrom && okTo {
		cat.Areas = append(cat.Areas, a)
	}
	return nil
}

// AliasSeparator separates the aliases of a catalogue entry in one CSV
// field: Trạm BTS; Số trạm thu phát sóng.
const AliasSeparator = ";"

// splitAliases reads an aliases field: trimmed, empty ones dropped, nil
// for none.
func splitAliases(s string) []string {
	var out []string
	for _, a := range strings.Split(s, AliasSeparator) {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}

// date reads an optional YYYY-MM-DD date: empty is the zero time.
func (r *csvRow) date(col string) (time.Time, bool) {
	s := r.get(col)
	if s == "" {
		return time.Time{}, true
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		r.fail(col, problem("bad_date", "want a date YYYY-MM-DD", "phải là ngày dạng YYYY-MM-DD"))
		return time.Time{}, false
	}
	return t, true
}

func readLineage(r *csvRow, cat *chiso.Catalogue) error {
	l := chiso.Lineage{From: r.get("from"), To: r.get("to"), Kind: chiso.LineageKind(r.get("kind"))}
	eff, ok := r.date("effective")
	l.Effective = eff
	switch {
	case l.From == "" || l.To == "":
		r.fail("from", problem("bad_lineage", "lineage needs from and to", "quan hệ kế thừa cần có from và to"))
	case l.Kind != chiso.Merge && l.Kind != chiso.Split && l.Kind != chiso.Rename:
		r.fail("kind", problem("bad_lineage", "want merge, split or rename", "phải là merge, split hoặc rename"))
	case eff.IsZero() && ok:
		r.fail("effective", problem("bad_date", "want the first day of the successor, YYYY-MM-DD", "phải là ngày đầu tiên của đơn vị kế thừa, dạng YYYY-MM-DD"))
	case ok:
		cat.Lineage = append(cat.Lineage, l)
	}
	return nil
}

func readTarget(r *csvRow, cat *chiso.Catalogue) error {
	t := chiso.Target{Indicator: r.get("indicator"), Area: r.get("area"), Source: r.get("source"),
		DescriptionVI: r.get("description_vi"), DescriptionEN: r.get("description_en")}
	ok := true
	var err error
	if t.Period, err = chiso.ParsePeriod(r.get("period")); err != nil {
		r.fail("period", err)
		ok = false
	}
	if t.Op, err = chiso.ParseOp(r.get("op")); err != nil {
		r.fail("op", err)
		ok = false
	}
	if t.Value, err = strconv.ParseFloat(r.get("value"), 64); err != nil || math.IsNaN(t.Value) {
		r.fail("value", problem("not_plain", "want a plain number", "phải là số thuần"))
		ok = false
	}
	if t.Indicator == "" || t.Area == "" {
		r.fail("indicator", problem("bad_target", "a target needs an indicator and an area (or *)", "mục tiêu cần có chỉ tiêu và địa bàn (hoặc *)"))
		ok = false
	}
	if ok && slices.ContainsFunc(cat.Targets, func(o chiso.Target) bool {
		return o.Indicator == t.Indicator && o.Area == t.Area && o.Period == t.Period
	}) {
		// One target per indicator, area and deadline: a second would
		// replace the first, whatever its validity dates say.
		r.fail("period", problem("bad_target", "a target for %s in %s by this deadline is already listed", "đã có mục tiêu cho %s tại %s với hạn này",
			quote(t.Indicator), quote(t.Area)))
		ok = false
	}
	if t.ValidFrom, t.ValidTo, ok = r.validity(ok); ok {
		cat.Targets = append(cat.Targets, t)
	}
	return nil
}

// readBounds reads one dated range of an indicator's possible values.
func readBounds(r *csvRow, cat *chiso.Catalogue) error {
	b := chiso.DatedRange{Indicator: r.get("indicator")}
	ok := true
	if b.Indicator == "" {
		r.fail("indicator", problem("bad_bounds", "bounds need an indicator", "giới hạn cần có chỉ tiêu"))
		ok = false
	}
	b.Min, ok = r.bound("min", ok)
	b.Max, ok = r.bound("max", ok)
	if ok && math.IsNaN(b.Min) && math.IsNaN(b.Max) {
		r.fail("min", problem("bad_bounds", "bounds need a min or a max (a row with neither would lift the indicator's bounds)",
			"giới hạn cần có min hoặc max (dòng không có cả hai sẽ bỏ giới hạn của chỉ tiêu)"))
		ok = false
	}
	if ok && !math.IsNaN(b.Min) && !math.IsNaN(b.Max) && b.Min > b.Max {
		r.fail("max", problem("bad_bounds", "max is below min %s", "max nhỏ hơn min %s", r.get("min")))
		ok = false
	}
	if b.ValidFrom, b.ValidTo, ok = r.validity(ok); ok {
		cat.Bounds = append(cat.Bounds, b)
	}
	return nil
}

// validity reads the optional valid_from and valid_to dates of an entry;
// valid_to may not be before valid_from.
func (r *csvRow) validity(ok bool) (from, to time.Time, _ bool) {
	from, okFrom := r.date("valid_from")
	to, okTo := r.date("valid_to")
	if okFrom && okTo && !from.IsZero() && !to.IsZero() && to.Before(from) {
		r.fail("valid_to", problem("bad_date", "valid_to is before valid_from %s", "valid_to trước valid_from %s", r.get("valid_from")))
		return from, to, false
	}
	return from, to, ok && okFrom && okTo
}

func readSource(r *csvRow, cat *chiso.Catalogue) error {
	s := chiso.Source{ID: r.get("id"), Title: r.get("title"), Publisher: r.get("publisher"), URL: r.get("url")}
	published, ok := r.date("published")
	s.Published = published
	if s.ID == "" {
		r.fail("id", problem("bad_source", "a source needs an id, the name observations cite", "nguồn cần có id, tên mà số liệu trích dẫn"))
		ok = false
	} else if slices.ContainsFunc(cat.Sources, func(o chiso.Source) bool { return o.ID == s.ID }) {
		r.fail("id", problem("bad_source", "source %s is described twice", "nguồn %s được mô tả hai lần", quote(s.ID)))
		ok = false
	}
	if s.URL != "" && !webURL(s.URL) {
		// The link is put in e-mails: only a web address may be.
		r.fail("url", problem("bad_source", "want an http:// or https:// address", "cần địa chỉ http:// hoặc https://"))
		ok = false
	}
	if ok {
		cat.Sources = append(cat.Sources, s)
	}
	return nil
}

// webURL reports whether s is an absolute http or https address with a host.
func webURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && !strings.ContainsAny(s, " \t\r\n")
}

// ValidateCatalogue checks the references between the parts of a
// catalogue once all of it is read: every area's parent, both ends of every
// lineage entry and every target's indicator and area must exist. It lists
// every problem, one per line.
func ValidateCatalogue(cat *chiso.Catalogue) error {
	areas := make(map[string]bool, len(cat.Areas))
	for _, a := range cat.Areas {
		areas[a.Code] = true
	}
	var errs []error
	for _, a := range cat.Areas {
		if a.Parent != "" && !areas[a.Parent] {
			errs = append(errs, fmt.Errorf("area %s: unknown parent %q", a.Code, a.Parent))
		}
	}
	for _, l := range cat.Lineage {
		for _, code := range []string{l.From, l.To} {
			if !areas[code] {
				errs = append(errs, fmt.Errorf("lineage %s→%s: unknown area %q", l.From, l.To, code))
			}
		}
	}
	for _, t := range cat.Targets {
		if _, ok := cat.Indicator(t.Indicator); !ok {
			errs = append(errs, fmt.Errorf("target %s %s %s: unknown indicator %q", t.Indicator, t.Area, t.Period, t.Indicator))
		}
		if t.Area != chiso.AnyArea && !areas[t.Area] {
			errs = append(errs, fmt.Errorf("target %s %s %s: unknown area %q", t.Indicator, t.Area, t.Period, t.Area))
		}
	}
	for _, b := range cat.Bounds {
		if _, ok := cat.Indicator(b.Indicator); !ok {
			errs = append(errs, fmt.Errorf("bounds from %s: unknown indicator %q", dateOr(b.ValidFrom, "always"), b.Indicator))
		}
	}
	errs = append(errs, overlappingBounds(cat.Bounds)...)
	return errors.Join(errs...)
}

// overlappingBounds reports two ranges of one indicator valid on the same
// day: which applies would depend on the order they were read in, so a
// corrected change-over date must replace the range it corrects (same
// valid_from) rather than add another.
func overlappingBounds(bounds []chiso.DatedRange) []error {
	sorted := slices.Clone(bounds)
	slices.SortStableFunc(sorted, func(a, b chiso.DatedRange) int {
		return cmp.Or(strings.Compare(a.Indicator, b.Indicator), a.ValidFrom.Compare(b.ValidFrom))
	})
	var errs []error
	for i := 1; i < len(sorted); i++ {
		a, b := sorted[i-1], sorted[i]
		if a.Indicator == b.Indicator && (a.ValidTo.IsZero() || !a.ValidTo.Before(b.ValidFrom)) {
			errs = append(errs, fmt.Errorf("bounds of %s: the range valid from %s to %s overlaps the one from %s; "+
				"end the first the day before the second starts", a.Indicator, dateOr(a.ValidFrom, "always"),
				dateOr(a.ValidTo, "now"), dateOr(b.ValidFrom, "always")))
		}
	}
	return errs
}

// dateOr writes a date, or none when it is zero.
func dateOr(t time.Time, none string) string {
	if t.IsZero() {
		return none
	}
	return t.Format(time.DateOnly)
}

// ReadCatalogueFiles reads the named catalogue files of fsys, in order
// (each as ReadCatalogue does), and checks the references between them
// (ValidateCatalogue).
func ReadCatalogueFiles(fsys fs.FS, names ...string) (*chiso.Catalogue, error) {
	cat := &chiso.Catalogue{}
	for _, name := range names {
		if err := readCatalogueFS(fsys, name, cat); err != nil {
			return nil, err
		}
	}
	if err := ValidateCatalogue(cat); err != nil {
		return nil, err
	}
	return cat, nil
}

func readCatalogueFS(fsys fs.FS, name string, cat *chiso.Catalogue) error {
	f, err := fsys.Open(name)
	if err != nil {
		return fmt.Errorf("catalogue: %w", err)
	}
	defer f.Close()
	return ReadCatalogue(name, f, cat)
}
