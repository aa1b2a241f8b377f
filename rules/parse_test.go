package rules

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGoodFiles parses every testdata/*.good.yaml without a problem.
func TestGoodFiles(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.good.yaml")
	if len(files) == 0 {
		t.Fatal("no good files")
	}
	for _, name := range files {
		t.Run(filepath.Base(name), func(t *testing.T) {
			src, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := Parse(name, src, testCatalogue()); err != nil {
				t.Errorf("unexpected errors:\n%v", err)
			}
		})
	}
}

// TestBadFiles compares the errors of every testdata/*.bad.yaml with its
// sibling .err file, exactly.
func TestBadFiles(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.bad.yaml")
	if len(files) == 0 {
		t.Fatal("no bad files")
	}
	for _, name := range files {
		t.Run(filepath.Base(name), func(t *testing.T) {
			src, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(strings.TrimSuffix(name, ".yaml") + ".err")
			if err != nil {
				t.Fatal(err)
			}
			groups, err := Parse(name, src, testCatalogue())
			var list ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("got %v, %d groups; want an ErrorList", err, len(groups))
			}
			if got := err.Error() + "\n"; got != string(want) {
				t.Errorf("errors differ\ngot:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

func TestGroupLimit(t *testing.T) {
	src := []byte(`groups:
  - {name: limited, schedule: "@daily", limit: 50, rules: []}
  - {name: free, schedule: "@daily", rules: []}
`)
	groups, err := Parse("limit.yaml", src, testCatalogue())
	if err != nil {
		t.Fatal(err)
	}
	if groups[0].Limit != 50 || groups[1].Limit != 0 {
		t.Errorf("limits = %d, %d; want 50 and 0 (none)", groups[0].Limit, groups[1].Limit)
	}
}
