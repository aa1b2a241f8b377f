package rules

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse checks that no rule file makes Parse panic, and that a failed
// parse returns no groups.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.yaml")
	for _, name := range files {
		src, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}
	cat := testCatalogue()
	f.Fuzz(func(t *testing.T, src []byte) {
		groups, err := Parse("fuzz.yaml", src, cat)
		if err != nil && groups != nil {
			t.Errorf("groups returned with errors: %v", err)
		}
	})
}
