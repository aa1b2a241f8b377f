package email

import (
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"math"
	"os"
	"strings"
	texttemplate "text/template"
	"time"
	"unicode/utf8"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/alerting"
	"github.com/chiso-vn/chiso/alerts"
	"github.com/chiso-vn/chiso/internal/bounded"
)

//go:embed templates/*.tmpl
var shipped embed.FS

// maxSubject is the longest subject in runes; longer ones are cut.
const maxSubject = 200

// TemplateLimits bound each execution of each part of a message: the
// subject, the text and the HTML (see package internal/bounded for how).
var TemplateLimits = bounded.Email

// templates are a receiver's three templates, ready to execute.
type templates struct {
	subject, text, html part
}

// part is one template of a message, with the file it comes from.
type part struct {
	kind string // bounded.KindEmailSubject, KindEmailText or KindEmailHTML
	name string // the override's path, or the shipped template's name
	t    *bounded.Template
}

// funcs are the functions templates may call besides text/template's.
func funcs() map[string]any {
	return map[string]any{
		"upper": strings.ToUpper,
		"inc":   func(i int) int { return i + 1 }, // numbers a list from 1
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
	t := templates{subject: part{kind: bounded.KindEmailSubject}, text: part{kind: bounded.KindEmailText},
		html: part{kind: bounded.KindEmailHTML}}
	var err error
	if t.subject.t, t.subject.name, err = loadText(cfg.Lang+".subject.tmpl", cfg.Subject); err != nil {
		return nil, err
	}
	if t.text.t, t.text.name, err = loadText(cfg.Lang+".txt.tmpl", cfg.Text); err != nil {
		return nil, err
	}
	if t.html.t, t.html.name, err = loadHTML(cfg.Lang+".html.tmpl", cfg.HTML); err != nil {
		return nil, err
	}
	b := builder{lang: cfg.Lang, loc: time.UTC}
	for _, n := range sampleNotifications() {
		if _, cut, err := t.render(b.data(n), TemplateLimits.AtLoad()); err != nil || len(cut) > 0 {
			return nil, fmt.Errorf("check templates on a sample %s notification: %w", n.Reason, errors.Join(append(cut, err)...))
		}
	}
	return &t, nil
}

// loadText parses a shipped text template and, if path is set, an
// override that may call the shipped template's definitions; it returns
// the template to execute and its name.
func loadText(name, path string) (*bounded.Template, string, error) {
	base, err := texttemplate.New(name).Funcs(funcs()).ParseFS(shipped, "templates/"+name)
	if err != nil {
		return nil, "", fmt.Errorf("parse shipped template %s: %w", name, err)
	}
	t, name, err := override(base, name, path)
	if err != nil {
		return nil, "", err
	}
	bt, err := bounded.Text(t)
	return bt, name, err
}

// loadHTML is loadText for the HTML template, which escapes what it prints.
func loadHTML(name, path string) (*bounded.Template, string, error) {
	base, err := htmltemplate.New(name).Funcs(funcs()).ParseFS(shipped, "templates/"+name)
	if err != nil {
		return nil, "", fmt.Errorf("parse shipped template %s: %w", name, err)
	}
	t, name, err := override(base, name, path)
	if err != nil {
		return nil, "", err
	}
	bt, err := bounded.HTML(t)
	return bt, name, err
}

// templateSet is what text/template and html/template templates share.
type templateSet[T any] interface {
	Lookup(name string) T
	New(name string) T
	Parse(text string) (T, error)
}

// override returns the shipped template name of base or, if path is set,
// the template read from path into base's set, so that it may call the
// shipped template's definitions; and the name of the one returned.
func override[T templateSet[T]](base T, name, path string) (T, string, error) {
	if path == "" {
		return base.Lookup(name), name, nil
	}
	var none T
	src, err := os.ReadFile(path)
	if err != nil {
		return none, "", fmt.Errorf("read template: %w", err)
	}
	t, err := base.New(path).Parse(string(src))
	if err != nil {
		return none, "", fmt.Errorf("parse template: %w", err)
	}
	return t, path, nil
}

// rendered is a message's three parts.
type rendered struct {
	subject, text, html string
}

// render executes the three templates on d within TemplateLimits. The
// subject is one line: runs of white space (line breaks included) become
// one space, so no template can add a header. A part cut at a bound keeps
// what it wrote, followed by a note in d.Lang; cut has an error for each
// such part, and the message can still be sent. err is any other failure.
func (t *templates) render(d Data, limits bounded.Limits) (r rendered, cut []error, err error) {
	for _, p := range []struct {
		part
		out *string
	}{{t.subject, &r.subject}, {t.text, &r.text}, {t.html, &r.html}} {
		s, err := p.t.Execute(d, limits)
		var ex *bounded.ExceededError
		switch {
		case errors.As(err, &ex):
			s += cutNote(p.kind, d.Lang)
			cut = append(cut, &cutError{kind: p.kind, name: p.name, err: ex})
		case err != nil:
			return rendered{}, nil, fmt.Errorf("%s template %s: %w", partName(p.kind), p.name, err)
		}
		*p.out = s
	}
	r.subject = oneLine(r.subject)
	return r, cut, nil
}

// cutError is a part of a message cut at a bound.
type cutError struct {
	kind, name string
	err        *bounded.ExceededError
}

func (e *cutError) Error() string {
	return fmt.Sprintf("%s template %s: %v", partName(e.kind), e.name, e.err)
}

func (e *cutError) Unwrap() error { return e.err }

func partName(kind string) string {
	return strings.TrimPrefix(kind, "email_")
}

// cutNote ends a part cut at a bound, so that the reader knows.
func cutNote(kind, lang string) string {
	note := "[…] This message was cut: it exceeded the size or time allowed to its template. See the alerts in chiso."
	if lang == "vi" {
		note = "[…] Thư này đã bị cắt bớt: nội dung vượt quá dung lượng hoặc thời gian cho phép của mẫu thư. Xem đầy đủ các cảnh báo trong chiso."
	}
	switch kind {
	case bounded.KindEmailSubject:
		return "…"
	case bounded.KindEmailHTML:
		return "\n<p>" + note + "</p>\n"
	}
	return "\n\n" + note + "\n"
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
	firing.Finding.Qualifier = chiso.Over
	resolved := firing
	resolved.State, resolved.ResolvedAt, resolved.ResolvedBecause = chiso.Resolved, at, chiso.ResolvedRevised
	acked := firing
	acked.Value, acked.Expected = math.NaN(), math.NaN()
	acked.Ack = &chiso.Acknowledgement{Kind: chiso.AckCorrect, By: "b", At: at, Comment: "c"}
	all := []chiso.Alert{firing, resolved, acked}
	var out []*alerts.Notification
	for _, r := range []alerting.Reason{alerting.ReasonFiring, alerting.ReasonResolved, alerting.ReasonRepeat, alerting.ReasonTest} {
		out = append(out, &alerts.Notification{ID: 1, Receiver: "r", Reason: r, Alerts: all, ExternalURL: "http://x", CreatedAt: at})
	}
	dg := &alerts.Digest{From: at, To: at, Fired: all, StillFiring: all, Resolved: all, Acknowledged: all}
	out = append(out, &alerts.Notification{ID: 2, Receiver: "r", Reason: alerting.ReasonDigest, Digest: dg, CreatedAt: at},
		&alerts.Notification{ID: 3, Receiver: "r", Reason: alerting.ReasonDigest, Digest: &alerts.Digest{}, CreatedAt: at},
		&alerts.Notification{ID: 4, Receiver: "r", Reason: alerting.ReasonTest, CreatedAt: at})
	return out
}
