// Package yamlpos decodes YAML strictly into Go structs by their yaml tags,
// recording where every value and key is, so that one bad key does not hide
// the next and each problem names its line and column.
//
// It resolves anchors, aliases and merge keys itself (goccy/go-yaml's node
// decoder does not follow them in a syntax tree), decodes each leaf on its
// own, and reports problems as values that the caller words: the
// configuration and the rule files say the same things differently.
package yamlpos

import (
	"bytes"
	"errors"
	"fmt"
	"github.com/chiso-vn/chiso/internal/panics"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// Pos is a place in a YAML file; zero when unknown.
type Pos struct {
	Line, Column int // 1-based
}

// Doc is a parsed YAML file: its documents that are not empty, and its
// anchors for resolving aliases.
type Doc struct {
	Bodies  []ast.Node
	anchors map[string]ast.Node
}

// Parse parses src (a leading UTF-8 byte-order mark is dropped, as Windows
// editors write one). A syntax error is a *SyntaxError.
func Parse(src []byte) (*Doc, error) {
	f, err := parseFile(bytes.TrimPrefix(src, []byte("\xef\xbb\xbf")))
	if err != nil {
		return nil, syntaxError(err)
	}
	d := &Doc{anchors: map[string]ast.Node{}}
	for _, doc := range f.Docs {
		if doc != nil && doc.Body != nil {
			d.Bodies = append(d.Bodies, doc.Body)
		}
	}
	if err := d.collectAnchors(); err != nil {
		return nil, err
	}
	return d, nil
}

// parseFile parses the syntax tree, turning a parser panic into an error.
func parseFile(src []byte) (f *ast.File, err error) {
	defer panics.Into(&err, "cannot parse")
	f, err = parser.ParseBytes(src, 0)
	return f, err
}

// collectAnchors maps the file's anchor names to their values, so that an
// alias resolves wherever its anchor is; decoding redefines them in order.
func (d *Doc) collectAnchors() (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &SyntaxError{Msg: fmt.Sprintf("cannot read anchors: %v", r)}
		}
	}()
	for _, body := range d.Bodies {
		ast.Walk(anchorCollector(d.anchors), body)
	}
	return nil
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

// SyntaxError is a file that is not YAML.
type SyntaxError struct {
	Pos Pos
	Msg string
}

func (e *SyntaxError) Error() string { return e.Msg }

func syntaxError(err error) error {
	var ye yaml.Error
	if errors.As(err, &ye) {
		return &SyntaxError{Pos: tokenPos(ye), Msg: ye.GetMessage()}
	}
	return &SyntaxError{Msg: err.Error()}
}

func tokenPos(e yaml.Error) Pos {
	if tk := e.GetToken(); tk != nil && tk.Position != nil {
		return Pos{tk.Position.Line, tk.Position.Column}
	}
	return Pos{}
}
