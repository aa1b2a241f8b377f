package ingest

import (
	"strings"

	"github.com/chiso-vn/chiso"
)

// cellNames is what a read remembers of the cells that named an indicator
// or an area by something other than its code. It is built on the first
// such cell, so that a file of codes never folds a name.
type cellNames struct {
	*Names
	inds  map[string]namedCell // by the cell's text
	areas map[string]namedCell
}

// namedCell is what a cell's text names: an indicator, an area, or areas
// that share a name and are told apart by the period; or what is wrong
// with it.
type namedCell struct {
	ind    *indInfo
	area   *areaInfo
	shared []int               // positions in the catalogue's areas
	at     map[int32]*areaInfo // for shared: the area chosen for each period, by key
	err    *Problem
}

// maxRemembered bounds each of a read's caches of cell texts.
const maxRemembered = 4096

func (rd *reader) cellNames() *cellNames {
	if rd.names == nil {
		rd.names = &cellNames{Names: NewNames(rd.opts.Catalogue),
			inds: map[string]namedCell{}, areas: map[string]namedCell{}}
	}
	return rd.names
}

// suggesting reports whether an unknown name is still worth comparing with
// every name for suggestions: only while its error would be listed.
func (rd *reader) suggesting() bool { return rd.errs.Len() < MaxErrors }

// indicatorNamed finds the indicator a cell names when its text is not a
// code, recording the problem when there is none or several.
func (rd *reader) indicatorNamed(rw *row, field int, s string) *indInfo {
	cn := rd.cellNames()
	c, ok := cn.inds[s]
	if !ok {
		i, err := cn.indicator(s, "", rd.suggesting())
		if c.err = err; err == nil {
			c.ind = rd.inds[rd.opts.Catalogue.Indicators[i].Code]
		}
		remember(cn.inds, s, c)
	}
	if c.err != nil {
		rd.fail(rw, field, "indicator", s, c.err)
	}
	return c.ind
}

// areaNamed finds the area a cell names when its text is not a code: a
// name several areas share is resolved to the one that exists at the end
// of the period written as period. Problems are recorded.
func (rd *reader) areaNamed(rw *row, field int, s, period string) *areaInfo {
	c := rd.areaCell(s)
	switch {
	case c.err != nil:
		rd.fail(rw, field, "area", s, c.err)
		return nil
	case c.area != nil:
		return c.area
	}
	p, _ := rd.peekPeriod(period)
	if a, ok := c.at[p.Key()]; ok && p.Valid() {
		return a
	}
	i, err := rd.names.chooseArea(c.shared, p, "")
	if err != nil {
		rd.fail(rw, field, "area", s, err)
		return nil
	}
	a := rd.areas[rd.opts.Catalogue.Areas[i].Code]
	if len(c.at) < maxRemembered {
		c.at[p.Key()] = a
	}
	return a
}

// areaCell returns what an area cell's text names, remembered.
func (rd *reader) areaCell(s string) namedCell {
	cn := rd.cellNames()
	c, ok := cn.areas[s]
	if !ok {
		entries, err := cn.area(s, "", rd.suggesting())
		switch {
		case err != nil:
			c.err = err
		case len(entries) == 1:
			c.area = rd.areas[rd.opts.Catalogue.Areas[entries[0]].Code]
		default:
			c.shared, c.at = entries, map[int32]*areaInfo{}
		}
		remember(cn.areas, s, c)
	}
	return c
}

// sharedAreaName reports whether s is a name several areas share, which a
// wide row resolves for each period column.
func (rd *reader) sharedAreaName(s string) bool {
	if rd.lastArea != nil && rd.lastArea.Code == s {
		return false
	}
	if _, ok := rd.areas[s]; ok {
		return false
	}
	return rd.areaCell(s).shared != nil
}

// peekPeriod reads a period, in any form parsePeriodWords accepts, without
// recording a problem: the period's own field reports it.
func (rd *reader) peekPeriod(s string) (chiso.Period, bool) {
	if p, ok := rd.periods[s]; ok {
		return p, true
	}
	p, err := parsePeriodWords(s)
	if err != nil {
		return p, false
	}
	if len(rd.periods) < maxRemembered {
		rd.periods[strings.Clone(s)] = p
	}
	return p, true
}

func remember(m map[string]namedCell, s string, c namedCell) {
	if len(m) < maxRemembered {
		m[strings.Clone(s)] = c
	}
}

// nameColumns finds, among the headers, the name columns that
// canonicalHeaders dropped beside their code columns.
func nameColumns(plain, names []string) [2]int {
	cols := [2]int{-1, -1}
	for i, n := range names {
		if n != "" {
			continue
		}
		switch headerIndex[fold(plain[i])].canonical {
		case "indicator":
			cols[0] = i
		case "area":
			cols[1] = i
		}
	}
	return cols
}

// namesAgree checks a row's name columns against its codes: a name that
// names another indicator or area than the code beside it means the row is
// misaligned, and is recorded as such. A name chiso does not know is only
// description.
func (rd *reader) namesAgree(rw *row, ind *indInfo, area *areaInfo) bool {
	ok := true
	if f := rd.nameCols[0]; f >= 0 && f < len(rw.fields) && strings.TrimSpace(rw.fields[f]) != "" {
		text := strings.TrimSpace(rw.fields[f])
		if i, err := rd.cellNames().indicator(text, "", false); err == nil && rd.opts.Catalogue.Indicators[i].Code != ind.Code {
			rd.fail(rw, f, "indicator", text, namesDisagree(rd.opts.Catalogue.Indicators[i].Code, ind.Code))
			ok = false
		}
	}
	if f := rd.nameCols[1]; area != nil && f >= 0 && f < len(rw.fields) && strings.TrimSpace(rw.fields[f]) != "" {
		text := strings.TrimSpace(rw.fields[f])
		if entries, err := rd.cellNames().area(text, "", false); err == nil && !rd.anyArea(entries, area.Code) {
			rd.fail(rw, f, "area", text, namesDisagree(rd.opts.Catalogue.Areas[entries[0]].Code, area.Code))
			ok = false
		}
	}
	return ok
}

func (rd *reader) anyArea(entries []int, code string) bool {
	for _, i := range entries {
		if rd.opts.Catalogue.Areas[i].Code == code {
			return true
		}
	}
	return false
}

func namesDisagree(named, code string) error {
	return problem("names_disagree", "the name is %s's but the code beside it is %s: the row is misaligned",
		"tên này là của %s nhưng mã bên cạnh là %s: dòng bị lệch", named, code)
}
