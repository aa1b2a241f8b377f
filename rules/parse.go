package rules

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"sort"

	"github.com/chiso-vn/chiso"
	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// nameRE is what alert names, label names and annotation names look like:
// Prometheus metric and label names.
var nameRE = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

// Parse reads one rule file. name is used in error positions. Every problem
// is reported at once, as an ErrorList; on any problem no group is returned.
// A nil catalogue is an empty one: every indicator and area is then unknown.
func Parse(name string, src []byte, cat *chiso.Catalogue) ([]Group, error) {
	if cat == nil {
		cat = &chiso.Catalogue{}
	}
	// Windows editors save UTF-8 with a byte-order mark.
	f, err := parseYAML(bytes.TrimPrefix(src, []byte("\xef\xbb\xbf")))
	if err != nil {
		return nil, ErrorList{syntaxError(name, err)}
	}
	p := &fileParser{file: name, cat: cat, anchors: anchors(f)}
	groups := p.parseFile(f)
	if err := p.errs.Err(); err != nil {
		return nil, err
	}
	return groups, nil
}

// Load reads the rule files matching the glob patterns (fs.Glob syntax) in
// fsys, each file once, in sorted order. Group names must be unique across
// all files. Every problem of every file is reported at once, as an
// ErrorList; a pattern that matches no file is a problem too.
func Load(fsys fs.FS, patterns []string, cat *chiso.Catalogue) ([]Group, error) {
	files, errs := globAll(fsys, patterns)
	var groups []Group
	for _, name := range files {
		src, err := fs.ReadFile(fsys, name)
		if err != nil {
			errs = append(errs, Error{Pos: Position{File: name}, Msg: fmt.Sprintf("read: %v", err)})
			continue
		}
		gs, err := Parse(name, src, cat)
		var list ErrorList
		if errors.As(err, &list) {
			errs = append(errs, list...)
		}
		groups = append(groups, gs...)
	}
	errs = append(errs, DuplicateGroups(groups)...)
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return groups, nil
}

// globAll expands the patterns into sorted, distinct file names.
func globAll(fsys fs.FS, patterns []string) ([]string, ErrorList) {
	var errs ErrorList
	seen := map[string]bool{}
	var files []string
	for _, pat := range patterns {
		matches, err := fs.Glob(fsys, pat)
		if err != nil {
			errs = append(errs, Error{Pos: Position{File: pat}, Msg: fmt.Sprintf("bad pattern: %v", err)})
			continue
		}
		if len(matches) == 0 {
			errs = append(errs, Error{Pos: Position{File: pat}, Msg: "no rule file matches"})
		}
		for _, m := range matches {
			if !seen[m] {
				seen[m] = true
				files = append(files, m)
			}
		}
	}
	sort.Strings(files)
	return files, errs
}

// DuplicateGroups reports every group whose name an earlier group in the
// list has: group names must be unique across all the rule files loaded
// together.
func DuplicateGroups(groups []Group) ErrorList {
	var errs ErrorList
	first := map[string]Position{}
	for _, g := range groups {
		if p, dup := first[g.Name]; dup {
			errs = append(errs, Error{Pos: g.Pos, Group: g.Name, Msg: fmt.Sprintf("group name already used at %s", p)})
			continue
		}
		first[g.Name] = g.Pos
	}
	return errs
}

// anchors maps the file's anchor names to their values, so that an alias
// resolves wherever its anchor is; walking the file redefines them in order.
func anchors(f *ast.File) (c anchorCollector) {
	c = anchorCollector{}
	defer func() { _ = recover() }() // a malformed tree only loses anchors; c stays set
	for _, d := range f.Docs {
		if d != nil && d.Body != nil {
			ast.Walk(c, d.Body)
		}
	}
	return c
}

// anchorCollector is an ast.Visitor that records anchors.
type anchorCollector map[string]ast.Node

// Visit records an anchor and goes on into every non-nil node.
func (c anchorCollector) Visit(n ast.Node) ast.Visitor {
	if n == nil {
		return nil
	}
	if a, ok := n.(*ast.AnchorNode); ok {
		if name, ok := a.Name.(*ast.StringNode); ok {
			c[name.Value] = a.Value
		}
	}
	return c
}

// parseYAML parses the YAML syntax tree, turning a parser panic into an
// error.
func parseYAML(src []byte) (f *ast.File, err error) {
	defer func() {
		if r := recover(); r != nil {
			f, err = nil, fmt.Errorf("cannot parse: %v", r)
		}
	}()
	return parser.ParseBytes(src, 0)
}

// syntaxError turns a YAML parse error into an Error with its position.
func syntaxError(file string, err error) Error {
	var ye yaml.Error
	if errors.As(err, &ye) && ye.GetToken() != nil && ye.GetToken().Position != nil {
		tp := ye.GetToken().Position
		return Error{Pos: Position{File: file, Line: tp.Line, Column: tp.Column}, Msg: "YAML: " + ye.GetMessage()}
	}
	return Error{Pos: Position{File: file}, Msg: "YAML: " + err.Error()}
}

// fileParser walks one file's syntax tree, collecting every problem.
type fileParser struct {
	file      string
	cat       *chiso.Catalogue
	anchors   map[string]ast.Node
	errs      ErrorList
	groupName string // name of the group being read, for messages
	ruleName  string // alert name of the rule being read, for messages
}

// errorAt records a problem at a position, in the current group and rule.
func (p *fileParser) errorAt(pos Position, format string, args ...any) {
	p.errs = append(p.errs, Error{Pos: pos, Group: p.groupName, Rule: p.ruleName, Msg: fmt.Sprintf(format, args...)})
}

// errorf records a problem at a node.
func (p *fileParser) errorf(n ast.Node, format string, args ...any) {
	p.errorAt(nodePos(p.file, n), format, args...)
}

// parseFile reads the top level: one document, a mapping with groups.
func (p *fileParser) parseFile(f *ast.File) []Group {
	var docs []*ast.DocumentNode
	for _, d := range f.Docs {
		if d != nil && d.Body != nil {
			docs = append(docs, d)
		}
	}
	if len(docs) == 0 {
		return nil
	}
	if len(docs) > 1 {
		p.errorf(docs[1].Body, "a rule file holds one YAML document, found %d", len(docs))
	}
	var groups []Group
	for _, kv := range p.mapping(docs[0].Body, "the rule file") {
		switch key := keyName(kv.Key); key {
		case "groups":
			groups = p.groups(kv.Value)
		default:
			p.errorf(kv.Key, "unknown key %q (want groups)", key)
		}
	}
	return groups
}

// mapping returns a mapping node's entries, or reports what it is instead.
func (p *fileParser) mapping(n ast.Node, what string) []*ast.MappingValueNode {
	n = deref(n, p.anchors)
	switch v := n.(type) {
	case *ast.MappingNode:
		return p.merge(v.Values, 0)
	case *ast.MappingValueNode:
		return p.merge([]*ast.MappingValueNode{v}, 0)
	case *ast.NullNode:
		return nil
	}
	p.errorf(n, "%s: want a mapping, got %s", what, kindName(n))
	return nil
}

// merge expands YAML merge keys (<<: *base, or a list of them): the
// merged entries come after the mapping's own, and only for keys it lacks.
func (p *fileParser) merge(kvs []*ast.MappingValueNode, depth int) []*ast.MappingValueNode {
	var own, merged []*ast.MappingValueNode
	for _, kv := range kvs {
		if _, ok := kv.Key.(*ast.MergeKeyNode); !ok {
			own = append(own, kv)
			continue
		}
		if depth > 8 {
			p.errorf(kv.Key, "merge keys nested too deep")
			continue
		}
		merged = append(merged, p.mergeSource(kv.Value, depth)...)
	}
	for _, kv := range merged {
		if findKey(own, keyName(kv.Key)) == nil {
			own = append(own, kv)
		}
	}
	return own
}

// mergeSource returns the entries a merge key's value brings: a mapping's,
// or those of each mapping of a list.
func (p *fileParser) mergeSource(n ast.Node, depth int) []*ast.MappingValueNode {
	switch v := deref(n, p.anchors).(type) {
	case *ast.MappingNode:
		return p.merge(v.Values, depth+1)
	case *ast.SequenceNode:
		var out []*ast.MappingValueNode
		for _, item := range v.Values {
			out = append(out, p.mergeSource(item, depth+1)...)
		}
		return out
	}
	p.errorf(n, "<<: want a mapping or a list of mappings to merge, got %s", kindName(deref(n, p.anchors)))
	return nil
}

// sequence returns a list node's entries, or reports what it is instead.
func (p *fileParser) sequence(n ast.Node, what string) []ast.Node {
	n = deref(n, p.anchors)
	switch v := n.(type) {
	case *ast.SequenceNode:
		return v.Values
	case *ast.NullNode:
		return nil
	}
	p.errorf(n, "%s: want a list, got %s", what, kindName(n))
	return nil
}
