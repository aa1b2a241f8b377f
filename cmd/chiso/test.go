package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"strings"

	"github.com/chiso-vn/chiso/rules/ruletest"
)

func init() {
	commands["test"] = command{summary: "run rule unit tests: expected findings for given observations (exit 1 on failure)", run: runTest}
}

func runTest(ctx context.Context, e *env, args []string) int {
	fs := newCommandFlagSet(e, "test", "[TEST FILE...] (default: the built-in rule pack's tests)")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	run := func(name string) (ruletest.FileResult, error) { return ruletest.RunFile(ctx, name) }
	names := fs.Args()
	if len(names) == 0 {
		pack := rulePack()
		for _, pattern := range []string{"*_test.yaml", "tests/*.yaml"} {
			m, _ := iofs.Glob(pack, pattern)
			names = append(names, m...)
		}
		run = func(name string) (ruletest.FileResult, error) { return ruletest.RunFS(ctx, pack, name) }
		if len(names) == 0 { // a test run that runs nothing must not pass
			return fail(e, "test", errors.New("the built-in rule pack holds no tests (*_test.yaml or tests/*.yaml); name test files"))
		}
	}
	var tests, failed int
	for _, name := range names {
		res, err := run(name)
		n, bad := printTestFile(e, name, res, err)
		tests, failed = tests+n, failed+bad
	}
	if failed > 0 {
		fmt.Fprintf(e.stdout, "%s, %d failed: FAILED\n", pluralize(tests, "test"), failed)
		return 1
	}
	fmt.Fprintf(e.stdout, "%s in %s: OK\n", pluralize(tests, "test"), pluralize(len(names), "file"))
	return 0
}

// printTestFile prints one file's test results; a file that cannot run
// counts as one failed test.
func printTestFile(e *env, path string, res ruletest.FileResult, err error) (tests, failed int) {
	if err != nil {
		fmt.Fprintf(e.stdout, "%s: cannot run:\n", path)
		fmt.Fprintf(e.stdout, "%s\n", indent(err.Error(), "  "))
		return 1, 1
	}
	fmt.Fprintln(e.stdout, path)
	for _, r := range res.Results {
		if !r.Passed() {
			failed++
		}
		printTestResult(e.stdout, r)
	}
	return len(res.Results), failed
}

// printTestResult prints one test's verdict and, when it failed, why.
func printTestResult(w io.Writer, r ruletest.Result) {
	if r.Passed() {
		fmt.Fprintf(w, "  ok    %s (%s)\n", r.Name, pluralize(r.Findings, "finding"))
		return
	}
	fmt.Fprintf(w, "  FAIL  %s (%s:%d)\n", r.Name, r.Pos.File, r.Pos.Line)
	if r.Err != nil {
		fmt.Fprintf(w, "%s\n", indent("error: "+r.Err.Error(), "        "))
	}
	for _, m := range r.Missing {
		fmt.Fprintf(w, "        missing:    %s (%s:%d)\n", m, m.Pos.File, m.Pos.Line)
	}
	for _, f := range r.Unexpected {
		fmt.Fprintf(w, "        unexpected: %s\n", ruletest.FormatFinding(f))
	}
}

// indent puts prefix before every line of s.
func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}
