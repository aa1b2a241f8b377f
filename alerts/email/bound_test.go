package email

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/chiso-vn/chiso/internal/bounded"
)

// TestTemplatesExceedingABoundAreRefused: an operator's template that
// exceeds a bound on the sample notifications is refused when it is
// loaded (check, start, reload), naming the file.
func TestTemplatesExceedingABoundAreRefused(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, text string
		bounds     []string // the loop may run out of time first on a slow machine
	}{
		{"output.tmpl", `{{range 100000000}}{{printf "%01000d" 0}}{{end}}`, []string{bounded.BoundOutput}},
		{"silent.tmpl", "{{range 100000000}}{{end}}", []string{bounded.BoundSteps, bounded.BoundTime}},
		{"grows.tmpl", `{{$x := "ab"}}{{range 64}}{{$x = printf "%s%s" $x $x}}{{end}}`, []string{bounded.BoundOutput}},
	} {
		path := filepath.Join(dir, tc.name)
		if err := os.WriteFile(path, []byte(tc.text), 0o600); err != nil {
			t.Fatal(err)
		}
		for _, cfg := range []Config{{Text: path}, {HTML: path}, {Subject: path}} {
			_, _, _, err := Render(cfg, notification())
			var ex *bounded.ExceededError
			if !errors.As(err, &ex) || !slices.Contains(tc.bounds, ex.Bound) || !strings.Contains(err.Error(), path) {
				t.Errorf("%s in %+v: err %v, want one naming the file and a bound of %v", tc.name, cfg, err, tc.bounds)
			}
		}
	}
}

// TestNotifyCutsARunawayTemplate: a template that passed the load-time
// check but runs away on a real notification is cut at the bound; the
// message is sent with a note, the cut counted and logged once.
func TestNotifyCutsARunawayTemplate(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "text.tmpl")
	if err := os.WriteFile(path, []byte("{{range .NotificationID}}xxxxxxxxxx{{end}}"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startSMTP(t, serverMode{tls: TLSNone})
	cfg := config(s, serverMode{tls: TLSNone})
	cfg.Text = path
	reg := prometheus.NewRegistry()
	errs, err := bounded.NewErrors(reg)
	if err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	e, err := New(cfg, WithCatalogue(catalogue()), WithTemplateErrors(errs), WithLogger(slog.New(slog.NewTextHandler(&log, nil))))
	if err != nil {
		t.Fatal(err)
	}
	n := notification()
	n.ID = 1 << 40
	for range 2 {
		if err := e.Notify(context.Background(), n); err != nil {
			t.Fatal(err)
		}
	}
	msgs := s.Messages()
	if len(msgs) != 2 {
		t.Fatalf("%d messages, want 2", len(msgs))
	}
	p := parse(t, msgs[0].Data)
	if !strings.HasPrefix(p.Text, "xxxxxxxxxx") || !strings.Contains(p.Text, "Thư này đã bị cắt") || len(p.Text) < 64<<10 {
		t.Errorf("text of %d bytes, ending %q", len(p.Text), p.Text[max(0, len(p.Text)-200):])
	}
	if !strings.Contains(p.HTML, "Điện Biên") {
		t.Errorf("the html part suffered from the text part's cut")
	}
	// the output bound, or the time bound on a slow machine
	cuts := testutil.ToFloat64(errs.Counter(bounded.KindEmailText, bounded.BoundOutput)) +
		testutil.ToFloat64(errs.Counter(bounded.KindEmailText, bounded.BoundTime))
	if cuts != 2 {
		t.Errorf("chiso_template_errors_total{template=email_text,reason=output|time} = %v, want 2", cuts)
	}
	if n := strings.Count(log.String(), "e-mail template cut"); n != 1 {
		t.Errorf("%d log lines, want 1:\n%s", n, log.String())
	}
}
