package ingest

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/chiso-vn/chiso"
)

// Names finds the catalogue's indicators and areas by what people write
// for them: the code exactly, or else the code, a name (an indicator's
// name_vi and name_en, an area's name) or an alias, without regard to
// case, Vietnamese diacritics (đ is d), spacing or punctuation, and for an
// area without a leading "Tỉnh", "Thành phố" or "TP". Areas share names
// across time (Phú Thọ is PT until 2025-06-30 and PT25 from 2025-07-01): a
// name is resolved to the area that exists at the end of the period. An
// unknown text is an error that suggests up to three close entries. A
// Names is built once and safe for concurrent use.
type Names struct {
	cat   *chiso.Catalogue
	inds  nameIndex
	areas nameIndex
}

// nameIndex maps the forms of a catalogue list's entries to their
// positions in the list.
type nameIndex struct {
	codes  map[string]int      // exact code → entry
	byFold map[string][]int    // folded form → entries, each once
	forms  []nameForm          // every form, for suggestions
	fold   func(string) string // fold or foldArea
}

// nameForm is one way of writing an entry.
type nameForm struct {
	folded string
	entry  int
	label  string // the name as the catalogue writes it; empty for the code
}

// NewNames indexes the catalogue's codes, names and aliases.
func NewNames(cat *chiso.Catalogue) *Names {
	n := &Names{cat: cat}
	n.inds = newNameIndex(len(cat.Indicators), fold)
	for i, ind := range cat.Indicators {
		n.inds.add(i, ind.Code, append([]string{ind.NameVI, ind.NameEN}, ind.Aliases...))
	}
	n.areas = newNameIndex(len(cat.Areas), foldArea)
	for i, a := range cat.Areas {
		n.areas.add(i, a.Code, append([]string{a.Name}, a.Aliases...))
	}
	return n
}

func newNameIndex(size int, fold func(string) string) nameIndex {
	return nameIndex{codes: make(map[string]int, size), byFold: make(map[string][]int, 3*size), fold: fold}
}

// add indexes an entry's code and names.
func (ix *nameIndex) add(entry int, code string, names []string) {
	ix.codes[code] = entry
	ix.addForm(nameForm{folded: ix.fold(code), entry: entry})
	for _, name := range names {
		if name != "" {
			ix.addForm(nameForm{folded: ix.fold(name), entry: entry, label: name})
		}
	}
}

func (ix *nameIndex) addForm(f nameForm) {
	if f.folded == "" {
		return
	}
	ix.forms = append(ix.forms, f)
	entries := ix.byFold[f.folded]
	for _, e := range entries {
		if e == f.entry {
			return
		}
	}
	ix.byFold[f.folded] = append(entries, f.entry)
}

// find returns the entries s names: its code, or the entries with a form
// folded alike.
func (ix *nameIndex) find(s string) []int {
	if i, ok := ix.codes[s]; ok {
		return []int{i}
	}
	return ix.byFold[ix.fold(s)]
}

// maxSuggestions is how many close entries an unknown name suggests.
const maxSuggestions = 3

// suggest returns up to maxSuggestions entries with a form close to s,
// closest first, each written as its code, or "CODE (Name)" when the
// close form is a name.
func (ix *nameIndex) suggest(s string, code func(int) string) []string {
	q := ix.fold(s)
	if q == "" {
		return nil
	}
	limit := closeEnough(q)
	type near struct {
		entry, dist int
		label       string
	}
	best := map[int]near{}
	for _, f := range ix.forms {
		if len(f.folded) >= 4 && len(q) > len(f.folded) && strings.HasSuffix(q, f.folded) {
			// "Thành phố Điện Biên" ends with Điện Biên: a city or district
			// of that name is not the province, but the name is the hint.
			best[f.entry] = near{f.entry, limit, f.label}
			continue
		}
		if d := len(f.folded) - len(q); d > 2*limit || -d > 2*limit {
			continue // too far apart in length to be close (lengths are in bytes)
		}
		d := editDistance(q, f.folded, limit)
		if b, ok := best[f.entry]; d <= limit && (!ok || d < b.dist) {
			best[f.entry] = near{f.entry, d, f.label}
		}
	}
	list := make([]near, 0, len(best))
	for _, c := range best {
		list = append(list, c)
	}
	sort.Slice(list, func(i, j int) bool {
		return list[i].dist < list[j].dist || (list[i].dist == list[j].dist && list[i].entry < list[j].entry)
	})
	var out []string
	for _, c := range list[:min(len(list), maxSuggestions)] {
		if c.label == "" {
			out = append(out, code(c.entry))
		} else {
			out = append(out, code(c.entry)+" ("+c.label+")")
		}
	}
	return out
}

// Indicator returns the indicator s names; the error, a *Problem, says
// whether s is unknown (suggesting close names) or fits several.
func (n *Names) Indicator(s string) (chiso.Indicator, error) {
	i, err := n.indicator(s, quote(s), true)
	if err != nil {
		return chiso.Indicator{}, err
	}
	return n.cat.Indicators[i], nil
}

// Area returns the area s names that exists on the last day of p; p may
// be the zero Period when there is none, which is enough for a code or a
// name no other area shares. The error, a *Problem, says whether s is
// unknown (suggesting close names) or which areas it might mean.
func (n *Names) Area(s string, p chiso.Period) (chiso.Area, error) {
	entries, err := n.area(s, quote(s), true)
	if err == nil {
		var i int
		if i, err = n.chooseArea(entries, p, quote(s)); err == nil {
			return n.cat.Areas[i], nil
		}
	}
	return chiso.Area{}, err
}

// indicator finds the one indicator s names; subject is how errors
// mention s (quoted, or empty when the error's line quotes it already), and
// suggest whether an unknown s is compared with every name for
// suggestions.
func (n *Names) indicator(s, subject string, suggest bool) (int, *Problem) {
	entries := n.inds.find(s)
	switch {
	case len(entries) == 1:
		return entries[0], nil
	case len(entries) > 1:
		return 0, problem("ambiguous_indicator",
			"indicator name%[1]s fits several indicators: %[2]s; write the code",
			"tên chỉ tiêu%[1]s ứng với nhiều chỉ tiêu: %[2]s; hãy ghi mã chỉ tiêu",
			spaced(subject), n.indicatorList(entries))
	case strings.TrimSpace(s) == "":
		return 0, problem("unknown_indicator", "missing indicator", "thiếu chỉ tiêu")
	}
	var near []string
	if suggest {
		near = n.inds.suggest(s, func(i int) string { return n.cat.Indicators[i].Code })
	}
	return 0, unknownName("unknown_indicator", "indicator", "chỉ tiêu", subject, near)
}

// area finds the areas s names, to be told apart by chooseArea; subject
// and suggest are as for indicator.
func (n *Names) area(s, subject string, suggest bool) ([]int, *Problem) {
	entries := n.areas.find(s)
	switch {
	case len(entries) > 0:
		return entries, nil
	case strings.TrimSpace(s) == "":
		return nil, problem("unknown_area", "missing area", "thiếu địa bàn")
	}
	var near []string
	if suggest {
		near = n.areas.suggest(s, func(i int) string { return n.cat.Areas[i].Code })
	}
	return nil, unknownName("unknown_area", "area", "địa bàn", subject, near)
}

// chooseArea picks among the areas a name fits the one that exists on the
// last day of p; a name that fits one area needs no period.
func (n *Names) chooseArea(entries []int, p chiso.Period, subject string) (int, *Problem) {
	if len(entries) == 1 {
		return entries[0], nil
	}
	if !p.Valid() {
		return 0, problem("ambiguous_area",
			"area name%[1]s fits several areas and no valid period tells them apart: %[2]s; write the code",
			"tên địa bàn%[1]s ứng với nhiều địa bàn mà không có kỳ hợp lệ để phân biệt: %[3]s; hãy ghi mã địa bàn",
			spaced(subject), n.areaList(entries, "en"), n.areaList(entries, "vi"))
	}
	var held []int
	for _, i := range entries {
		if n.cat.Areas[i].HoldsAt(p) {
			held = append(held, i)
		}
	}
	switch len(held) {
	case 1:
		return held[0], nil
	case 0:
		return 0, problem("area_period",
			"area name%[1]s fits %[2]s, none of which exists at the end of %[4]s",
			"tên địa bàn%[1]s ứng với %[3]s, không địa bàn nào còn tồn tại vào cuối kỳ %[4]s",
			spaced(subject), n.areaList(entries, "en"), n.areaList(entries, "vi"), p)
	}
	return 0, problem("ambiguous_area",
		"area name%[1]s fits several areas that exist at the end of %[4]s: %[2]s; write the code",
		"tên địa bàn%[1]s ứng với nhiều địa bàn cùng tồn tại vào cuối kỳ %[4]s: %[3]s; hãy ghi mã địa bàn",
		spaced(subject), n.areaList(held, "en"), n.areaList(held, "vi"), p)
}

// unknownName is the problem of a text naming no entry, with suggestions.
func unknownName(kind, en, vi, subject string, suggestions []string) *Problem {
	if len(suggestions) == 0 {
		return problem(kind, "unknown %[1]s%[3]s (not in the catalogue)", "không có %[2]s%[3]s trong danh mục",
			en, vi, spaced(subject))
	}
	return problem(kind, "unknown %[1]s%[3]s: did you mean %[4]s?", "không có %[2]s%[3]s trong danh mục: có phải là %[5]s không?",
		en, vi, spaced(subject), joinOr(suggestions, " or "), joinOr(suggestions, " hay "))
}

// spaced returns s after a space, or nothing when s is empty.
func spaced(s string) string {
	if s == "" {
		return ""
	}
	return " " + s
}

// joinOr joins a list as "a, b or c".
func joinOr(list []string, or string) string {
	if len(list) < 2 {
		return strings.Join(list, "")
	}
	return strings.Join(list[:len(list)-1], ", ") + or + list[len(list)-1]
}

func (n *Names) indicatorList(entries []int) string {
	parts := make([]string, len(entries))
	for i, e := range entries {
		ind := n.cat.Indicators[e]
		parts[i] = ind.Code + " (" + ind.Name("vi") + ")"
	}
	return strings.Join(parts, ", ")
}

// areaList writes areas as "PT (Phú Thọ, 1997-01-01 to 2025-06-30)".
func (n *Names) areaList(entries []int, lang string) string {
	parts := make([]string, len(entries))
	for i, e := range entries {
		a := n.cat.Areas[e]
		parts[i] = a.Code + " (" + a.Name + areaValidity(a, lang) + ")"
	}
	return strings.Join(parts, ", ")
}

// areaValidity returns ", from … to …" in the language, or nothing for an
// area that always existed.
func areaValidity(a chiso.Area, lang string) string {
	from, to, until := "from", "to", "until"
	if lang == "vi" {
		from, to, until = "từ", "đến", "đến"
	}
	day := func(t time.Time) string { return t.Format(time.DateOnly) }
	switch {
	case !a.ValidFrom.IsZero() && !a.ValidTo.IsZero():
		return fmt.Sprintf(", %s %s %s %s", from, day(a.ValidFrom), to, day(a.ValidTo))
	case !a.ValidFrom.IsZero():
		return fmt.Sprintf(", %s %s", from, day(a.ValidFrom))
	case !a.ValidTo.IsZero():
		return fmt.Sprintf(", %s %s", until, day(a.ValidTo))
	}
	return ""
}
