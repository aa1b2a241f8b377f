package rules

import (
	"slices"

	"github.com/chiso-vn/chiso"
	"github.com/goccy/go-yaml/ast"
)

// commonKeys are the keys every rule may have, whatever its check kind; the
// rule's other keys belong to the kind's parameters.
var commonKeys = []string{"alert", "check", "indicator", "indicators", "areas", "severity",
	"for", "keep_firing_for", "alert_indeterminate", "labels", "annotations"}

// rules reads a group's rules; alert names must be unique in the group.
func (p *fileParser) rules(n ast.Node) []Rule {
	var out []Rule
	first := map[string]Position{}
	for _, item := range p.sequence(n, "rules") {
		r := p.parseRule(item)
		if prev, dup := first[r.Alert]; dup && r.Alert != "" {
			p.ruleName = r.Alert
			p.errorAt(r.Pos, "alert name already used in this group at %s", prev)
			p.ruleName = ""
		} else {
			first[r.Alert] = r.Pos
		}
		out = append(out, r)
	}
	return out
}

// parseRule reads one rule: the common keys, then the kind's parameters
// from the others, then the annotation templates.
func (p *fileParser) parseRule(n ast.Node) Rule {
	r := Rule{Pos: nodePos(p.file, n), Severity: chiso.Warning}
	kvs := p.mapping(n, "rule")
	r.Alert, _ = p.findString(kvs, "alert")
	p.ruleName = r.Alert
	defer func() { p.ruleName = "" }()
	var extra []*ast.MappingValueNode
	for _, kv := range kvs {
		if !p.commonKey(&r, kv) {
			extra = append(extra, kv)
		}
	}
	if one, many := findKey(kvs, "indicator"), findKey(kvs, "indicators"); one != nil && many != nil {
		later := many
		if nodePos(p.file, one.Key).Line > nodePos(p.file, many.Key).Line {
			later = one
		}
		p.errorf(later.Key, "use indicator or indicators, not both")
	}
	p.requireKeys(n, kvs, "rule", "alert", "check")
	p.params(&r, kvs, extra)
	if kv := findKey(kvs, "annotations"); kv != nil {
		p.templates(&r, kv.Value)
	}
	return r
}

// commonKey reads the entry into r if its key is common to every rule.
func (p *fileParser) commonKey(r *Rule, kv *ast.MappingValueNode) bool {
	switch keyName(kv.Key) {
	case "alert":
		r.Alert = p.name(kv.Value, "alert name")
	case "check":
		r.Check, _ = p.str(kv.Value, "check")
	case "indicator":
		if s, ok := p.str(kv.Value, "indicator"); ok {
			r.Indicators = []string{s}
			p.knownIndicator(s, deref(kv.Value, p.anchors))
		}
	case "indicators":
		codes, nodes := p.strList(kv.Value, "indicators")
		for i, c := range codes {
			p.knownIndicator(c, nodes[i])
		}
		r.Indicators = codes
	case "areas":
		r.Areas = p.areas(kv.Value)
	default:
		return p.alertKey(r, kv)
	}
	return true
}

// alertKey reads the entry into r if its key is one of the alerting keys.
func (p *fileParser) alertKey(r *Rule, kv *ast.MappingValueNode) bool {
	switch keyName(kv.Key) {
	case "severity":
		r.Severity = p.severity(kv.Value)
	case "for":
		r.For = p.duration(kv.Value, "for")
	case "keep_firing_for":
		r.KeepFiringFor = p.duration(kv.Value, "keep_firing_for")
	case "alert_indeterminate":
		r.AlertIndeterminate = p.boolean(kv.Value, "alert_indeterminate")
	case "labels":
		r.Labels = p.labels(kv.Value, "labels")
	case "annotations":
		r.Annotations = p.labels(kv.Value, "annotations")
	default:
		return false
	}
	return true
}

// severity reads info, warning or critical.
func (p *fileParser) severity(n ast.Node) chiso.Severity {
	s, ok := p.str(n, "severity")
	if !ok {
		return chiso.Warning
	}
	sev, err := chiso.ParseSeverity(s)
	if err != nil {
		p.errorf(n, "%v", err)
		return chiso.Warning
	}
	return sev
}

// knownIndicator reports an indicator code the catalogue does not have.
func (p *fileParser) knownIndicator(code string, n ast.Node) {
	if _, ok := p.cat.Indicator(code); ok {
		return
	}
	codes := make([]string, len(p.cat.Indicators))
	for i, ind := range p.cat.Indicators {
		codes[i] = ind.Code
	}
	p.errorf(n, "unknown indicator %q%s", code, suggest(code, codes))
}

// knownArea reports an area code the catalogue does not have.
func (p *fileParser) knownArea(code string, n ast.Node, what string) {
	if _, ok := p.cat.Area(code); ok {
		return
	}
	codes := make([]string, len(p.cat.Areas))
	for i, a := range p.cat.Areas {
		codes[i] = a.Code
	}
	p.errorf(n, "%s: unknown area %q%s", what, code, suggest(code, codes))
}

// areas reads an area selector: codes, level and parent, and reports a
// selector that can select no area of the catalogue.
func (p *fileParser) areas(n ast.Node) AreaSelector {
	before := len(p.errs)
	sel := p.areaKeys(n)
	if len(p.errs) != before || len(p.cat.Areas) == 0 {
		return sel
	}
	p.excludedCodes(n, sel)
	if len(p.errs) == before && !slices.ContainsFunc(p.cat.Areas, sel.Matches) {
		p.errorf(deref(n, p.anchors), "areas: %s selects no area of the catalogue", sel)
	}
	return sel
}

// excludedCodes reports listed codes that the selector's level or parent
// leave out.
func (p *fileParser) excludedCodes(n ast.Node, sel AreaSelector) {
	kv := findKey(p.mapping(n, "areas"), "codes")
	if kv == nil {
		return
	}
	rest := AreaSelector{Level: sel.Level, Parent: sel.Parent}
	for _, item := range p.sequence(kv.Value, "areas.codes") {
		code, _ := scalarText(deref(item, p.anchors))
		if a, ok := p.cat.Area(code); ok && !rest.Matches(a) {
			p.errorf(item, "areas.codes: %q (level %s, parent %q) is left out by %s", code, a.Level, a.Parent, rest)
		}
	}
}

// areaKeys reads the keys of an area selector.
func (p *fileParser) areaKeys(n ast.Node) AreaSelector {
	var sel AreaSelector
	for _, kv := range p.mapping(n, "areas") {
		switch key := keyName(kv.Key); key {
		case "codes":
			codes, nodes := p.strList(kv.Value, "areas.codes")
			for i, c := range codes {
				p.knownArea(c, nodes[i], "areas.codes")
			}
			sel.Codes = codes
		case "level":
			if s, ok := p.str(kv.Value, "areas.level"); ok {
				sel.Level = chiso.AreaLevel(s)
				if !sel.Level.Valid() {
					p.errorf(kv.Value, "areas.level: unknown level %q (want country, province, district or commune)", s)
				}
			}
		case "parent":
			if s, ok := p.str(kv.Value, "areas.parent"); ok {
				sel.Parent = s
				p.knownArea(s, deref(kv.Value, p.anchors), "areas.parent")
			}
		default:
			p.errorf(kv.Key, "unknown areas key %q (want codes, level or parent)", key)
		}
	}
	return sel
}
