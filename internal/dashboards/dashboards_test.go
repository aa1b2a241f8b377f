package dashboards

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// committed is where the generated dashboards are kept in the repository.
const committed = "../../deploy/grafana"

// TestCommittedDashboardsAreCurrent fails when the JSON under
// deploy/grafana differs from what the code builds, or when a file there
// is no longer built.
func TestCommittedDashboardsAreCurrent(t *testing.T) {
	ds, err := All()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, d := range ds {
		want[d.File] = true
		got, err := os.ReadFile(filepath.Join(committed, d.File))
		if err != nil || string(got) != string(d.JSON) {
			t.Errorf("deploy/grafana/%s is out of date (%v): run go run ./cmd/chiso grafana dashboards deploy/grafana", d.File, err)
		}
	}
	files, _ := filepath.Glob(filepath.Join(committed, "*.json"))
	for _, f := range files {
		if !want[filepath.Base(f)] {
			t.Errorf("deploy/grafana/%s is no longer generated: remove it", filepath.Base(f))
		}
	}
	if len(ds) < 2 {
		t.Errorf("%d dashboards, want data quality and service", len(ds))
	}
}

// grafanaJSON is the part of a dashboard's JSON the tests read.
type grafanaJSON struct {
	UID    string `json:"uid"`
	Title  string `json:"title"`
	Panels []struct {
		Type    string `json:"type"`
		Title   string `json:"title"`
		Targets []struct {
			Expr       string `json:"expr"`
			Datasource struct {
				UID string `json:"uid"`
			} `json:"datasource"`
		} `json:"targets"`
	} `json:"panels"`
	Templating struct {
		List []struct {
			Name  string `json:"name"`
			Type  string `json:"type"`
			Query any    `json:"query"`
		} `json:"list"`
	} `json:"templating"`
}

// TestPanelsListTheQueriesOfTheJSON holds the panel list that the
// real-Prometheus test runs to the JSON Grafana imports: same panels, same
// queries in the same order, each on the dashboard's data source variable.
func TestPanelsListTheQueriesOfTheJSON(t *testing.T) {
	ds, err := All()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		var g grafanaJSON
		if err := json.Unmarshal(d.JSON, &g); err != nil {
			t.Fatalf("%s: %v", d.File, err)
		}
		var panels []Panel
		for _, p := range g.Panels {
			if p.Type == "row" {
				continue
			}
			ps := Panel{Title: p.Title}
			for _, tg := range p.Targets {
				ps.Queries = append(ps.Queries, tg.Expr)
				if tg.Datasource.UID != "${datasource}" {
					t.Errorf("%s %q: data source %q", d.File, p.Title, tg.Datasource.UID)
				}
			}
			if len(ps.Queries) == 0 {
				t.Errorf("%s %q has no query", d.File, p.Title)
			}
			panels = append(panels, ps)
		}
		if !slices.EqualFunc(panels, d.Panels, func(a, b Panel) bool { return a.Title == b.Title && slices.Equal(a.Queries, b.Queries) }) {
			t.Errorf("%s: panels in the JSON %v differ from the list %v", d.File, panels, d.Panels)
		}
		var names []string
		for _, v := range g.Templating.List {
			names = append(names, v.Name)
		}
		for _, v := range d.Variables {
			if !slices.Contains(names, v.Name) {
				t.Errorf("%s: variable %s missing from the JSON (%v)", d.File, v.Name, names)
			}
		}
		if g.UID == "" || !strings.HasPrefix(g.Title, "chiso") {
			t.Errorf("%s: uid %q title %q", d.File, g.UID, g.Title)
		}
	}
}
