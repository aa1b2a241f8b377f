package rules

import (
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"sort"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/internal/yamlpos"
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
	doc, err := yamlpos.Parse(src)
	var se *yamlpos.SyntaxError
	if errors.As(err, &se) {
		return nil, ErrorList{{Pos: Position{File: name, Line: se.Pos.Line, Column: se.Pos.Column}, Msg: "YAML: " + se.Msg}}
	}
	p := &fileParser{file: name, cat: cat, d: doc.NewDecoder()}
	groups := p.parseFile(doc)
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
