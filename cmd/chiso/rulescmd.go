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
	commands["rules"] = command{summary: "rule-file tools: the JSON Schema of rule files, the default rule pack", run: runRules}
	verbs["rules"] = rulesSubcommands
}

var rulesSubcommands = map[string]subcommand{
	"schema": {"print the JSON Schema of rule files, for editors", runRulesSchema},
	"export": {"write the default rule pack, with its tests, into a new folder DIR", runRulesExport},
}

func runRules(ctx context.Context, e *env, args []string) int {
	return dispatch(ctx, e, "rules", rulesSubcommands, args)
}

func runRulesSchema(_ context.Context, e *env, args []string) int {
	fs := newCommandFlagSet(e, "rules schema", "")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if code, ok := noArgs(e, fs); !ok {
		return code
	}
	return rulesSchema(e)
}

func runRulesExport(_ context.Context, e *env, args []string) int {
	fs := newCommandFlagSet(e, "rules export", "DIR")
	pos, code, ok := parseInterleaved(fs, args)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return usageError(e, fs, fmt.Errorf("want one folder to write the pack into, got %d arguments", len(pos)))
	}
	return rulesExport(e, pos[0])
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
