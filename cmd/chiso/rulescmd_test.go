package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRulesSchema prints a JSON Schema that knows the registered kinds.
func TestRulesSchema(t *testing.T) {
	code, out, errs := runChiso(t, "rules", "schema")
	var s struct {
		Schema      string `json:"$schema"`
		Definitions map[string]json.RawMessage
	}
	if code != 0 || json.Unmarshal([]byte(out), &s) != nil || !strings.Contains(s.Schema, "json-schema.org") {
		t.Fatalf("exit %d: %s %s", code, out, errs)
	}
	if rule := string(s.Definitions["rule"]); !strings.Contains(rule, `"const": "range"`) {
		t.Errorf("no range kind in the rule schema: %s", rule)
	}
}

// TestRulesExport writes the default pack into a new folder, which then
// passes chiso check, and refuses an existing folder.
func TestRulesExport(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pack")
	code, out, errs := runChiso(t, "rules", "export", dir)
	if code != 0 || !strings.Contains(out, "wrote ") {
		t.Fatalf("exit %d: %s %s", code, out, errs)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if len(files) == 0 {
		t.Fatal("no rule file written")
	}
	code, out, errs = runChiso(t, "--db", filepath.Join(dir, "none.db"), "check", "--rules", dir)
	if code != 0 || !strings.Contains(out, ": OK") {
		t.Errorf("exported pack does not check: exit %d\n%s%s", code, out, errs)
	}
	before, _ := os.ReadFile(files[0])
	if code, _, errs = runChiso(t, "rules", "export", dir); code != 1 || !strings.Contains(errs, "already exists") {
		t.Errorf("export into an existing folder: exit %d, %s", code, errs)
	}
	if after, _ := os.ReadFile(files[0]); string(after) != string(before) {
		t.Error("existing folder changed")
	}
}

// TestRulesUsage refuses unknown subcommands.
func TestRulesUsage(t *testing.T) {
	for _, args := range [][]string{{"rules"}, {"rules", "lint"}, {"rules", "export"}} {
		if code, _, errs := runChiso(t, args...); code != 2 || !strings.Contains(errs, "usage: chiso rules") {
			t.Errorf("%v: exit %d, %s", args, code, errs)
		}
	}
}
