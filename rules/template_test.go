package rules

import (
	"errors"
	"strings"
	"testing"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/internal/bounded"
)

// TestRenderCutAtBound: a template that passes the load-time check on the
// sample finding but runs away on a real one is cut at the bound, keeps
// what it wrote, and says so; the other annotations render.
func TestRenderCutAtBound(t *testing.T) {
	src := []byte(`groups:
  - name: g
    schedule: "@daily"
    rules:
      - alert: R
        check: range
        indicator: village_mobile_broadband_coverage
        annotations:
          summary: '{{range .Finding.DataID}}{{printf "%01000d" 0}}{{end}}'
          silent: "{{range .Finding.DataID}}{{end}}done"
          description: "fine"
`)
	groups, err := Parse("cut.yaml", src, testCatalogue())
	if err != nil {
		t.Fatal(err)
	}
	r := groups[0].Rules[0]
	data := NewTemplateData(chiso.Finding{Rule: "R", DataID: 1 << 40}, nil, nil, "en")
	out, err := r.RenderAnnotations(data)
	var ex *bounded.ExceededError
	if !errors.As(err, &ex) {
		t.Fatalf("err = %v, want a bound exceeded", err)
	}
	if s := out["summary"]; len(s) != TemplateLimits.Output+len("…") || !strings.HasSuffix(s, "0…") {
		t.Errorf("summary: %d bytes, %q…", len(s), s[:min(len(s), 20)])
	}
	if s := out["silent"]; s != "…" {
		t.Errorf("silent = %q", s)
	}
	if out["description"] != "fine" {
		t.Errorf("description = %q", out["description"])
	}
	for _, want := range []string{"annotation summary: cut: output exceeds the bound of 64 KiB", "annotation silent: cut: "} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}
