// Package pack is chiso's default rule pack: rule files that check the
// catalogue's indicators against every trap of the data — qualifiers,
// definitions that drift, unit slips and changes of scope, like periods,
// parts and wholes, the 2025 merger of provinces, legitimate drops and the
// publication calendar — and against the national targets.
//
// What the catalogue cannot express is left out: subscriptions and fixed
// broadband per 100 people (no population indicator), online services
// "level 3/4" against "toàn trình / một phần" after Decree 42/2022 (one
// indicator only), and a stated growth rate that does not reproduce the
// previous published figure (a cell holds one current figure, so the
// derived and the published one never meet).
package pack

import (
	"embed"
	"io/fs"
)

//go:embed *.yaml tests/*.yaml
var files embed.FS

// Patterns are the glob patterns of the rule files within FS.
var Patterns = []string{"*.yaml"}

// FS returns the rule files, one per concern: targets.yaml,
// plausibility.yaml, consistency.yaml, freshness.yaml and outliers.yaml;
// and their unit tests, tests/*.yaml, which chiso test runs by default.
func FS() fs.FS { return files }
