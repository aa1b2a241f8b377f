package ruletest

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse checks that no test file makes Parse panic, and that a failed
// parse returns no file.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.yaml")
	for _, name := range files {
		src, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		file, err := Parse("fuzz.yaml", src)
		if err != nil && file != nil {
			t.Errorf("file returned with errors: %v", err)
		}
	})
}

// FuzzNotation checks that the series and values notations never panic and
// that every error offset lies within the input.
func FuzzNotation(f *testing.F) {
	f.Add(`ict_revenue{area="VP", method="m"}`, "2015=3560 2024=>98 2024-H1=<5 2023=est:1")
	f.Add(`x{area="`, "2024= =1 2024=~")
	f.Fuzz(func(t *testing.T, sel, values string) {
		if _, off, err := parseSelector(sel); err != nil && (off < 0 || off > len(sel)) {
			t.Errorf("selector %q: offset %d", sel, off)
		}
		_, errs := parseValues(values)
		for _, e := range errs {
			if e.Offset < 0 || e.Offset > len(values) {
				t.Errorf("values %q: offset %d", values, e.Offset)
			}
		}
	})
}
