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

// FuzzParseDuration checks that durations round-trip.
func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"0", "1h30m", "2w", "1y2w3d4h5m6s7ms", "5 m", "1.5h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration(s)
		if err != nil {
			return
		}
		if back, err := ParseDuration(FormatDuration(d)); err != nil || back != d {
			t.Errorf("%q → %v → %q → %v, %v", s, d, FormatDuration(d), back, err)
		}
	})
}
