package main

import (
	"os"
	"runtime"
	"strings"
	"testing"
)

// cliCommands are every command and verb, with the arguments that are
// missing when none is given (nil: none is required), and whether it only
// talks to a running daemon (and so has no use for --db).
var cliCommands = []struct {
	name    string
	missing []string // the arguments to run with to miss a required one
	client  bool
}{
	{name: "serve"},
	{name: "init"},
	{name: "import", missing: []string{}},
	{name: "export"},
	{name: "history", missing: []string{"bts_stations"}},
	{name: "catalogue", missing: []string{}},
	{name: "catalogue import", missing: []string{}},
	{name: "check"},
	{name: "eval"},
	{name: "test"},
	{name: "rules", missing: []string{}},
	{name: "rules schema"},
	{name: "rules export", missing: []string{}},
	{name: "alerts", missing: []string{}},
	{name: "alerts list", client: true},
	{name: "alerts history"},
	{name: "alerts test-receiver", missing: []string{}, client: true},
	{name: "alerts preview"},
	{name: "silence", missing: []string{}},
	{name: "silence add", missing: []string{"--comment", "why", "--by", "me"}, client: true},
	{name: "silence list", client: true},
	{name: "silence expire", missing: []string{}, client: true},
	{name: "silence preview", missing: []string{}, client: true},
	{name: "ack", missing: []string{"--kind", "correct", "--by", "me"}, client: true},
	{name: "migrate", missing: []string{}},
	{name: "version"},
}

// TestEveryCommandsHelpAndExitCodes runs every command with -h and --help
// (usage on standard output, exit 0), an unknown flag and missing arguments
// (the problem on standard error, exit 2), and checks that commands that
// only talk to the daemon do not offer --db.
func TestEveryCommandsHelpAndExitCodes(t *testing.T) {
	t.Chdir(t.TempDir()) // nothing a command might write lands in the source tree
	for _, c := range cliCommands {
		words := strings.Fields(c.name)
		t.Run(c.name, func(t *testing.T) {
			for _, h := range []string{"-h", "--help"} {
				code, out, errs := runChiso(t, append(append([]string{}, words...), h)...)
				if code != 0 || !strings.HasPrefix(out, "usage: chiso "+c.name) || errs != "" {
					t.Errorf("%s %s: exit %d\nstdout:\n%s\nstderr:\n%s", c.name, h, code, out, errs)
				}
				if c.client && strings.Contains(out, "-db") {
					t.Errorf("%s %s lists --db, which a command talking to the daemon does not use:\n%s", c.name, h, out)
				}
			}
			code, out, errs := runChiso(t, append(append([]string{}, words...), "--no-such-flag")...)
			if code != 2 || out != "" || !strings.Contains(errs, "-no-such-flag") || !strings.Contains(errs, "usage: chiso "+c.name) {
				t.Errorf("%s --no-such-flag: exit %d\nstdout:\n%s\nstderr:\n%s", c.name, code, out, errs)
			}
			if c.missing != nil {
				code, out, errs := runChiso(t, append(append([]string{}, words...), c.missing...)...)
				if code != 2 || out != "" || !strings.Contains(errs, "chiso "+c.name) {
					t.Errorf("%s without its arguments: exit %d\nstdout:\n%s\nstderr:\n%s", c.name, code, out, errs)
				}
			}
		})
	}
	if entries, _ := os.ReadDir("."); len(entries) > 0 {
		t.Errorf("the commands wrote %v", entries)
	}
}

// TestTopLevelHelpAndVersion: chiso -h and help print the commands on
// standard output; no command or an unknown one is a usage error; version
// and --version print the version, revision and Go version.
func TestTopLevelHelpAndVersion(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"--help"}, {"help"}} {
		code, out, errs := runChiso(t, args...)
		if code != 0 || !strings.HasPrefix(out, "usage: chiso") || !strings.Contains(out, "version") || errs != "" {
			t.Errorf("%v: exit %d\n%s%s", args, code, out, errs)
		}
	}
	if code, out, errs := runChiso(t, "help", "eval"); code != 0 || !strings.HasPrefix(out, "usage: chiso eval") || errs != "" {
		t.Errorf("help eval: exit %d\n%s%s", code, out, errs)
	}
	for _, args := range [][]string{{}, {"nope"}, {"--nope"}, {"help", "nope"}} {
		code, out, errs := runChiso(t, args...)
		if code != 2 || out != "" || !strings.Contains(errs, "usage: chiso") {
			t.Errorf("%v: exit %d\n%s%s", args, code, out, errs)
		}
	}
	for _, args := range [][]string{{"version"}, {"--version"}} {
		code, out, errs := runChiso(t, args...)
		if code != 0 || !strings.HasPrefix(out, "chiso ") || !strings.Contains(out, "revision ") || !strings.Contains(out, runtime.Version()) || errs != "" {
			t.Errorf("%v: exit %d\n%s%s", args, code, out, errs)
		}
	}
}

// TestRulesExportHelpWritesNothing: rules export -h prints the usage; it
// used to write the pack into a folder named -h.
func TestRulesExportHelpWritesNothing(t *testing.T) {
	t.Chdir(t.TempDir())
	if code, _, _ := runChiso(t, "rules", "export", "-h"); code != 0 {
		t.Errorf("exit %d", code)
	}
	if _, err := os.Stat("-h"); err == nil {
		t.Error("rules export -h wrote a folder named -h")
	}
}

// TestEvalAtWithoutOffset reads --at without an offset in --tz, as its
// help says.
func TestEvalAtWithoutOffset(t *testing.T) {
	db := sampleDB(t)
	code, local, errs := evalJSON(t, "--db", db, "eval", "--at", "2026-11-23T07:00:00", "--tz", "Asia/Ho_Chi_Minh")
	if code == 2 {
		t.Fatalf("--at without offset refused: %s", errs)
	}
	_, offset, _ := evalJSON(t, "--db", db, "eval", "--at", sampleAt)
	if len(local) != len(offset) || len(local) == 0 {
		t.Errorf("%d findings at local 07:00, %d at %s", len(local), len(offset), sampleAt)
	}
	if code, _, errs := runChiso(t, "--db", db, "eval", "--at", "tomorrow"); code != 2 || !strings.Contains(errs, "--at") {
		t.Errorf("--at tomorrow: exit %d, %s", code, errs)
	}
}

// TestTestRunsThePackTests: chiso test without files runs the built-in
// pack's tests, which must exist and pass.
func TestTestRunsThePackTests(t *testing.T) {
	code, out, errs := runChiso(t, "test")
	if code != 0 || !strings.Contains(out, "tests/targets.yaml") || !strings.HasSuffix(out, ": OK\n") || strings.Contains(out, "holds no tests") {
		t.Errorf("exit %d\n%s%s", code, out, errs)
	}
}
