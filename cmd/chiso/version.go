package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
)

func init() {
	commands["version"] = command{summary: "print the version, revision and Go version (also chiso --version)", run: runVersion}
}

func runVersion(_ context.Context, e *env, args []string) int {
	fs := newCommandFlagSet(e, "version", "")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if code, ok := noArgs(e, fs); !ok {
		return code
	}
	version, revision := buildVersion()
	fmt.Fprintf(e.stdout, "chiso %s (revision %s, %s %s/%s)\n", version, revision, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return 0
}

// buildVersion reads the module version and the VCS revision the binary
// was built from, as chiso version prints them and chiso_build_info labels
// them: devel and unknown when the build recorded none, and the revision
// ends in -dirty when the tree had uncommitted changes.
func buildVersion() (version, revision string) {
	version, revision = "devel", "unknown"
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		version = v
	}
	dirty := false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			revision = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if dirty && revision != "unknown" {
		revision += "-dirty"
	}
	return
}
