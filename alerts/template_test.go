package alerts_test

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/alerts"
	"github.com/chiso-vn/chiso/internal/bounded"
	"github.com/chiso-vn/chiso/rules"
	"github.com/chiso-vn/chiso/store"
)

// TestAnnotationCutAtBound: an annotation that runs away on a real finding
// is cut at the bound; the alert fires with what it wrote, every cut is
// counted, and the log says so once per rule until the rules change.
func TestAnnotationCutAtBound(t *testing.T) {
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
	m, err := alerts.New(alerts.Options{Store: db, Config: parseConfig(t, baseConfig), TemplateErrors: errs,
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
		ev := alerts.Evaluation{Group: g, Findings: slices.Values([]chiso.Finding{finding("PT"), finding("HN")}), Now: t0.Add(time.Duration(i) * time.Minute)}
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
	if err := m.SetRules(ctx, []rules.Group{g}, t0); err != nil {
		t.Fatal(err)
	}
	if err := m.Process(ctx, alerts.Evaluation{Group: g, Findings: slices.Values([]chiso.Finding{finding("PT")}), Now: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(log.String(), "annotation template cut"); n != 2 {
		t.Errorf("after new rules: %d log lines, want 2", n)
	}
}
