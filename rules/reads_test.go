package rules

import (
	"slices"
	"testing"

	"github.com/chiso-vn/chiso/checks"
)

func TestReadsJoinsNamedAndParameterIndicators(t *testing.T) {
	r := Rule{Indicators: []string{"b", "a"}, Params: &checks.DefinitionParams{Alternatives: []string{"c", "a"}}}
	if got, want := r.Reads(), []string{"a", "b", "c"}; !slices.Equal(got, want) {
		t.Fatalf("Reads() = %v, want %v", got, want)
	}
	if got := (Rule{Params: &checks.ScaleParams{}}).Reads(); len(got) != 0 {
		t.Fatalf("a rule that names nothing reads %v", got)
	}
}
