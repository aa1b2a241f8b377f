package main

import (
	"context"
	"fmt"
	"io/fs"
	"os"

	"github.com/chiso-vn/chiso/daemon"
	"github.com/chiso-vn/chiso/rules"
)

func init() {
	commands["rules"] = command{summary: "rule-file tools: 'rules schema' prints the JSON Schema, 'rules export DIR' writes the default pack", run: runRules}
}

func runRules(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "rules", "schema | export DIR")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	switch {
	case fs.NArg() == 1 && fs.Arg(0) == "schema":
		return rulesSchema(e)
	case fs.NArg() == 2 && fs.Arg(0) == "export":
		return rulesExport(e, fs.Arg(1))
	}
	fs.Usage()
	return 2
}

// rulesSchema prints the JSON Schema of rule files, for editors.
func rulesSchema(e *env) int {
	b, err := rules.Schema()
	if err != nil {
		return fail(e, "rules schema", err)
	}
	if _, err := e.stdout.Write(b); err != nil {
		return fail(e, "rules schema", err)
	}
	return 0
}

// rulesExport writes the default rule pack into a new folder.
func rulesExport(e *env, dir string) int {
	if _, err := os.Stat(dir); err == nil {
		return fail(e, "rules export", fmt.Errorf("%s already exists; name a new folder", dir))
	}
	pack := rulePack()
	created, err := daemon.WriteRulePack(dir, pack)
	if err != nil {
		return fail(e, "rules export", err)
	}
	if !created {
		return fail(e, "rules export", fmt.Errorf("%s already exists; name a new folder", dir))
	}
	n := 0
	err = fs.WalkDir(pack, ".", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return err
	})
	if err != nil {
		return fail(e, "rules export", err)
	}
	fmt.Fprintf(e.stdout, "wrote %s to %s; check them with: chiso check --rules %s\n", pluralize(n, "file"), dir, dir)
	return 0
}
