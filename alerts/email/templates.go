package email

import (
	"embed"
	"fmt"
	htmltemplate "html/template"
	"io"
	"math"
	"os"
	"strings"
	texttemplate "text/template"
	"time"
	"unicode/utf8"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/alerts"
)

//go:embed templates/*.tmpl
var shipped embed.FS

// maxSubject is the longest subject in runes; longer ones are cut.
const maxSubject = 200

// executor is a parsed text or HTML template.
type executor interface {
	Execute(w io.Writer, data any) error
}

// templates are a receiver's three templates, ready to execute.
type templates struct {
	subject, text, html executor
}

// funcs are the functions templates may call besides text/template's.
func funcs() map[string]any {
	return map[string]any{
		"upper": strings.ToUpper,
		"lower": strings.ToLower,
		"join":  func(s []string, sep string) string { return strings.Join(s, sep) },
		"default": func(fallback, v string) string {
			if v == "" {
				return fallback
			}
			return v
		},
	}
}

// loadTemplates parses the shipped templates in cfg.Lang and the
// operator's overrides, then runs each once on sample data so that a bad
// field is reported now rather than at the first alert.
func loadTemplates(cfg Config) (*templates, error) {
	var t templates
	var err error
	if t.subject, err = loadText(cfg.Lang+".subject.tmpl", cfg.Subject); err != nil {
		return nil, err
	}
	if t.text, err = loadText(cfg.Lang+".txt.tmpl", cfg.Text); err != nil {
		return nil, err
	}
	if t.html, err = loadHTML(cfg.Lang+".html.tmpl", cfg.HTML); err != nil {
		return nil, err
	}
	b := builder{lang: cfg.Lang, loc: time.UTC}
	for _, n := range sampleNotifications() {
		if _, _, _, err := t.render(b.data(n)); err != nil {
			return nil, fmt.Errorf("check templates on a sample %s notification: %w", n.Reason, err)
		}
	}
	return &t, nil
}

// loadText parses a shipped text template and, if path is set, an
// override that may call the shipped template's definitions.
func loadText(name, path string) (executor, error) {
	base, err := texttemplate.New(name).Funcs(funcs()).ParseFS(shipped, "templates/"+name)
	if err != nil {
		return nil, fmt.Errorf("parse shipped template %s: %w", name, err)
	}
	return override(base, name, path)
}

// loadHTML is loadText for the HTML template, which escapes what it prints.
func loadHTML(name, path string) (executor, error) {
	base, err := htmltemplate.New(name).Funcs(funcs()).ParseFS(shipped, "templates/"+name)
	if err != nil {
		return nil, fmt.Errorf("parse shipped template %s: %w", name, err)
	}
	return override(base, name, path)
}

// templateSet is what text/template and html/template templates share.
type templateSet[T any] interface {
	executor
	Lookup(name string) T
	New(name string) T
	Parse(text string) (T, error)
}

// override returns the shipped template name of base or, if path is set,
// the template read from path into base's set, so that it may call the
// shipped template's definitions.
func override[T templateSet[T]](base T, name, path string) (executor, error) {
	if path == "" {
		return base.Lookup(name), nil
	}
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read template: %w", err)
	}
	t, err := base.New(path).Parse(string(src))
	if err != nil {
		return nil, fmt.Errorf("parse template: %w", err)
	}
	return t, nil
}

// render executes the three templates on d. The subject is one line: runs
// of white space (line breaks included) become one space, so no template
// can add a header.
func (t *templates) render(d Data) (subject, text, html string, err error) {
	var sb, tb, hb strings.Builder
	if err := t.subject.Execute(&sb, d); err != nil {
		return "", "", "", fmt.Errorf("subject template: %w", err)
	}
	if err := t.text.Execute(&tb, d); err != nil {
		return "", "", "", fmt.Errorf("text template: %w", err)
	}
	if err := t.html.Execute(&hb, d); err != nil {
		return "", "", "", fmt.Errorf("html template: %w", err)
	}
	return oneLine(sb.String()), tb.String(), hb.String(), nil
}

// oneLine collapses white space and cuts s to maxSubject runes.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= maxSubject {
		return s
	}
	r := []rune(s)
	return string(r[:maxSubject-1]) + "…"
}

// sampleNotifications exercise every branch of the templates: one per
// reason, with a firing, a resolved and an acknowledged alert.
func sampleNotifications() []*alerts.Notification {
	at := time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC)
	firing := chiso.Alert{Fingerprint: "f1", State: chiso.Firing, FiredAt: at, Value: 1, Expected: 2,
		Labels:      map[string]string{"alertname": "r", "area": "a", "indicator": "i", "severity": "warning"},
		Annotations: map[string]string{"summary": "s", "description": "d"},
		Finding:     chiso.Finding{Message: "m", Source: "src", Value: 1, Expected: 2}}
	resolved := firing
	resolved.State, resolved.ResolvedAt = chiso.Resolved, at
	acked := firing
	acked.Value, acked.Expected = math.NaN(), math.NaN()
	acked.Ack = &chiso.Acknowledgement{Kind: chiso.AckCorrect, By: "b", At: at, Comment: "c"}
	all := []chiso.Alert{firing, resolved, acked}
	var out []*alerts.Notification
	for _, r := range []alerts.Reason{alerts.ReasonFiring, alerts.ReasonResolved, alerts.ReasonRepeat, alerts.ReasonTest} {
		out = append(out, &alerts.Notification{ID: 1, Receiver: "r", Reason: r, Alerts: all, ExternalURL: "http://x", CreatedAt: at})
	}
	dg := &alerts.Digest{From: at, To: at, Fired: all, StillFiring: all, Resolved: all, Acknowledged: all}
	out = append(out, &alerts.Notification{ID: 2, Receiver: "r", Reason: alerts.ReasonDigest, Digest: dg, CreatedAt: at},
		&alerts.Notification{ID: 3, Receiver: "r", Reason: alerts.ReasonDigest, Digest: &alerts.Digest{}, CreatedAt: at},
		&alerts.Notification{ID: 4, Receiver: "r", Reason: alerts.ReasonTest, CreatedAt: at})
	return out
}
