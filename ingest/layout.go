package ingest

import (
	"errors"
	"fmt"
	"strings"

	"github.com/chiso-vn/chiso"
)

// layout is how a table's header maps its columns: long (one row per
// observation, found by a value column) or wide (one row per indicator and
// area, one column per period).
type layout struct {
	long    bool
	idx     [nLong]int  // field of each long column (wide: indicator, area, source, method), -1 if absent
	periods []periodCol // wide: the period columns
	trusted bool        // the exact header CSVWriter writes
}

// periodCol is a column of the wide layout.
type periodCol struct {
	field  int
	name   string
	period chiso.Period
}

// wideIgnored are descriptive columns a department spreadsheet may carry
// beside the period columns.
var wideIgnored = []string{"name", "name_vi", "name_en", "note", "notes"}

// header reads a table's header row; problems are recorded against rw.
func (rd *reader) header(fields []string, rw *row) (layout, bool) {
	var lay layout
	for i := range lay.idx {
		lay.idx[i] = -1
	}
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(f, "\ufeff")))
	}
	lay.long = contains(names, "value")
	before := rd.errs.Len()
	for i, n := range names {
		rd.headerColumn(&lay, rw, i, n)
	}
	rd.requireColumns(&lay, rw, names)
	lay.trusted = lay.long && isExportHeader(names)
	return lay, rd.errs.Len() == before
}

// headerColumn places one column of the header.
func (rd *reader) headerColumn(lay *layout, rw *row, i int, n string) {
	col := indexOf(longNames[:], n)
	switch {
	case col >= 0 && lay.idx[col] >= 0:
		rd.fail(rw, i, "column", n, errors.New("duplicate column"))
	case col >= 0 && (lay.long || col == colIndicator || col == colArea || col == colSource || col == colMethod || col == colUnit):
		lay.idx[col] = i
	case lay.long:
		rd.fail(rw, i, "column", n, fmt.Errorf("unknown column (want %s)", strings.Join(longNames[:], ", ")))
	case contains(wideIgnored, n):
	default:
		p, err := chiso.ParsePeriod(n)
		if err != nil {
			rd.fail(rw, i, "column", n, errors.New("neither a period (2024, 2024-H1, 2024-Q3, 2024-08) nor indicator, area, source, method, name or unit"))
			return
		}
		lay.periods = append(lay.periods, periodCol{field: i, name: n, period: p})
	}
}

// requireColumns checks that the layout has the columns it needs.
func (rd *reader) requireColumns(lay *layout, rw *row, names []string) {
	need := []int{colIndicator, colArea}
	if lay.long {
		need = append(need, colPeriod, colValue)
	}
	for _, col := range need {
		if lay.idx[col] < 0 {
			rd.fail(rw, -1, "header", strings.Join(names, ","), fmt.Errorf("no %s column", longNames[col]))
		}
	}
	if !lay.long && len(lay.periods) == 0 {
		rd.fail(rw, -1, "header", strings.Join(names, ","), errors.New("neither long (a value column) nor wide (period columns such as 2023, 2024-H1)"))
	}
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

// isExportHeader reports whether names are exactly the columns CSVWriter
// writes, in its order.
func isExportHeader(names []string) bool {
	n := len(names)
	if n != colMethod+1 && n != colIngestedAt+1 {
		return false
	}
	for i, name := range names {
		if longNames[i] != name {
			return false
		}
	}
	return true
}

// wideRow reads one row of the wide layout: an observation for every
// non-empty period cell.
func (rd *reader) wideRow(rw *row, cols []periodCol) error {
	ind := rd.indicator(rw, rw.idx[colIndicator], rw.get(colIndicator))
	area := rd.area(rw, rw.idx[colArea], rw.get(colArea))
	if ind == nil || area == nil {
		return nil
	}
	base := chiso.Observation{Indicator: ind.Code, Area: area.Code,
		Source: rd.intern(rw.get(colSource), rd.source), Method: rd.intern(rw.get(colMethod), "")}
	for _, pc := range cols {
		if pc.field >= len(rw.fields) || strings.TrimSpace(rw.fields[pc.field]) == "" {
			continue
		}
		o := base
		o.Period = pc.period
		if !area.holds(pc.period) {
			rd.fail(rw, pc.field, pc.name, rw.fields[pc.field], rd.notHeld(area, pc.period))
			continue
		}
		if !rd.printedValue(rw, pc.field, pc.name, ind, &o) {
			continue
		}
		if err := rd.send(rw, pc.field, pc.name, rw.fields[pc.field], o); err != nil {
			return err
		}
	}
	return nil
}

// tableRow reads one data row of a table in its layout.
func (rd *reader) tableRow(lay *layout, rw *row) error {
	if lay.long {
		return rd.longRow(rw)
	}
	return rd.wideRow(rw, lay.periods)
}

func blank(fields []string) bool {
	for _, f := range fields {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}
