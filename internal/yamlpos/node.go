package yamlpos

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// NodePos returns where a node starts; a mapping starts at its first key.
func NodePos(n ast.Node) Pos {
	if m, ok := n.(*ast.MappingNode); ok && len(m.Values) > 0 {
		return NodePos(m.Values[0].Key)
	}
	if n == nil || n.GetToken() == nil || n.GetToken().Position == nil {
		return Pos{}
	}
	p := n.GetToken().Position
	return Pos{p.Line, p.Column}
}

// OffsetPos returns the position of byte offset off within a single-line
// string node's value, or the node's own position when that cannot be told.
func OffsetPos(n ast.Node, off int) Pos {
	p := NodePos(n)
	s, ok := n.(*ast.StringNode)
	if !ok || off < 0 || off > len(s.Value) || strings.Contains(s.Value, "\n") || p.Column == 0 {
		return p
	}
	switch s.GetToken().Type {
	case token.DoubleQuoteType, token.SingleQuoteType:
		p.Column++
	}
	p.Column += utf8.RuneCountInString(s.Value[:off])
	return p
}

// deref follows anchors, aliases and tags to the node they stand for,
// redefining anchors as it meets them.
func (d *Doc) deref(n ast.Node) ast.Node {
	if n == nil {
		return ast.Null(token.New("null", "null", &token.Position{}))
	}
	for range 16 { // bounded: an alias cycle must not hang
		switch v := n.(type) {
		case *ast.AnchorNode:
			if name, ok := v.Name.(*ast.StringNode); ok {
				d.anchors[name.Value] = v.Value
			}
			n = v.Value
		case *ast.AliasNode:
			name, ok := v.Value.(*ast.StringNode)
			if !ok || d.anchors[name.Value] == nil {
				return n
			}
			n = d.anchors[name.Value]
		case *ast.TagNode:
			n = v.Value
		default:
			return n
		}
	}
	return n
}

// isNull reports whether the node is absent or an explicit null.
func isNull(n ast.Node) bool {
	_, ok := n.(*ast.NullNode)
	return n == nil || ok
}

// KindName says what a node is in the words of a file's author.
func KindName(n ast.Node) string {
	if n == nil {
		return "nothing"
	}
	switch n.(type) {
	case *ast.StringNode, *ast.LiteralNode:
		return "a string"
	case *ast.IntegerNode:
		return "an integer"
	case *ast.FloatNode, *ast.InfinityNode, *ast.NanNode:
		return "a number"
	case *ast.BoolNode:
		return "a boolean"
	case *ast.NullNode:
		return "null"
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	case *ast.AliasNode:
		return "an unknown alias"
	}
	return "a " + strings.ToLower(n.Type().String())
}

// Describe quotes a scalar for a message, shortened if long; a list or a
// mapping is named by its kind.
func Describe(n ast.Node) string {
	switch n.(type) {
	case *ast.MappingNode, *ast.MappingValueNode, *ast.SequenceNode:
		return KindName(n)
	}
	tk := n.GetToken()
	if tk == nil {
		return KindName(n)
	}
	v := tk.Value
	if len(v) > 40 {
		v = v[:37] + "..."
	}
	return fmt.Sprintf("%q", v)
}

// Text returns a string or literal-block node's value.
func Text(n ast.Node) (string, bool) {
	switch v := n.(type) {
	case *ast.StringNode:
		return v.Value, true
	case *ast.LiteralNode:
		return v.Value.Value, true
	}
	return "", false
}

// KeyName returns a mapping key's text.
func KeyName(k ast.MapKeyNode) string {
	if s, ok := k.(*ast.StringNode); ok {
		return s.Value
	}
	if tk := k.GetToken(); tk != nil {
		return tk.Value
	}
	return ""
}
