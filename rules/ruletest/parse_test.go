package ruletest

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chiso-vn/chiso/rules"
)

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
			f, err := Parse(name, src)
			var list rules.ErrorList
			if !errors.As(err, &list) || f != nil {
				t.Fatalf("got %v, %v; want an ErrorList and no file", f, err)
			}
			if got := err.Error() + "\n"; got != string(want) {
				t.Errorf("errors differ\ngot:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}
