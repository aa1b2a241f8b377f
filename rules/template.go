package rules

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strings"
	"text/template"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/checks"
	"github.com/chiso-vn/chiso/internal/bounded"
)

// TemplateData is what an annotation template sees. For example
//
//	summary: "{{ .Area.Name }}: {{ .Value }} < {{ .Expected }} ({{ .Period }})"
//
// Besides text/template's built-ins, templates may call toUpper, toLower,
// trimSpace, join (a list and a separator), default (a fallback and a value:
// the fallback when the value is empty) and humanize (a number, written with
// thousands separators and at most three decimals).
type TemplateData struct {
	Rule      string          // the rule's alert name
	Group     string          // the rule's group
	Area      chiso.Area      // the finding's area; only Code is set when the catalogue lacks it
	Indicator chiso.Indicator // the finding's indicator; only Code is set when the catalogue lacks it
	// Value and Expected are the finding's figures, formatted with the
	// indicator's unit, Value with its qualifier ("trên 95%", "over
	// 95%"); empty when the finding has none.
	Value, Expected string
	Period          string        // e.g. 2024, 2024-H1; empty when the finding has none
	PeriodName      string        // the period in words in the language: "6 tháng đầu năm 2023", "H1 2023"
	Lang            string        // the language of the messages: vi or en
	Finding         chiso.Finding // the finding itself
	Labels          map[string]string
}

// NewTemplateData fills TemplateData for a finding, looking the area and
// indicator up in the catalogue. lang ("vi" or "en") chooses the number
// format and unit words, as in check messages: "183.001 tỷ đồng" in
// Vietnamese, "183,001 billion VND" in English.
func NewTemplateData(f chiso.Finding, cat *chiso.Catalogue, labels map[string]string, lang string) TemplateData {
	d := TemplateData{Rule: f.Rule, Group: f.Group, Finding: f.Written(), Labels: labels, Lang: lang,
		Area: chiso.Area{Code: f.Area}, Indicator: chiso.Indicator{Code: f.Indicator}}
	if cat != nil {
		if a, ok := cat.Area(f.Area); ok {
			d.Area = a
		}
		if ind, ok := cat.Indicator(f.Indicator); ok {
			d.Indicator = ind
		}
	}
	if !f.Period.IsZero() {
		d.Period = f.Period.String()
		d.PeriodName = checks.FormatPeriod(f.Period, lang)
	}
	if d.Value = formatValue(f.Value, d.Indicator.Unit, lang); d.Value != "" {
		d.Value = checks.FormatFigure(f.Value, f.Qualifier, d.Indicator.Unit, lang)
	}
	d.Expected = formatValue(f.Expected, d.Indicator.Unit, lang)
	return d
}

// formatValue writes a figure with its unit as check messages do; NaN is
// empty.
func formatValue(v float64, unit, lang string) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return ""
	}
	return checks.FormatQuantity(v, unit, lang)
}

// TemplateFuncs returns the functions annotation templates may call.
func TemplateFuncs() template.FuncMap {
	return template.FuncMap{
		"toUpper":   strings.ToUpper,
		"toLower":   strings.ToLower,
		"trimSpace": strings.TrimSpace,
		"join":      func(s []string, sep string) string { return strings.Join(s, sep) },
		"default": func(fallback, v string) string {
			if v == "" {
				return fallback
			}
			return v
		},
		"humanize": func(v float64) string { return checks.FormatNumber(v, "en") },
	}
}

// templatePrefix is what text/template puts before its messages.
var templatePrefix = regexp.MustCompile(`^template: [^:]*:(\d+):(\d+:)? ?`)

// TemplateLimits bound every execution of an annotation template: its
// output, its wall time and its loop iterations and template calls (see
// package internal/bounded for how).
var TemplateLimits = bounded.Annotation

// parseTemplate parses an annotation and runs it once on sample data
// within TemplateLimits, so that an unknown function or field, or a
// template that exceeds a bound whatever the finding, is reported at load
// time.
func parseTemplate(name, text string) (*bounded.Template, error) {
	t, err := template.New(name).Funcs(TemplateFuncs()).Option("missingkey=zero").Parse(text)
	if err != nil {
		return nil, cleanTemplateError(err)
	}
	bt, err := bounded.Text(t)
	if err != nil {
		return nil, err
	}
	sample := NewTemplateData(chiso.Finding{Value: math.NaN(), Expected: math.NaN()}, nil, map[string]string{}, "en")
	if _, err := bt.Execute(sample, TemplateLimits.AtLoad()); err != nil {
		return nil, cleanTemplateError(err)
	}
	return bt, nil
}

// cleanTemplateError drops text/template's "template: name:1:" prefix,
// keeping the line within the template when it is not the first.
func cleanTemplateError(err error) error {
	msg := err.Error()
	m := templatePrefix.FindStringSubmatch(msg)
	if m == nil {
		return err
	}
	msg = msg[len(m[0]):]
	if m[1] != "1" {
		msg = fmt.Sprintf("template line %s: %s", m[1], msg)
	}
	return fmt.Errorf("%s", msg)
}

// Render executes the rule's annotation template called name on data
// within TemplateLimits. It uses the template parsed at load time; for a
// Rule built in code it parses r.Annotations[name] first. A render cut at
// a bound returns what was written before the bound, ending in "…", with
// an error wrapping the *bounded.ExceededError.
func (r Rule) Render(name string, data TemplateData) (string, error) {
	t := r.templates[name]
	if t == nil {
		text, ok := r.Annotations[name]
		if !ok {
			return "", fmt.Errorf("rule %s has no annotation %q", r.Alert, name)
		}
		var err error
		if t, err = parseTemplate(name, text); err != nil {
			return "", fmt.Errorf("rule %s annotation %s: %w", r.Alert, name, err)
		}
	}
	s, err := t.Execute(data, TemplateLimits)
	var ex *bounded.ExceededError
	switch {
	case errors.As(err, &ex):
		return s + "…", fmt.Errorf("rule %s annotation %s: cut: %w", r.Alert, name, ex)
	case err != nil:
		return "", fmt.Errorf("rule %s annotation %s: %w", r.Alert, name, cleanTemplateError(err))
	}
	return s, nil
}

// RenderAnnotations executes every annotation of the rule on data. An
// annotation that fails keeps its error text as its value, and one cut at
// a bound keeps what was written, so an alert is never lost to a template;
// every error is returned too, joined.
func (r Rule) RenderAnnotations(data TemplateData) (map[string]string, error) {
	out := make(map[string]string, len(r.Annotations))
	var errs []error
	for name := range r.Annotations {
		s, err := r.Render(name, data)
		if err != nil {
			if bounded.Reason(err) == "error" {
				s = "error: " + err.Error()
			}
			errs = append(errs, err)
		}
		out[name] = s
	}
	return out, errors.Join(errs...)
}
