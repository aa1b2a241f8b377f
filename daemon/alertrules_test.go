package daemon_test

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/alerts"
	"github.com/chiso-vn/chiso/daemon"
	"github.com/chiso-vn/chiso/internal/bounded"
	"github.com/chiso-vn/chiso/rules"
	"github.com/chiso-vn/chiso/store"
)

// alertingConfig is an alerting section with one webhook receiver that is
// never called: the outbox keeps what the manager queues.
func alertingConfig(t *testing.T) *alerts.Config {
	t.Helper()
	var c alerts.Config
	src := "route: {receiver: hook}\nreceivers: [{name: hook, webhook: {url: \"http://127.0.0.1:1/hook\"}}]\n"
	if err := yaml.UnmarshalWithOptions([]byte(src), &c, yaml.Strict()); err != nil {
		t.Fatal(err)
	}
	return &c
}

// TestAnnotationCutAtBound: an annotation template that runs away on a
// real finding, given to the alert manager through AlertGroup, is cut at
// the bound; the alert fires with what it wrote, every cut is
// counted, and the log says so once per rule until the rules change.
func TestAnnotationCutAtBound(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC) // a Monday
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "chiso.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	reg := prometheus.NewRegistry()
	errs, err := bounded.NewErrors(reg)
	if err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	m, err := alerts.New(alerts.Options{Store: db, Config: alertingConfig(t), TemplateErrors: errs,
		Logger: slog.New(slog.NewTextHandler(&log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(ctx, t0); err != nil {
		t.Fatal(err)
	}
	g := rules.Group{Name: "g", Rules: []rules.Rule{{Alert: "Runaway", Severity: chiso.Warning,
		Annotations: map[string]string{"summary": "{{range .Finding.DataID}}{{printf \"%01000d\" 0}}{{end}}"}}}}
	finding := func(area string) chiso.Finding {
		return chiso.Finding{Rule: "Runaway", Group: "g", Area: area, Indicator: "bts_stations", Status: chiso.Fail,
			Severity: chiso.Warning, DataID: 1 << 40}
	}
	for i := range 2 {
		ev := alerts.Evaluation{Group: daemon.AlertGroup(g), Findings: slices.Values([]chiso.Finding{finding("PT"), finding("HN")}), Now: t0.Add(time.Duration(i) * time.Minute)}
		if err := m.Process(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	as := m.Alerts(t0)
	if len(as) != 2 {
		t.Fatalf("%d alerts, want 2", len(as))
	}
	for _, a := range as {
		if s := a.Annotations["summary"]; len(s) != 64<<10+len("…") || a.State != chiso.Firing {
			t.Errorf("%s: %s, summary of %d bytes", a.Labels["area"], a.State, len(s))
		}
	}
	if n := testutil.ToFloat64(errs.Counter(bounded.KindAnnotation, bounded.BoundOutput)); n != 4 {
		t.Errorf("chiso_template_errors_total{template=annotation,reason=output} = %v, want 4", n)
	}
	if n := strings.Count(log.String(), "annotation template cut"); n != 1 {
		t.Errorf("%d log lines, want 1:\n%s", n, log.String())
	}
	if err := m.SetRules(ctx, daemon.AlertGroups([]rules.Group{g}), t0); err != nil {
		t.Fatal(err)
	}
	if err := m.Process(ctx, alerts.Evaluation{Group: daemon.AlertGroup(g), Findings: slices.Values([]chiso.Finding{finding("PT")}), Now: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(log.String(), "annotation template cut"); n != 2 {
		t.Errorf("after new rules: %d log lines, want 2", n)
	}
}

// TestAlertGroupFindsWhatTheRuleFinds: a rule's Finds differs when its
// check, indicators, areas, severity, parameters or opt-in to indeterminate
// findings change, so that its alerts resolve as "rule changed", and not
// when only its timing, labels or annotations do.
func TestAlertGroupFindsWhatTheRuleFinds(t *testing.T) {
	base := func() rules.Rule {
		return rules.Rule{Alert: "R", Check: "range", Indicators: []string{"bts_sites"}, Severity: chiso.Warning,
			Areas: rules.AreaSelector{Level: chiso.LevelProvince}}
	}
	finds := func(r rules.Rule) any {
		return daemon.AlertGroup(rules.Group{Name: "g", Rules: []rules.Rule{r}}).Rules[0].Finds
	}
	for _, tc := range []struct {
		name string
		edit func(*rules.Rule)
		same bool
	}{
		{"nothing", func(*rules.Rule) {}, true},
		{"for", func(r *rules.Rule) { r.For = time.Hour }, true},
		{"labels", func(r *rules.Rule) { r.Labels = map[string]string{"team": "ops"} }, true},
		{"annotations", func(r *rules.Rule) { r.Annotations = map[string]string{"summary": "x"} }, true},
		{"check", func(r *rules.Rule) { r.Check = "change" }, false},
		{"indicators", func(r *rules.Rule) { r.Indicators = []string{"bts_stations"} }, false},
		{"areas", func(r *rules.Rule) { r.Areas.Codes = []string{"PT"} }, false},
		{"severity", func(r *rules.Rule) { r.Severity = chiso.Critical }, false},
		{"indeterminate", func(r *rules.Rule) { r.AlertIndeterminate = true }, false},
	} {
		r := base()
		tc.edit(&r)
		if same := reflect.DeepEqual(finds(base()), finds(r)); same != tc.same {
			t.Errorf("%s changed: same %v, want %v", tc.name, same, tc.same)
		}
	}
}
