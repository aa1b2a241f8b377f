// Package dashboards builds chiso's Grafana dashboards as code with the
// Grafana Foundation SDK (Apache-2.0; the Grafana server itself is not
// used): "chiso — data quality" for the people who watch the figures, and
// "chiso — service" for the people who run chiso. `chiso grafana
// dashboards DIR` writes them; deploy/grafana/ holds the generated JSON,
// and a test fails when it is out of date.
//
// Each panel is described once, as a spec, and both the dashboard and the
// list of its PromQL queries (which a test runs against a real Prometheus
// scraping a real chiso) come from that spec.
package dashboards

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
	"github.com/grafana/grafana-foundation-sdk/go/stat"
	"github.com/grafana/grafana-foundation-sdk/go/table"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"
)

// Dashboard is one generated dashboard.
type Dashboard struct {
	File  string // file name under deploy/grafana, e.g. chiso-service.json
	Title string
	JSON  []byte // what Grafana imports, indented, ending in a newline
	// Panels are the dashboard's panels with their queries, in order.
	Panels []Panel
	// Variables are the template variables' label_values queries.
	Variables []Variable
}

// Panel is a panel's title and its PromQL queries, with the dashboard's
// variables ($job, $instance, $indicator, $province, $__rate_interval)
// left in.
type Panel struct {
	Title   string
	Queries []string
}

// Variable is a template variable filled from label_values(Metric, Label).
type Variable struct {
	Name, Metric, Label string
}

// kind is how a panel draws.
type kind int

const (
	timeSeries kind = iota
	statPanel
	tablePanel
)

// panelSpec describes one panel; row, when set, starts a new row with that
// title before the panel.
type panelSpec struct {
	row         string
	kind        kind
	title, desc string
	unit        string
	width       uint32 // of 24 columns; 0 means 8
	queries     []query
}

type query struct {
	expr, legend string
}

type dashSpec struct {
	file, uid, title, desc string
	tags                   []string
	vars                   []varSpec
	panels                 []panelSpec
}

type varSpec struct {
	name, label, metric, labelName string
	multi                          bool // several values and All (.*)
}

// All builds every dashboard.
func All() ([]Dashboard, error) {
	var out []Dashboard
	for _, spec := range []dashSpec{dataQuality(), service()} {
		d, err := build(spec)
		if err != nil {
			return nil, fmt.Errorf("dashboard %s: %w", spec.title, err)
		}
		out = append(out, d)
	}
	return out, nil
}

// Write writes every dashboard into dir, creating it, and returns the
// paths written.
func Write(dir string) ([]string, error) {
	ds, err := All()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var paths []string
	for _, d := range ds {
		p := filepath.Join(dir, d.File)
		if err := os.WriteFile(p, d.JSON, 0o644); err != nil {
			return paths, err
		}
		paths = append(paths, p)
	}
	return paths, nil
}

// datasource is the dashboard's Prometheus, chosen with its variable.
func datasource() common.DataSourceRef {
	typ, uid := "prometheus", "${datasource}"
	return common.DataSourceRef{Type: &typ, Uid: &uid}
}

func build(spec dashSpec) (Dashboard, error) {
	// The v1 schema, which every Grafana from 9 on imports; the SDK
	// prefers dashboardv2, which only recent Grafana releases read.
	//lint:ignore SA1019 the v1 schema is what deployed Grafanas import
	b := dashboard.NewDashboardBuilder(spec.title).
		Uid(spec.uid).
		Description(spec.desc).
		Tags(spec.tags).
		Editable().
		Refresh("1m").
		Time("now-7d", "now").
		Timezone(common.TimeZoneBrowser).
		WithVariable(dashboard.NewDatasourceVariableBuilder("datasource").Label("Prometheus").Type("prometheus"))
	out := Dashboard{File: spec.file, Title: spec.title}
	for _, v := range spec.vars {
		b = b.WithVariable(variable(v))
		out.Variables = append(out.Variables, Variable{Name: v.name, Metric: v.metric, Label: v.labelName})
	}
	for _, p := range spec.panels {
		if p.row != "" {
			b = b.WithRow(dashboard.NewRowBuilder(p.row))
		}
		b = b.WithPanel(panel(p))
		ps := Panel{Title: p.title}
		for _, q := range p.queries {
			ps.Queries = append(ps.Queries, q.expr)
		}
		out.Panels = append(out.Panels, ps)
	}
	d, err := b.Build()
	if err != nil {
		return Dashboard{}, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(d); err != nil {
		return Dashboard{}, err
	}
	out.JSON = buf.Bytes()
	return out, nil
}

func variable(v varSpec) cog.Builder[dashboard.VariableModel] {
	q := fmt.Sprintf("label_values(%s, %s)", v.metric, v.labelName)
	b := dashboard.NewQueryVariableBuilder(v.name).
		Label(v.label).
		Query(dashboard.StringOrMap{String: &q}).
		Definition(q).
		Datasource(datasource()).
		Refresh(dashboard.VariableRefreshOnTimeRangeChanged).
		Sort(dashboard.VariableSortAlphabeticalAsc)
	if v.multi {
		b = b.Multi(true).IncludeAll(true).AllValue(".*")
	}
	return b
}

func dataquery(q query, ref string, instant bool) *prometheus.DataqueryBuilder {
	b := prometheus.NewDataqueryBuilder().Expr(q.expr).RefId(ref).Datasource(datasource())
	if q.legend != "" {
		b = b.LegendFormat(q.legend)
	}
	if instant {
		b = b.Instant().Format(prometheus.PromQueryFormatTable)
	} else {
		b = b.Range()
	}
	return b
}

func panel(p panelSpec) cog.Builder[dashboard.Panel] {
	width := p.width
	if width == 0 {
		width = 8
	}
	refs := "ABCDEFGH"
	switch p.kind {
	case statPanel:
		b := stat.NewPanelBuilder().Title(p.title).Description(p.desc).Datasource(datasource()).Span(width).Height(4).
			ReduceOptions(common.NewReduceDataOptionsBuilder().Calcs([]string{"lastNotNull"}))
		if p.unit != "" {
			b = b.Unit(p.unit)
		}
		for i, q := range p.queries {
			b = b.WithTarget(dataquery(q, refs[i:i+1], false))
		}
		return b
	case tablePanel:
		b := table.NewPanelBuilder().Title(p.title).Description(p.desc).Datasource(datasource()).Span(width).Height(8)
		if p.unit != "" {
			b = b.Unit(p.unit)
		}
		for i, q := range p.queries {
			b = b.WithTarget(dataquery(q, refs[i:i+1], true))
		}
		return b
	}
	b := timeseries.NewPanelBuilder().Title(p.title).Description(p.desc).Datasource(datasource()).Span(width).Height(8).
		Legend(common.NewVizLegendOptionsBuilder().ShowLegend(true).DisplayMode(common.LegendDisplayModeList).Placement(common.LegendPlacementBottom))
	if p.unit != "" {
		b = b.Unit(p.unit)
	}
	for i, q := range p.queries {
		b = b.WithTarget(dataquery(q, refs[i:i+1], false))
	}
	return b
}
