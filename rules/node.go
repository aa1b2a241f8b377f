package rules

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// nodePos returns where a node starts; a mapping starts at its first key.
func nodePos(file string, n ast.Node) Position {
	if m, ok := n.(*ast.MappingNode); ok && len(m.Values) > 0 {
		return nodePos(file, m.Values[0].Key)
	}
	if n == nil || n.GetToken() == nil || n.GetToken().Position == nil {
		return Position{File: file}
	}
	p := n.GetToken().Position
	return Position{File: file, Line: p.Line, Column: p.Column}
}

// deref follows anchors and aliases to the node they stand for; anchors
// maps anchor names to their values, filled while walking the file.
func deref(n ast.Node, anchors map[string]ast.Node) ast.Node {
	if n == nil {
		return ast.Null(token.New("null", "null", &token.Position{}))
	}
	for i := 0; i < 16; i++ { // bounded: an alias cycle must not hang
		switch v := n.(type) {
		case *ast.AnchorNode:
			if name, ok := v.Name.(*ast.StringNode); ok {
				anchors[name.Value] = v.Value
			}
			n = v.Value
		case *ast.AliasNode:
			name, ok := v.Value.(*ast.StringNode)
			if !ok || anchors[name.Value] == nil {
				return n
			}
			n = anchors[name.Value]
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
	if n == nil {
		return true
	}
	_, ok := n.(*ast.NullNode)
	return ok
}

// kindName says what a node is in the words a rule-file author uses.
func kindName(n ast.Node) string {
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
	case *ast.MappingNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	case *ast.AliasNode:
		return "an unknown alias"
	}
	return "a " + strings.ToLower(n.Type().String())
}

// scalarText returns a string or literal-block node's value.
func scalarText(n ast.Node) (string, bool) {
	switch v := n.(type) {
	case *ast.StringNode:
		return v.Value, true
	case *ast.LiteralNode:
		return v.Value.Value, true
	}
	return "", false
}

// keyName returns a mapping key's text.
func keyName(k ast.MapKeyNode) string {
	if s, ok := k.(*ast.StringNode); ok {
		return s.Value
	}
	if tk := k.GetToken(); tk != nil {
		return tk.Value
	}
	return ""
}

// offsetPos returns the position of byte offset off within a single-line
// string node's value, or the node's own position when that cannot be told.
func offsetPos(file string, n ast.Node, off int) Position {
	p := nodePos(file, n)
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

// describe quotes a scalar for a message, shortened if long.
func describe(n ast.Node) string {
	tk := n.GetToken()
	if tk == nil {
		return kindName(n)
	}
	v := tk.Value
	if len(v) > 40 {
		v = v[:37] + "..."
	}
	return fmt.Sprintf("%q", v)
}
