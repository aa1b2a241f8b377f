package config

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// Load reads and validates the configuration file at path. The error, if
// any, is an *Error listing every problem with its position.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read configuration: %w", err)
	}
	return Parse(path, data, filepath.Dir(path))
}

// Parse decodes and validates a configuration read from the file name;
// relative paths in it are resolved against dir.
func Parse(name string, data []byte, dir string) (*Config, error) {
	c := &Config{File: name, Dir: dir}
	d := decoder{file: name, pos: map[string]token.Position{}}
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, &Error{Problems: []Problem{problemFrom(name, "", err)}}
	}
	if len(f.Docs) > 1 {
		d.addAt(f.Docs[1].Start, "", "a configuration is one YAML document")
	}
	if len(f.Docs) > 0 && f.Docs[0].Body != nil {
		d.decodeInto(f.Docs[0].Body, reflect.ValueOf(c).Elem(), "")
	}
	c.applyDefaults()
	c.validate(&d)
	if len(d.problems) > 0 {
		return nil, &Error{Problems: d.problems}
	}
	c.defaultToken()
	c.pos = d.pos
	return c, nil
}

// decoder walks the YAML tree so that one bad key does not hide the next:
// mappings are matched key by key against struct fields, and each leaf is
// decoded strictly on its own.
type decoder struct {
	file     string
	problems []Problem
	pos      map[string]token.Position // field path → position of its value
}

func (d *decoder) add(field string, format string, args ...any) {
	p := d.pos[field]
	d.problems = append(d.problems, Problem{File: d.file, Line: p.Line, Column: p.Column,
		Field: field, Msg: fmt.Sprintf(format, args...)})
}

func (d *decoder) addAt(tk *token.Token, field, msg string) {
	p := Problem{File: d.file, Field: field, Msg: msg}
	if tk != nil && tk.Position != nil {
		p.Line, p.Column = tk.Position.Line, tk.Position.Column
	}
	d.problems = append(d.problems, p)
}

// record remembers where the value at path and, for a list, each item is.
func (d *decoder) record(n ast.Node, path string) {
	if tk := n.GetToken(); tk != nil && tk.Position != nil {
		d.pos[path] = *tk.Position
	}
	if seq, ok := n.(*ast.SequenceNode); ok {
		for i, item := range seq.Values {
			d.record(item, fmt.Sprintf("%s[%d]", path, i))
		}
	}
}

// problemAt is a decoding error, placed at the value when go-yaml gives no
// position of its own.
func (d *decoder) problemAt(path string, err error) Problem {
	p := problemFrom(d.file, path, err)
	if p.Line == 0 {
		p.Line, p.Column = d.pos[path].Line, d.pos[path].Column
	}
	return p
}

var sectionType = reflect.TypeFor[Section]()

func (d *decoder) decodeInto(n ast.Node, v reflect.Value, path string) {
	d.record(n, path)
	switch {
	case v.Type() == sectionType:
		v.Set(reflect.ValueOf(Section{File: d.file, Node: n}))
	case n.Type() == ast.NullType:
		// an empty key keeps the default
	case v.Kind() == reflect.Struct && v.Type().NumMethod() == 0:
		d.decodeStruct(n, v, path)
	case v.Kind() == reflect.Pointer:
		// go-yaml leaves a pointer nil for false and 0; decode into a fresh value
		elem := reflect.New(v.Type().Elem())
		d.decodeInto(n, elem.Elem(), path)
		v.Set(elem)
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Struct:
		d.decodeStructs(n, v, path)
	default:
		if err := nodeToValue(n, v.Addr().Interface()); err != nil {
			d.problems = append(d.problems, d.problemAt(path, err))
		}
	}
}

func (d *decoder) decodeStruct(n ast.Node, v reflect.Value, path string) {
	m, ok := mappingOf(n)
	if !ok {
		d.addAt(n.GetToken(), path, fmt.Sprintf("want a mapping, got %s", n.Type()))
		return
	}
	fields := yamlFields(v.Type())
	seen := map[string]bool{}
	for _, kv := range m {
		key := kv.Key.String()
		sub := join(path, key)
		i, known := fields[key]
		switch {
		case !known:
			d.addAt(kv.Key.GetToken(), sub, fmt.Sprintf("unknown key %q (want one of %s)", key, keyList(fields)))
		case seen[key]:
			d.addAt(kv.Key.GetToken(), sub, "key given twice")
		default:
			seen[key] = true
			d.decodeInto(kv.Value, v.Field(i), sub)
		}
	}
}

func (d *decoder) decodeStructs(n ast.Node, v reflect.Value, path string) {
	seq, ok := n.(*ast.SequenceNode)
	if !ok {
		d.addAt(n.GetToken(), path, fmt.Sprintf("want a list, got %s", n.Type()))
		return
	}
	out := reflect.MakeSlice(v.Type(), len(seq.Values), len(seq.Values))
	for i, item := range seq.Values {
		d.decodeInto(item, out.Index(i), fmt.Sprintf("%s[%d]", path, i))
	}
	v.Set(out)
}

func mappingOf(n ast.Node) ([]*ast.MappingValueNode, bool) {
	switch m := n.(type) {
	case *ast.MappingNode:
		return m.Values, true
	case *ast.MappingValueNode:
		return []*ast.MappingValueNode{m}, true
	}
	return nil, false
}

// yamlFields maps a struct's yaml keys to field indexes.
func yamlFields(t reflect.Type) map[string]int {
	out := map[string]int{}
	for i := range t.NumField() {
		tag, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if tag != "" && tag != "-" {
			out[tag] = i
		}
	}
	return out
}

func keyList(fields map[string]int) string {
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sortStrings(keys)
	return strings.Join(keys, ", ")
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// nodeToValue decodes a leaf strictly. go-yaml can panic on odd input (an
// alias where a list is expected); that becomes an error, never a crash.
func nodeToValue(n ast.Node, v any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("cannot decode %s here", n.Type())
		}
	}()
	return yaml.NodeToValue(n, v, yaml.Strict())
}
