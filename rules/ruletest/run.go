package ruletest

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"

	"github.com/chiso-vn/chiso/sample/samplecat"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/engine"
	"github.com/chiso-vn/chiso/rules"
)

// Result is the outcome of one test.
type Result struct {
	Name       string
	Pos        rules.Position
	Findings   int // how many findings the rules returned
	Missing    []Expected
	Unexpected []chiso.Finding
	Err        error // the evaluation failed
}

// Passed reports whether the findings were exactly those expected.
func (r Result) Passed() bool { return r.Err == nil && len(r.Missing) == 0 && len(r.Unexpected) == 0 }

// FileResult is the outcome of one test file.
type FileResult struct {
	File    string
	Results []Result
}

// Passed reports whether every test of the file passed.
func (r FileResult) Passed() bool {
	for _, t := range r.Results {
		if !t.Passed() {
			return false
		}
	}
	return true
}

// RunFile reads a test file, loads its rule files and catalogue, and runs
// every test. The error is for a file that cannot be read or run at all (a
// bad test file, a bad rule file, an unknown series): a rules.ErrorList with
// every problem when it can say where.
func RunFile(ctx context.Context, path string) (FileResult, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return FileResult{}, fmt.Errorf("read test file: %w", err)
	}
	load := func(patterns []string, cat *chiso.Catalogue) ([]rules.Group, error) {
		return rules.LoadFiles(filepath.Dir(path), patterns, cat)
	}
	return run(ctx, path, src, load)
}

// RunFS is RunFile for a test file in a file system, such as the built-in
// rule pack; its rule files must lie in the same file system.
func RunFS(ctx context.Context, fsys fs.FS, name string) (FileResult, error) {
	src, err := fs.ReadFile(fsys, name)
	if err != nil {
		return FileResult{}, fmt.Errorf("read test file: %w", err)
	}
	load := func(patterns []string, cat *chiso.Catalogue) ([]rules.Group, error) {
		joined := make([]string, len(patterns))
		for i, p := range patterns {
			joined[i] = path.Join(path.Dir(name), p)
		}
		return rules.Load(fsys, joined, cat)
	}
	return run(ctx, name, src, load)
}

// run parses a test file, loads its rules with load, and runs its tests.
func run(ctx context.Context, name string, src []byte, load func([]string, *chiso.Catalogue) ([]rules.Group, error)) (FileResult, error) {
	f, err := Parse(name, src)
	if err != nil {
		return FileResult{}, err
	}
	cat, err := samplecat.Catalogue()
	if err != nil {
		return FileResult{}, fmt.Errorf("sample catalogue: %w", err)
	}
	groups, err := load(f.RuleFiles, cat)
	var list rules.ErrorList
	if err != nil && !errors.As(err, &list) {
		return FileResult{}, err
	}
	if err := checkSeries(f, cat); err != nil {
		list = append(list, err.(rules.ErrorList)...)
	}
	if err := list.Err(); err != nil {
		return FileResult{}, err
	}
	res := FileResult{File: name}
	for _, t := range f.Tests {
		res.Results = append(res.Results, runTest(ctx, f, t, cat, groups))
	}
	return res, nil
}

// checkSeries reports every input series whose indicator or area the
// catalogue does not have.
func checkSeries(f *File, cat *chiso.Catalogue) error {
	var errs rules.ErrorList
	seen := map[rules.Position]bool{}
	for _, t := range f.Tests {
		for _, o := range t.Observations {
			if seen[o.Pos] {
				continue
			}
			seen[o.Pos] = true
			if _, ok := cat.Indicator(o.Indicator); !ok {
				errs = append(errs, rules.Error{Pos: o.Pos, Msg: fmt.Sprintf("series: unknown indicator %q", o.Indicator)})
			}
			if _, ok := cat.Area(o.Area); !ok {
				errs = append(errs, rules.Error{Pos: o.Pos, Msg: fmt.Sprintf("series: unknown area %q", o.Area)})
			}
		}
	}
	return errs.Err()
}

// runTest evaluates every rule at the test's time over its observations
// alone and compares the findings.
func runTest(ctx context.Context, f *File, t Test, cat *chiso.Catalogue, groups []rules.Group) Result {
	r := Result{Name: t.Name, Pos: t.Pos}
	eng, err := engine.New(cat, groups, engine.Options{Lang: f.Lang, Location: f.Location})
	if err != nil {
		r.Err = err
		return r
	}
	obs := make([]chiso.Observation, len(t.Observations))
	for i, o := range t.Observations {
		obs[i] = o.Observation
	}
	eng.Add(obs...)
	res, err := eng.Evaluate(ctx, "", t.EvalTime)
	if err != nil {
		r.Err = err
		return r
	}
	if err := ruleErrors(res); err != nil {
		r.Err = err
		return r
	}
	found, err := onlyRules(res.Findings.Slice(), t.Rules, groups)
	if err != nil {
		r.Err = err
		return r
	}
	r.Findings = len(found)
	r.Missing, r.Unexpected = Compare(withSeverity(t.Expected, groups), found)
	return r
}

// onlyRules keeps the findings of the named rules; no names keeps all. A
// name no rule has is an error.
func onlyRules(fs []chiso.Finding, names []string, groups []rules.Group) ([]chiso.Finding, error) {
	if len(names) == 0 {
		return fs, nil
	}
	known := map[string]bool{}
	for _, g := range groups {
		for _, r := range g.Rules {
			known[r.Alert] = true
		}
	}
	want := map[string]bool{}
	for _, n := range names {
		if !known[n] {
			return nil, fmt.Errorf("rules: no rule named %q in the rule files", n)
		}
		want[n] = true
	}
	var out []chiso.Finding
	for _, f := range fs {
		if want[f.Rule] {
			out = append(out, f)
		}
	}
	return out, nil
}

// ruleErrors joins the errors of rules that failed to run.
func ruleErrors(res engine.Result) error {
	var ids []engine.RuleID
	for id, st := range res.PerRule {
		if st.Err != nil {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i].String() < ids[j].String() })
	errs := make([]error, len(ids))
	for i, id := range ids {
		errs[i] = fmt.Errorf("rule %s: %w", id, res.PerRule[id].Err)
	}
	return errors.Join(errs...)
}

// withSeverity fills each expectation's empty severity with its rule's.
func withSeverity(want []Expected, groups []rules.Group) []Expected {
	sev := map[string]chiso.Severity{}
	for _, g := range groups {
		for _, r := range g.Rules {
			if _, ok := sev[r.Alert]; !ok {
				sev[r.Alert] = r.Severity
			}
		}
	}
	out := make([]Expected, len(want))
	for i, e := range want {
		if e.Severity == "" {
			e.Severity = sev[e.Rule]
		}
		out[i] = e
	}
	return out
}
