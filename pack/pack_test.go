package pack

import (
	"testing"

	"github.com/chiso-vn/chiso/sample/samplecat"

	"github.com/chiso-vn/chiso/rules"
)

// TestPackLoads: the pack loads without a problem against the sample
// catalogue.
func TestPackLoads(t *testing.T) {
	cat, err := samplecat.Catalogue()
	if err != nil {
		t.Fatal(err)
	}
	groups, err := rules.Load(FS(), Patterns, cat)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, g := range groups {
		n += len(g.Rules)
	}
	if len(groups) != 5 || n < 20 {
		t.Errorf("%d groups, %d rules", len(groups), n)
	}
}
