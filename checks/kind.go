package checks

import (
	"sort"
	"sync"

	"github.com/chiso-vn/chiso"
)

// Params is one rule's configuration of a check kind, decoded strictly from
// the rule's own YAML keys (those that are not common to every rule).
type Params interface {
	// Validate reports every problem with the parameters, each naming the
	// YAML key it is about. rule gives the rule's common fields (indicators,
	// areas) for checks that need them; cat is the catalogue the rule will
	// run against.
	Validate(cat *chiso.Catalogue, rule RuleContext) []FieldError
}

// RuleContext is what a check's validation may need of the rule around it.
type RuleContext struct {
	Indicators []string // the rule's indicator or indicators, as written
}

// FieldError is one problem with a check's parameters.
type FieldError struct {
	Field string // the YAML key, e.g. "min_base" or "expr"; empty for the rule as a whole
	// Offset is a byte offset within the field's string value where the
	// problem lies (e.g. in an expression), or -1 when not known.
	Offset int
	Msg    string
}

// Kind is a check kind: its name and how to make its parameters.
type Kind struct {
	Name string // the value of a rule's check key, e.g. "target"
	Doc  string // one sentence for the rule reference and the JSON Schema
	// NewParams returns a pointer to a fresh parameter struct whose fields
	// carry `yaml:"key"` and `json:"key"` tags; zero fields mean defaults.
	NewParams func() Params
}

var (
	kindsMu sync.RWMutex
	kinds   = map[string]Kind{}
)

// Register adds a check kind; it panics on a duplicate name, which is a
// programming error.
func Register(k Kind) {
	kindsMu.Lock()
	defer kindsMu.Unlock()
	if _, dup := kinds[k.Name]; dup {
		panic("checks: kind registered twice: " + k.Name)
	}
	kinds[k.Name] = k
}

// Lookup returns the kind with the name.
func Lookup(name string) (Kind, bool) {
	kindsMu.RLock()
	defer kindsMu.RUnlock()
	k, ok := kinds[name]
	return k, ok
}

// Kinds returns every registered kind, sorted by name.
func Kinds() []Kind {
	kindsMu.RLock()
	defer kindsMu.RUnlock()
	out := make([]Kind, 0, len(kinds))
	for _, k := range kinds {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
