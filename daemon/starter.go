package daemon

import (
	"embed"
	"io/fs"
)

//go:embed starter/*.yaml
var starter embed.FS

// StarterRules returns a minimal rule file, for when no rule pack is built
// in: one range rule over the shares of the sample catalogue.
func StarterRules() fs.FS {
	sub, err := fs.Sub(starter, "starter")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	return sub
}
