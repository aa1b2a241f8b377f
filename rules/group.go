package rules

import (
	"math"
	"time"

	"github.com/goccy/go-yaml/ast"
)

// groups reads the list of groups; group names must be unique in the file.
func (p *fileParser) groups(n ast.Node) []Group {
	var out []Group
	first := map[string]Position{}
	for _, item := range p.sequence(n, "groups") {
		g := p.group(item)
		p.groupName = g.Name
		if prev, dup := first[g.Name]; dup && g.Name != "" {
			p.errorAt(g.Pos, "group name already used at %s", prev)
		} else {
			first[g.Name] = g.Pos
		}
		p.groupName = ""
		out = append(out, g)
	}
	return out
}

// group reads one group.
func (p *fileParser) group(n ast.Node) Group {
	g := Group{Pos: nodePos(p.file, n)}
	kvs := p.mapping(n, "group")
	g.Name, _ = p.findString(kvs, "name")
	p.groupName, p.ruleName = g.Name, ""
	defer func() { p.groupName = "" }()
	var rulesNode ast.Node
	for _, kv := range kvs {
		switch key := keyName(kv.Key); key {
		case "name":
			p.name(kv.Value, "group name")
		case "schedule":
			g.Schedule = p.schedule(kv.Value)
		case "labels":
			g.Labels = p.labels(kv.Value, "labels")
		case "limit":
			g.Limit = p.limit(kv.Value)
		case "rules":
			rulesNode = kv.Value
		default:
			p.errorf(kv.Key, "unknown group key %q (want name, schedule, labels, limit or rules)", key)
		}
	}
	p.requireKeys(n, kvs, "group", "name", "schedule")
	g.Rules = p.rules(rulesNode)
	return g
}

// requireKeys reports each of the keys missing from the mapping.
func (p *fileParser) requireKeys(n ast.Node, kvs []*ast.MappingValueNode, what string, keys ...string) {
	switch deref(n, p.anchors).(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
	default:
		return // already reported as not a mapping
	}
	for _, k := range keys {
		if findKey(kvs, k) == nil {
			p.errorf(n, "%s has no %s", what, k)
		}
	}
}

// findKey returns the entry with the key, or nil.
func findKey(kvs []*ast.MappingValueNode, key string) *ast.MappingValueNode {
	for _, kv := range kvs {
		if keyName(kv.Key) == key {
			return kv
		}
	}
	return nil
}

// findString returns the string value of a key without reporting anything:
// it names groups and rules in messages before their keys are checked.
func (p *fileParser) findString(kvs []*ast.MappingValueNode, key string) (string, bool) {
	kv := findKey(kvs, key)
	if kv == nil {
		return "", false
	}
	s, ok := deref(kv.Value, p.anchors).(*ast.StringNode)
	if !ok {
		return "", false
	}
	return s.Value, true
}

// str reads a string value; a literal block counts.
func (p *fileParser) str(n ast.Node, what string) (string, bool) {
	n = deref(n, p.anchors)
	if s, ok := scalarText(n); ok {
		return s, true
	}
	p.errorf(n, "%s: want a string, got %s", what, kindName(n))
	return "", false
}

// name reads an alert, group, label or annotation name.
func (p *fileParser) name(n ast.Node, what string) string {
	s, ok := p.str(n, what)
	switch {
	case !ok:
	case what == "group name" && s == "":
		p.errorf(n, "group name is empty")
	case what != "group name" && !nameRE.MatchString(s):
		p.errorf(n, "%s %q: want letters, digits and _, not starting with a digit", what, s)
	}
	return s
}

// strList reads a list of strings, reporting duplicates.
func (p *fileParser) strList(n ast.Node, what string) ([]string, []ast.Node) {
	var out []string
	var nodes []ast.Node
	seen := map[string]bool{}
	for _, item := range p.sequence(n, what) {
		s, ok := p.str(item, what)
		if !ok {
			continue
		}
		if seen[s] {
			p.errorf(item, "%s: %q listed twice", what, s)
			continue
		}
		seen[s] = true
		out, nodes = append(out, s), append(nodes, deref(item, p.anchors))
	}
	return out, nodes
}

// reservedLabels are set by chiso on every alert.
var reservedLabels = map[string]bool{"alertname": true, "severity": true, "area": true, "indicator": true, "period": true}

// labels reads a mapping of label names to string values.
func (p *fileParser) labels(n ast.Node, what string) map[string]string {
	kvs := p.mapping(n, what)
	out := make(map[string]string, len(kvs))
	for _, kv := range kvs {
		k := p.name(kv.Key, what[:len(what)-1]+" name")
		if what == "labels" && reservedLabels[k] {
			p.errorf(kv.Key, "label %q is set by chiso; it cannot be set in a rule file", k)
		}
		v := deref(kv.Value, p.anchors)
		if s, ok := scalarText(v); ok {
			out[k] = s
			continue
		}
		p.errorf(v, "%s.%s: want a string, got %s (quote it)", what, k, kindName(v))
	}
	return out
}

// boolean reads true or false.
func (p *fileParser) boolean(n ast.Node, what string) bool {
	n = deref(n, p.anchors)
	if b, ok := n.(*ast.BoolNode); ok {
		return b.Value
	}
	p.errorf(n, "%s: want true or false, got %s", what, describe(n))
	return false
}

// limit reads a group's limit: a whole number, 0 or more.
func (p *fileParser) limit(n ast.Node) int {
	n = deref(n, p.anchors)
	if v, ok := n.(*ast.IntegerNode); ok {
		if i, ok := v.Value.(int64); ok && i >= 0 && i <= math.MaxInt32 {
			return int(i)
		}
		if u, ok := v.Value.(uint64); ok && u <= math.MaxInt32 {
			return int(u)
		}
	}
	p.errorf(n, "limit: want a whole number of findings, 0 or more (0: no limit), got %s", describe(n))
	return 0
}

// duration reads a duration such as 5m, 1h30m, 7d or 2w.
func (p *fileParser) duration(n ast.Node, what string) time.Duration {
	n = deref(n, p.anchors)
	d, err := nodeDuration(n)
	if err != nil {
		p.errorf(n, "%s: %v", what, err)
	}
	return d
}
