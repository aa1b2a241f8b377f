package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/chiso-vn/chiso/internal/yamlpos"
	"github.com/goccy/go-yaml/ast"
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
	doc, err := yamlpos.Parse(data)
	var se *yamlpos.SyntaxError
	if errors.As(err, &se) {
		return nil, &Error{Problems: []Problem{{File: name, Line: se.Pos.Line, Column: se.Pos.Column, Msg: se.Msg}}}
	}
	d := decoder{file: name, Decoder: doc.NewDecoder()}
	d.NullIsZero = true
	d.Hooks = map[reflect.Type]func(ast.Node) (any, error){
		reflect.TypeFor[Section]():       func(n ast.Node) (any, error) { return Section{File: name, Node: n}, nil },
		reflect.TypeFor[time.Duration](): duration,
	}
	if len(doc.Bodies) > 1 {
		p := yamlpos.NodePos(doc.Bodies[1])
		d.problems = append(d.problems, Problem{File: name, Line: p.Line, Column: p.Column, Msg: "a configuration is one YAML document"})
	}
	if len(doc.Bodies) > 0 {
		d.Decode(doc.Bodies[0], reflect.ValueOf(c).Elem(), "")
	}
	for _, p := range d.Problems {
		d.problems = append(d.problems, Problem{File: name, Line: p.Pos.Line, Column: p.Pos.Column, Field: p.Path, Msg: message(p.Err)})
	}
	c.applyDefaults()
	c.validate(&d)
	if len(d.problems) > 0 {
		return nil, &Error{Problems: d.problems}
	}
	c.defaultToken()
	c.pos = d.Decoder
	return c, nil
}

// decoder is the strict decoder of a configuration file with the problems
// that validation adds.
type decoder struct {
	*yamlpos.Decoder
	file     string
	problems []Problem
}

func (d *decoder) add(field string, format string, args ...any) {
	p, _ := d.TokenPos(field)
	d.problems = append(d.problems, Problem{File: d.file, Line: p.Line, Column: p.Column,
		Field: field, Msg: fmt.Sprintf(format, args...)})
}

// message words a decoding problem.
func message(err error) string {
	var uk *yamlpos.UnknownKeyError
	if errors.As(err, &uk) {
		return fmt.Sprintf("unknown key %q (want one of %s)", uk.Key, strings.Join(slices.Sorted(slices.Values(uk.Known)), ", "))
	}
	return err.Error()
}

// duration reads a duration as Go writes it (1m30s); null is none.
func duration(n ast.Node) (any, error) {
	if _, null := n.(*ast.NullNode); null {
		return time.Duration(0), nil
	}
	s, ok := yamlpos.Text(n)
	if !ok {
		return nil, &yamlpos.KindError{Want: "a duration such as 30s or 1m30s", Node: n}
	}
	return time.ParseDuration(s)
}
