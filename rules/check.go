package rules

import (
	"cmp"
	"maps"
	"math"
	"slices"

	"github.com/chiso-vn/chiso/internal/timespec"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/internal/bounded"
	"github.com/chiso-vn/chiso/internal/yamlpos"
	"github.com/goccy/go-yaml/ast"
)

// groups checks the decoded groups; group names must be unique in the
// file.
func (p *fileParser) groups() []Group {
	var out []Group
	first := map[string]Position{}
	for i := range p.raw.Groups {
		path := yamlpos.Index("groups", i)
		g := p.group(i, path)
		if prev, dup := first[g.Name]; dup && g.Name != "" {
			p.errorAt(path, p.d.WrittenPos(path), "group name already used at %s", prev)
		} else {
			first[g.Name] = g.Pos
		}
		out = append(out, g)
	}
	return out
}

// position is where the value at path is in the file.
func (p *fileParser) position(path string) Position {
	pos := p.d.WrittenPos(path)
	return Position{File: p.file, Line: pos.Line, Column: pos.Column}
}

// group checks one group.
func (p *fileParser) group(i int, path string) Group {
	raw := p.raw.Groups[i]
	g := Group{Name: raw.Name, Schedule: raw.Schedule, Labels: raw.Labels, Pos: p.position(path)}
	if p.isString(path+".name") && raw.Name == "" {
		p.errorf(path+".name", "group name is empty")
	}
	if p.isString(path + ".schedule") {
		if _, err := timespec.ParseSchedule(raw.Schedule); err != nil {
			p.errorf(path+".schedule", "%v", err)
		}
	}
	p.labels(path+".labels", raw.Labels, "label")
	g.Limit = p.limit(path+".limit", raw.Limit)
	p.requireKeys(path, "group", "name", "schedule")
	first := map[string]Position{}
	for j := range raw.Rules {
		rp := yamlpos.Index(path+".rules", j)
		r := p.rule(raw.Rules[j], rp)
		if prev, dup := first[r.Alert]; dup && r.Alert != "" {
			p.errorAt(rp, p.d.WrittenPos(rp), "alert name already used in this group at %s", prev)
		} else {
			first[r.Alert] = r.Pos
		}
		g.Rules = append(g.Rules, r)
	}
	return g
}

// isString reports whether the value at path is a string: decoded, or
// already reported.
func (p *fileParser) isString(path string) bool {
	n, ok := p.d.Value(path)
	_, text := yamlpos.Text(n)
	return ok && text
}

// requireKeys reports each of the keys missing from the mapping at path.
func (p *fileParser) requireKeys(path, what string, keys ...string) {
	switch n, _ := p.d.Value(path); n.(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
	default:
		return // already reported as not a mapping
	}
	for _, k := range keys {
		if _, ok := p.d.Key(yamlpos.Join(path, k)); !ok {
			p.errorAt(path, p.d.WrittenPos(path), "%s has no %s", what, k)
		}
	}
}

// reservedLabels are set by chiso on every alert.
var reservedLabels = map[string]bool{"alertname": true, "severity": true, "area": true, "indicator": true, "period": true}

// labels checks the names of labels (what is "label") or annotations.
func (p *fileParser) labels(path string, m map[string]string, what string) {
	for k := range m {
		kp := yamlpos.Join(path, k)
		if !nameRE.MatchString(k) {
			p.keyError(kp, "%s name %q: want letters, digits and _, not starting with a digit", what, k)
		}
		if what == "label" && reservedLabels[k] {
			p.keyError(kp, "label %q is set by chiso; it cannot be set in a rule file", k)
		}
	}
}

// limit reads a group's limit: a whole number, 0 or more.
func (p *fileParser) limit(path string, n ast.Node) int {
	if n == nil {
		return 0
	}
	if v, ok := n.(*ast.IntegerNode); ok {
		if i, ok := v.Value.(int64); ok && i >= 0 && i <= math.MaxInt32 {
			return int(i)
		}
		if u, ok := v.Value.(uint64); ok && u <= math.MaxInt32 {
			return int(u)
		}
	}
	p.errorf(path, "limit: want a whole number of findings, 0 or more (0: no limit), got %s", yamlpos.Describe(n))
	return 0
}

// rule checks one rule, then decodes and validates its check kind's keys
// and parses its annotation templates.
func (p *fileParser) rule(raw ruleYAML, path string) Rule {
	r := Rule{Alert: raw.Alert, Check: raw.Check, Indicators: raw.Indicators, Areas: raw.Areas,
		Severity: chiso.Warning, For: raw.For, KeepFiringFor: raw.KeepFiringFor,
		AlertIndeterminate: raw.AlertIndeterminate, Labels: raw.Labels, Annotations: raw.Annotations,
		Pos: p.position(path)}
	if p.isString(path+".alert") && !nameRE.MatchString(raw.Alert) {
		p.errorf(path+".alert", "alert name %q: want letters, digits and _, not starting with a digit", raw.Alert)
	}
	if p.isString(path + ".indicator") {
		r.Indicators = []string{raw.Indicator}
		p.knownIndicator(path+".indicator", raw.Indicator)
	}
	if _, ok := p.d.Key(path + ".indicators"); ok {
		r.Indicators = p.codes(path+".indicators", raw.Indicators, p.knownIndicator)
	}
	matchingFailed := false
	if _, ok := p.d.Key(path + ".indicators_matching"); ok {
		r.Indicators, matchingFailed = p.indicatorsMatching(path+".indicators_matching", raw.IndicatorsMatching)
	}
	p.areas(path, &r)
	if p.isString(path + ".severity") {
		if sev, err := chiso.ParseSeverity(raw.Severity); err != nil {
			p.errorf(path+".severity", "%v", err)
		} else {
			r.Severity = sev
		}
	}
	p.labels(path+".labels", raw.Labels, "label")
	p.labels(path+".annotations", raw.Annotations, "annotation")
	p.oneIndicatorKey(path)
	p.requireKeys(path, "rule", "alert", "check")
	p.params(&r, raw.Params, path, matchingFailed)
	p.templates(&r, path)
	return r
}

// codes reports codes listed twice in the list at path and checks the
// others with known; it returns the list without repeats.
func (p *fileParser) codes(path string, list []string, known func(path, code string)) []string {
	var out []string
	for i, c := range list {
		ip := yamlpos.Index(path, i)
		switch {
		case slices.Contains(out, c):
			p.errorf(ip, "%s: %q listed twice", what(ip), c)
		default:
			out = append(out, c)
			known(ip, c)
		}
	}
	return out
}

// knownIndicator reports an indicator code the catalogue does not have.
func (p *fileParser) knownIndicator(path, code string) {
	if _, ok := p.cat.Indicator(code); ok {
		return
	}
	codes := make([]string, len(p.cat.Indicators))
	for i, ind := range p.cat.Indicators {
		codes[i] = ind.Code
	}
	p.errorf(path, "unknown indicator %q%s", code, suggest(code, codes))
}

// knownArea reports an area code the catalogue does not have.
func (p *fileParser) knownArea(path, code string) {
	if _, ok := p.cat.Area(code); ok {
		return
	}
	codes := make([]string, len(p.cat.Areas))
	for i, a := range p.cat.Areas {
		codes[i] = a.Code
	}
	p.errorf(path, "%s: unknown area %q%s", what(path), code, suggest(code, codes))
}

// areas checks an area selector: codes, level and parent, and reports a
// selector that can select no area of the catalogue.
func (p *fileParser) areas(path string, r *Rule) {
	path += ".areas"
	before := len(p.errs)
	r.Areas.Codes = p.codes(path+".codes", r.Areas.Codes, p.knownArea)
	if p.isString(path+".level") && !r.Areas.Level.Valid() {
		p.errorf(path+".level", "areas.level: unknown level %q (want country, province, district or commune)", r.Areas.Level)
	}
	if p.isString(path + ".parent") {
		p.knownArea(path+".parent", r.Areas.Parent)
	}
	if len(p.errs) != before || p.hasProblems(path) || len(p.cat.Areas) == 0 {
		return
	}
	rest := AreaSelector{Level: r.Areas.Level, Parent: r.Areas.Parent}
	for i, code := range r.Areas.Codes {
		if a, ok := p.cat.Area(code); ok && !rest.Matches(a) {
			p.errorf(yamlpos.Index(path+".codes", i), "areas.codes: %q (level %s, parent %q) is left out by %s", code, a.Level, a.Parent, rest)
		}
	}
	if len(p.errs) == before && !slices.ContainsFunc(p.cat.Areas, r.Areas.Matches) {
		p.errorf(path, "areas: %s selects no area of the catalogue", r.Areas)
	}
}

// hasProblems reports whether decoding found a problem at or under path.
func (p *fileParser) hasProblems(path string) bool {
	return slices.ContainsFunc(p.d.Problems, func(pr yamlpos.Problem) bool {
		return pr.Path == path || len(pr.Path) > len(path) && pr.Path[:len(path)] == path && (pr.Path[len(path)] == '.' || pr.Path[len(path)] == '[')
	})
}

// templates parses every annotation of the rule, in file order.
func (p *fileParser) templates(r *Rule, path string) {
	names := slices.SortedFunc(maps.Keys(r.Annotations), func(a, b string) int {
		pa, pb := p.d.NodePos(path+".annotations."+a), p.d.NodePos(path+".annotations."+b)
		return cmp.Or(cmp.Compare(pa.Line, pb.Line), cmp.Compare(pa.Column, pb.Column))
	})
	for _, name := range names {
		t, err := parseTemplate(name, r.Annotations[name])
		if err != nil {
			p.errorf(path+".annotations."+name, "annotation %s: %v", name, err)
			continue
		}
		if r.templates == nil {
			r.templates = map[string]*bounded.Template{}
		}
		r.templates[name] = t
	}
}
