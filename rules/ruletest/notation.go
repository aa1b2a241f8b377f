package ruletest

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/chiso-vn/chiso"
)

// qualifierPrefixes are the figure prefixes of the values notation, longest
// first within each leading character.
var qualifierPrefixes = []struct {
	prefix string
	q      chiso.Qualifier
}{
	{">", chiso.Over},
	{"<", chiso.Nearly},
	{"~", chiso.About},
	{"est:", chiso.Estimate},
	{"pre:", chiso.Preliminary},
	{"der:", chiso.Derived},
}

// selector is a parsed series: indicator{area="VP", method="gso", source="x"}.
type selector struct {
	Indicator, Area, Method, Source string
}

// parseSelector reads a series selector; on error, off is the byte offset
// of the problem.
func parseSelector(s string) (sel selector, off int, err error) {
	lead := len(s) - len(strings.TrimLeft(s, " \t"))
	s = strings.TrimSpace(s)
	open := strings.IndexByte(s, '{')
	if open < 0 || !strings.HasSuffix(s, "}") || open == len(s)-1 {
		return sel, 0, fmt.Errorf(`want indicator{area="CODE"}`)
	}
	sel.Indicator = strings.TrimSpace(s[:open])
	if sel.Indicator == "" {
		return sel, 0, fmt.Errorf("no indicator before {")
	}
	body := s[open+1 : len(s)-1]
	if off, err := sel.labels(body, open+1); err != nil {
		return sel, lead + off, err
	}
	if sel.Area == "" {
		return sel, lead + open, fmt.Errorf(`no area: want indicator{area="CODE"}`)
	}
	return sel, 0, nil
}

// labels reads key="value" pairs separated by commas; base is the offset
// of body within the selector.
func (sel *selector) labels(body string, base int) (int, error) {
	i := 0
	for i < len(body) {
		for i < len(body) && (body[i] == ' ' || body[i] == ',') {
			i++
		}
		if i == len(body) {
			break
		}
		eq := strings.IndexByte(body[i:], '=')
		if eq < 0 || eq+i+1 >= len(body) || body[i+eq+1] != '"' {
			return base + i, fmt.Errorf(`want key="value"`)
		}
		key := strings.TrimSpace(body[i : i+eq])
		end := strings.IndexByte(body[i+eq+2:], '"')
		if end < 0 {
			return base + i + eq + 1, fmt.Errorf("unterminated quoted value")
		}
		val := body[i+eq+2 : i+eq+2+end]
		if err := sel.set(key, val); err != nil {
			return base + i, err
		}
		i += eq + 2 + end + 1
	}
	return 0, nil
}

// set assigns one label of the selector.
func (sel *selector) set(key, val string) error {
	switch key {
	case "area":
		sel.Area = val
	case "method":
		sel.Method = val
	case "source":
		sel.Source = val
	default:
		return fmt.Errorf("unknown label %q (want area, method or source)", key)
	}
	return nil
}

// point is one PERIOD=FIGURE of a values list.
type point struct {
	Period    chiso.Period
	Value     float64
	Qualifier chiso.Qualifier
	Raw       string
}

// valueError is a problem with one entry of a values list.
type valueError struct {
	Offset int // byte offset of the entry
	Msg    string
}

// parseValues reads "2015=3560 2022=>183001 …", reporting every bad entry.
func parseValues(s string) ([]point, []valueError) {
	var pts []point
	var errs []valueError
	for _, f := range fieldsAt(s) {
		pt, err := parsePoint(f.text)
		if err != nil {
			errs = append(errs, valueError{f.off, fmt.Sprintf("%q: %v", f.text, err)})
			continue
		}
		pts = append(pts, pt)
	}
	if len(pts) == 0 && len(errs) == 0 {
		errs = append(errs, valueError{0, "no values: want PERIOD=FIGURE, e.g. 2024=98"})
	}
	return pts, errs
}

// parsePoint reads one PERIOD=FIGURE.
func parsePoint(s string) (point, error) {
	per, fig, ok := strings.Cut(s, "=")
	if !ok {
		return point{}, fmt.Errorf("want PERIOD=FIGURE, e.g. 2024=98")
	}
	p, err := chiso.ParsePeriod(per)
	if err != nil {
		return point{}, err
	}
	pt := point{Period: p, Raw: fig}
	for _, qp := range qualifierPrefixes {
		if rest, ok := strings.CutPrefix(fig, qp.prefix); ok {
			pt.Qualifier, fig = qp.q, rest
			break
		}
	}
	v, err := strconv.ParseFloat(fig, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return point{}, fmt.Errorf("figure %q is not a number (qualifier prefixes: >, <, ~, est:, pre:, der:)", fig)
	}
	pt.Value = v
	return pt, nil
}

// field is a whitespace-separated word and its byte offset.
type field struct {
	text string
	off  int
}

// fieldsAt splits s on white space, keeping offsets.
func fieldsAt(s string) []field {
	var out []field
	start := -1
	for i, r := range s + " " {
		space := r == ' ' || r == '\t' || r == '\n' || r == '\r'
		switch {
		case !space && start < 0:
			start = i
		case space && start >= 0:
			out = append(out, field{s[start:i], start})
			start = -1
		}
	}
	return out
}

// series turns one input entry into observations, numbering revisions.
func (p *fileParser) series(rs rawSeries) []Observation {
	sel, off, err := parseSelector(rs.Series.Text)
	if !rs.Series.Set {
		p.errorAt(rs.line, rs.col, "input observation: no series")
		return nil
	}
	if err != nil {
		p.errs = append(p.errs, p.at(rs.Series, off, "series %s: %v", rs.Series.Text, err))
		return nil
	}
	pts, verrs := parseValues(rs.Values.Text)
	for _, ve := range verrs {
		p.errs = append(p.errs, p.at(rs.Values, ve.Offset, "values: %s", ve.Msg))
	}
	pos := p.pos(rs.Values.Line, rs.Values.Col)
	revs := map[chiso.Period]int{}
	var out []Observation
	for _, pt := range pts {
		revs[pt.Period]++
		p.id++
		out = append(out, Observation{Pos: pos, Observation: chiso.Observation{
			Indicator: sel.Indicator, Area: sel.Area, Period: pt.Period, Value: pt.Value, Qualifier: pt.Qualifier,
			Raw: pt.Raw, Source: sel.Source, Method: sel.Method, Revision: revs[pt.Period], ID: p.id}})
	}
	return out
}

// at places a problem at a byte offset within a single-line scalar, or at
// the scalar when it spans lines.
func (p *fileParser) at(s scalar, off int, format string, args ...any) rulesError {
	col := s.Col
	if !strings.Contains(s.Text, "\n") && off <= len(s.Text) && col > 0 {
		col += utf8.RuneCountInString(s.Text[:off]) + s.Quote
	}
	return rulesError{Pos: p.pos(s.Line, col), Msg: fmt.Sprintf(format, args...)}
}
