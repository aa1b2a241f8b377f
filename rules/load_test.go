package rules

import (
	"errors"
	"fmt"
	"math"
	"os"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/chiso-vn/chiso"
)

// TestParseContent checks what full.good.yaml decodes to.
func TestParseContent(t *testing.T) {
	src, err := os.ReadFile("testdata/full.good.yaml")
	if err != nil {
		t.Fatal(err)
	}
	groups, err := Parse("full.yaml", src, testCatalogue())
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) != 2 || len(groups[0].Rules) != 2 || len(groups[1].Rules) != 0 {
		t.Fatalf("got %d groups, want 2 with 2 and 0 rules", len(groups))
	}
	g, r := groups[0], groups[0].Rules[0]
	if g.Name != "coverage" || g.Schedule != "0 7 * * *" || g.Labels["team"] != "infrastructure" || g.Pos != (Position{"full.yaml", 3, 5}) {
		t.Errorf("group = %+v", g)
	}
	want := Rule{Alert: "MobileCoverageOutOfBounds", Check: "t_bounds",
		Indicators: []string{"village_mobile_broadband_coverage"},
		Areas:      AreaSelector{Level: chiso.LevelProvince, Parent: "VN"},
		Severity:   chiso.Critical, For: 90 * time.Minute, KeepFiringFor: 14 * 24 * time.Hour,
		AlertIndeterminate: true, Labels: map[string]string{"owner": "data-team"}, Pos: Position{"full.yaml", 7, 9}}
	got := r
	got.Params, got.Annotations, got.templates = nil, nil, nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("rule =\n%+v\nwant\n%+v", got, want)
	}
	p := r.Params.(*boundsParams)
	if p.Min == nil || *p.Min != 0 || *p.Max != 100 || p.Window != 3*365*24*time.Hour || p.Bands.High != 4 || p.MinBase != 10 {
		t.Errorf("params = %+v", p)
	}
	if r2 := groups[0].Rules[1]; r2.Severity != chiso.Warning || len(r2.Areas.Codes) != 2 || r2.Params.(*exprParams).Tolerance != 0.1 {
		t.Errorf("second rule = %+v", r2)
	}
}

// TestLoad reads several files in sorted order and finds duplicate group
// names across files.
func TestLoad(t *testing.T) {
	group := func(name string) string {
		return "groups:\n  - name: " + name + "\n    schedule: \"@daily\"\n"
	}
	fsys := fstest.MapFS{
		"rules/b.yaml":  {Data: []byte(group("b"))},
		"rules/a.yaml":  {Data: []byte(group("a") + "  - name: c\n    schedule: \"@hourly\"\n")},
		"rules/c.yml":   {Data: []byte(group("c"))},
		"rules/x.txt":   {Data: []byte("not yaml: [")},
		"other/d.yaml":  {Data: []byte(group("d"))},
		"rules/bad.yml": {Data: []byte("groups: 3\n")},
	}
	groups, err := Load(fsys, []string{"rules/*.yaml", "other/*.yaml", "rules/a.yaml"}, testCatalogue())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, g := range groups {
		names = append(names, g.Pos.File+":"+g.Name)
	}
	if got := strings.Join(names, " "); got != "other/d.yaml:d rules/a.yaml:a rules/a.yaml:c rules/b.yaml:b" {
		t.Errorf("groups = %s", got)
	}
	_, err = Load(fsys, []string{"rules/*.y*ml", "none/*.yaml", "[", "other/*"}, testCatalogue())
	want := `[: bad pattern: syntax error in pattern
none/*.yaml: no rule file matches
rules/bad.yml:1:9: groups: want a list, got an integer
rules/c.yml:2:5: group "c": group name already used at rules/a.yaml:4:5`
	var list ErrorList
	if !errors.As(err, &list) || err.Error() != want {
		t.Errorf("errors:\n%v\nwant:\n%s", err, want)
	}
}

// TestNextRuns computes run times in the configured time zone.
func TestNextRuns(t *testing.T) {
	hcm, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	now := time.Date(2026, 11, 23, 18, 30, 0, 0, time.UTC) // 01:30 on the 24th in Hồ Chí Minh City
	for _, tc := range []struct {
		spec string
		want []string
	}{
		{"0 7 * * *", []string{"2026-11-24T07:00:00+07:00", "2026-11-25T07:00:00+07:00", "2026-11-26T07:00:00+07:00"}},
		{"@daily", []string{"2026-11-25T00:00:00+07:00", "2026-11-26T00:00:00+07:00", "2026-11-27T00:00:00+07:00"}},
		{"30 1 1 * *", []string{"2026-12-01T01:30:00+07:00", "2027-01-01T01:30:00+07:00", "2027-02-01T01:30:00+07:00"}},
		{"@every 6h", []string{"2026-11-24T07:30:00+07:00", "2026-11-24T13:30:00+07:00", "2026-11-24T19:30:00+07:00"}},
	} {
		runs, err := Group{Schedule: tc.spec}.NextRuns(now, hcm, 3)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range runs {
			got = append(got, r.Format(time.RFC3339))
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.spec, got, tc.want)
		}
	}
	if _, err := (Group{Schedule: "TZ=UTC 0 7 * * *"}).NextRuns(now, hcm, 3); err == nil || !strings.Contains(err.Error(), "configuration") {
		t.Errorf("TZ= spec: err = %v", err)
	}
}

// TestRender formats figures in the language and renders parsed templates
// and templates of rules built in code.
func TestRender(t *testing.T) {
	cat := testCatalogue()
	f := chiso.Finding{Rule: "R", Area: "VP", Indicator: "ict_revenue", Period: chiso.MustParsePeriod("2023-H1"),
		Value: 96875.5, Expected: math.NaN()}
	r := Rule{Alert: "R", Annotations: map[string]string{
		"summary": `{{ .Area.Name }}: {{ .Value }}{{ if .Expected }} vs {{ .Expected }}{{ end }} ({{ .Period }}, {{ .PeriodName }}) {{ humanize .Finding.Value }} {{ .Labels.team | toUpper }}`,
		"bad":     `{{ .Finding.Nope }}`,
	}}
	labels := map[string]string{"team": "data"}
	for _, tc := range []struct{ lang, want string }{
		{"vi", "Vĩnh Phúc: 96.875,5 tỷ đồng (2023-H1, 6 tháng đầu năm 2023) 96,875.5 DATA"},
		{"en", "Vĩnh Phúc: 96,875.5 billion VND (2023-H1, H1 2023) 96,875.5 DATA"},
	} {
		got, err := r.Render("summary", NewTemplateData(f, cat, labels, tc.lang))
		if err != nil || got != tc.want {
			t.Errorf("%s: got %q, %v; want %q", tc.lang, got, err, tc.want)
		}
	}
	if _, err := r.Render("bad", NewTemplateData(f, cat, nil, "en")); err == nil {
		t.Error("bad template rendered")
	}
	if _, err := r.Render("missing", TemplateData{}); err == nil {
		t.Error("missing annotation rendered")
	}
	out, err := r.RenderAnnotations(NewTemplateData(f, cat, labels, "en"))
	if err == nil || !strings.HasPrefix(out["bad"], "error: ") || !strings.HasPrefix(out["summary"], "Vĩnh Phúc") {
		t.Errorf("RenderAnnotations = %v, %v", out, err)
	}
}

// TestMergeKeys applies <<: entries only for keys the rule lacks.
func TestMergeKeys(t *testing.T) {
	src, err := os.ReadFile("testdata/merge.good.yaml")
	if err != nil {
		t.Fatal(err)
	}
	groups, err := Parse("merge.yaml", src, testCatalogue())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range groups[0].Rules {
		max := "-"
		if p := r.Params.(*boundsParams); p.Max != nil {
			max = fmt.Sprint(*p.Max)
		}
		got = append(got, fmt.Sprintf("%s/%s/%s/%s/%s/%s", r.Alert, r.Check, r.Indicators[0], r.Severity, r.Labels["team"], max))
	}
	want := "First/t_bounds/bts_stations/critical/infra/- Second/t_bounds/bts_stations/info/infra/- Third/t_bounds/bts_stations/critical/infra/4"
	if strings.Join(got, " ") != want {
		t.Errorf("got  %s\nwant %s", strings.Join(got, " "), want)
	}
}
