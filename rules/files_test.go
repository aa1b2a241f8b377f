package rules

import (
	"path/filepath"
	"testing"
)

func TestSplitGlob(t *testing.T) {
	tests := []struct{ in, dir, pattern string }{
		{"rules/*.yaml", "rules", "*.yaml"},
		{"*.yaml", ".", "*.yaml"},
		{"/etc/chiso/rules/*.yml", "/etc/chiso/rules", "*.yml"},
		{"a/*/b/*.yaml", "a", "*/b/*.yaml"},
		{"rules/coverage.yaml", "rules", "coverage.yaml"},
	}
	for _, tt := range tests {
		dir, pattern := SplitGlob(tt.in)
		if dir != filepath.FromSlash(tt.dir) || pattern != tt.pattern {
			t.Errorf("SplitGlob(%q) = %q, %q; want %q, %q", tt.in, dir, pattern, tt.dir, tt.pattern)
		}
	}
}
