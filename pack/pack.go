// Package pack is chiso's default rule pack: rule files that check the
// catalogue's indicators against every trap of the data — qualifiers,
// definitions that drift, unit slips and changes of scope, like periods,
// parts and wholes, the 2025 merger of provinces, legitimate drops and the
// publication calendar — and against the national targets.
package pack

import (
	"embed"
	"io/fs"
)

//go:embed *.yaml
var files embed.FS

// Patterns are the glob patterns of the rule files within FS.
var Patterns = []string{"*.yaml"}

// FS returns the rule files, one per concern: targets.yaml,
// plausibility.yaml, consistency.yaml, freshness.yaml and outliers.yaml.
func FS() fs.FS { return files }
