package rules

import (
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"text/template"

	"github.com/chiso-vn/chiso"
	"github.com/goccy/go-yaml/ast"
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
	// indicator's unit; empty when the finding has none.
	Value, Expected string
	Period          string        // e.g. 2024, 2024-H1; empty when the finding has none
	Finding         chiso.Finding // the finding itself
	Labels          map[string]string
}

// NewTemplateData fills TemplateData for a finding, looking the area and
// indicator up in the catalogue. lang ("vi" or "en") chooses the number
// format: 1.234,5 in Vietnamese, 1,234.5 in English.
func NewTemplateData(f chiso.Finding, cat *chiso.Catalogue, labels map[string]string, lang string) TemplateData {
	d := TemplateData{Rule: f.Rule, Group: f.Group, Finding: f, Labels: labels,
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
	}
	d.Value = formatValue(f.Value, d.Indicator.Unit, lang)
	d.Expected = formatValue(f.Expected, d.Indicator.Unit, lang)
	return d
}

// formatValue writes a figure with its unit; NaN is empty.
func formatValue(v float64, unit, lang string) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return ""
	}
	s := formatNumber(v, lang)
	switch unit {
	case "", "percent":
		if unit == "percent" {
			return s + "%"
		}
		return s
	}
	return s + " " + strings.ReplaceAll(unit, "_", " ")
}

// formatNumber writes v with thousands separators and at most three
// decimals, in the language's convention.
func formatNumber(v float64, lang string) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	s := strconv.FormatFloat(math.Abs(v), 'f', 3, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	whole, frac, _ := strings.Cut(s, ".")
	group, dec := ",", "."
	if lang == "vi" {
		group, dec = ".", ","
	}
	var b strings.Builder
	if v < 0 && s != "0" {
		b.WriteByte('-')
	}
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteString(group)
		}
		b.WriteRune(c)
	}
	if frac != "" {
		b.WriteString(dec + frac)
	}
	return b.String()
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
		"humanize": func(v float64) string { return formatNumber(v, "en") },
	}
}

// templatePrefix is what text/template puts before its messages.
var templatePrefix = regexp.MustCompile(`^template: [^:]*:(\d+):(\d+:)? ?`)

// parseTemplate parses an annotation and runs it once on sample data, so
// that an unknown function or field is reported at load time.
func parseTemplate(name, text string) (*template.Template, error) {
	t, err := template.New(name).Funcs(TemplateFuncs()).Option("missingkey=zero").Parse(text)
	if err != nil {
		return nil, cleanTemplateError(err)
	}
	sample := NewTemplateData(chiso.Finding{Value: math.NaN(), Expected: math.NaN()}, nil, map[string]string{}, "en")
	if err := t.Execute(io.Discard, sample); err != nil {
		return nil, cleanTemplateError(err)
	}
	return t, nil
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

// templates parses every annotation of the rule.
func (p *fileParser) templates(r *Rule, n ast.Node) {
	m, ok := deref(n, p.anchors).(*ast.MappingNode)
	if !ok {
		return // reported when reading the annotations
	}
	for _, kv := range m.Values {
		name := keyName(kv.Key)
		text, ok := r.Annotations[name]
		if !ok {
			continue
		}
		t, err := parseTemplate(name, text)
		if err != nil {
			p.errorf(kv.Value, "annotation %s: %v", name, err)
			continue
		}
		if r.templates == nil {
			r.templates = map[string]*template.Template{}
		}
		r.templates[name] = t
	}
}

// Render executes the rule's annotation template called name on data. It
// uses the template parsed at load time; for a Rule built in code it parses
// r.Annotations[name] first.
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
	var b strings.Builder
	if err := t.Execute(&b, data); err != nil {
		return "", fmt.Errorf("rule %s annotation %s: %w", r.Alert, name, cleanTemplateError(err))
	}
	return b.String(), nil
}

// RenderAnnotations executes every annotation of the rule on data. An
// annotation that fails keeps its error text as its value, so an alert is
// never lost to a template; the first error is returned too.
func (r Rule) RenderAnnotations(data TemplateData) (map[string]string, error) {
	out := make(map[string]string, len(r.Annotations))
	var first error
	for name := range r.Annotations {
		s, err := r.Render(name, data)
		if err != nil {
			s = "error: " + err.Error()
			if first == nil {
				first = err
			}
		}
		out[name] = s
	}
	return out, first
}
