package yamlpos

import (
	"errors"
	"testing"

	"github.com/goccy/go-yaml/ast"
)

// TestAnchorPanicIsAnError: a syntax tree that go-yaml's walker cannot
// walk is a syntax error, not a crash and not silently fewer anchors.
func TestAnchorPanicIsAnError(t *testing.T) {
	// a literal block without its text: the walker dereferences it
	d := &Doc{Bodies: []ast.Node{&ast.SequenceNode{Values: []ast.Node{&ast.LiteralNode{}}}}, anchors: map[string]ast.Node{}}
	err := d.collectAnchors()
	var se *SyntaxError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v, want a *SyntaxError", err)
	}
}
