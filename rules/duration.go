package rules

import (
	"fmt"
	"time"

	"github.com/chiso-vn/chiso/internal/timespec"

	"github.com/chiso-vn/chiso/internal/yamlpos"
	"github.com/goccy/go-yaml/ast"
)

// nodeDuration reads a duration node: a string or an integer that
// timespec.ParseDuration accepts, or null for none (0).
func nodeDuration(n ast.Node) (time.Duration, error) {
	var text string
	switch v := n.(type) {
	case *ast.StringNode:
		text = v.Value
	case *ast.IntegerNode:
		text = v.GetToken().Value
	case *ast.NullNode:
		return 0, nil
	default:
		return 0, fmt.Errorf("want a duration such as 5m, 1h30m, 7d or 2w, got %s", yamlpos.KindName(n))
	}
	return timespec.ParseDuration(text)
}
