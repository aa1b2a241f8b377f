package console

import (
	"cmp"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strings"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/server"
)

type homeView struct {
	Ready      bool
	Uptime     string
	Groups     []server.GroupStatus
	Reload     server.ReloadStatus
	Alerting   bool
	Firing     []severityCount
	FiringN    int
	Imports    []ImportRecord
	ImportsErr string
	Findings   int
	Grid       grid
	GridHTML   template.HTML
}

type severityCount struct {
	Severity chiso.Severity
	N        int
}

// grid is the province × indicator table at /: a row per indicator, a
// column per area, each cell coloured by its worst current finding.
type grid struct {
	Areas []gridArea
	Rows  []gridRow
}

type gridArea struct{ Code, Name string }

type gridRow struct {
	Code, Name string
	Cells      []gridCell
}

type gridCell struct {
	Class string // crit, warn, info, ok, or empty with no series
	N     int    // findings
	Link  string
}

func (c *Console) home(w http.ResponseWriter, r *http.Request) {
	lang := langOf(r)
	v := homeView{Ready: c.deps.Status.Ready(), Uptime: durationText(c.deps.Now().Sub(c.deps.Started), lang),
		Groups: c.deps.Status.Rules(), Reload: c.deps.Status.ReloadStatus(), Alerting: c.deps.Alerting != nil}
	if v.Alerting {
		counts := map[chiso.Severity]int{}
		for _, a := range c.deps.Alerting.Alerts(c.deps.Now()) {
			if a.State == chiso.Firing {
				counts[chiso.Severity(a.Labels["severity"])]++
				v.FiringN++
			}
		}
		for _, s := range []chiso.Severity{chiso.Critical, chiso.Warning, chiso.Info} {
			v.Firing = append(v.Firing, severityCount{s, counts[s]})
		}
	}
	if c.deps.Imports != nil {
		recs, err := c.deps.Imports(r.Context(), 5)
		if err != nil {
			v.ImportsErr = err.Error()
		}
		v.Imports = recs
	}
	cat, err := c.deps.Querier.Catalogue(r.Context())
	if err != nil {
		c.problem(w, r, http.StatusInternalServerError, err.Error())
		return
	}
	v.Grid, v.Findings = c.grid(cat, lang)
	v.GridHTML = v.Grid.html(lang)
	c.render(w, r, http.StatusOK, "home", "chiso", "home", v)
}

// cellKey names a cell of the grid.
type cellKey struct{ indicator, area string }

type cellState struct {
	worst  int // severity rank; 0 with no finding
	n      int
	series bool
}

// grid builds the table from the exported series and the current findings;
// it returns the number of findings too.
func (c *Console) grid(cat *chiso.Catalogue, lang string) (grid, int) {
	cells := map[cellKey]*cellState{}
	get := func(k cellKey) *cellState {
		s, ok := cells[k]
		if !ok {
			s = &cellState{}
			cells[k] = s
		}
		return s
	}
	if c.deps.Series != nil {
		for _, sv := range c.deps.Series() {
			get(cellKey{sv.Indicator, sv.Area}).series = true
		}
	}
	total := 0
	for f := range c.deps.Status.Findings() {
		total++
		if f.Indicator == "" || f.Area == "" {
			continue
		}
		s := get(cellKey{f.Indicator, f.Area})
		s.n++
		s.worst = max(s.worst, f.Severity.Rank())
	}
	areas, inds := map[string]bool{}, map[string]bool{}
	for k := range cells {
		areas[k.area], inds[k.indicator] = true, true
	}
	var g grid
	areaIndex := map[string]int{}
	for _, a := range cat.Areas {
		if areas[a.Code] {
			areaIndex[a.Code] = len(g.Areas)
			g.Areas = append(g.Areas, gridArea{a.Code, a.Name})
		}
	}
	for _, ind := range cat.Indicators {
		if !inds[ind.Code] {
			continue
		}
		row := gridRow{Code: ind.Code, Name: ind.Name(lang), Cells: make([]gridCell, len(g.Areas))}
		for _, a := range g.Areas {
			s, ok := cells[cellKey{ind.Code, a.Code}]
			if !ok {
				continue
			}
			cell := &row.Cells[areaIndex[a.Code]]
			cell.N = s.n
			cell.Class = cmp.Or(severityClass(s.worst), "ok")
			cell.Link = "/series/" + pathEscape(ind.Code) + "/" + pathEscape(a.Code)
		}
		g.Rows = append(g.Rows, row)
	}
	slices.SortStableFunc(g.Rows, func(a, b gridRow) int { return cmp.Compare(a.Name, b.Name) })
	return g, total
}

// html writes the grid's table: built here rather than by the template,
// as a million observations make thousands of cells.
func (g grid) html(lang string) template.HTML {
	var b strings.Builder
	b.Grow(64 * (len(g.Areas) + 1) * (len(g.Rows) + 1))
	b.WriteString(`<table class="grid"><thead><tr><th scope="col">`)
	b.WriteString(esc(tr(lang, "Chỉ số", "Indicator")))
	b.WriteString(`</th>`)
	for _, a := range g.Areas {
		fmt.Fprintf(&b, `<th scope="col"><abbr title="%s">%s</abbr></th>`, esc(a.Name), esc(a.Code))
	}
	b.WriteString(`</tr></thead><tbody>`)
	for _, r := range g.Rows {
		fmt.Fprintf(&b, `<tr><th scope="row" title="%s">%s</th>`, esc(r.Code), esc(r.Name))
		for _, c := range r.Cells {
			switch {
			case c.Link == "":
				b.WriteString(`<td></td>`)
			case c.N > 0:
				fmt.Fprintf(&b, `<td class="%s"><a href="%s">%d</a></td>`, c.Class, esc(c.Link), c.N)
			default:
				fmt.Fprintf(&b, `<td class="ok"><a href="%s">·</a></td>`, esc(c.Link))
			}
		}
		b.WriteString(`</tr>`)
	}
	b.WriteString(`</tbody></table>`)
	return template.HTML(b.String())
}

// severityClass is the CSS class of a severity rank.
func severityClass(rank int) string {
	switch rank {
	case 3:
		return "crit"
	case 2:
		return "warn"
	case 1:
		return "info"
	}
	return ""
}
