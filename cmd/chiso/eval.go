package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/checks"
	"github.com/chiso-vn/chiso/config"
	"github.com/chiso-vn/chiso/engine"
	"github.com/chiso-vn/chiso/pack"
	"github.com/chiso-vn/chiso/rules"
)

func init() {
	commands["eval"] = command{summary: "evaluate the rules once and print the findings (exit 1 when some fail)", run: runEval}
}

// evalOptions are the eval command's flags, checked.
type evalOptions struct {
	rules  string // --rules: a folder or a glob; empty means the default pack
	at     time.Time
	format string
	failOn chiso.Severity
	lang   string
	loc    *time.Location
}

func runEval(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "eval", "")
	rulesArg := fs.String("rules", "", "rule files: a folder of *.yaml files or a glob (default: the built-in rule pack)")
	at := fs.String("at", "", "evaluation time, RFC 3339, or without an offset in --tz (default: now)")
	format := fs.String("format", "table", "output format: table or json")
	failOn := fs.String("fail-on", "warning", "exit 1 when a failing finding has at least this severity: info, warning or critical")
	lang := fs.String("lang", "vi", "language of messages: vi or en")
	tz := fs.String("tz", config.DefaultTimeZone, "time zone of calendars and of --at without an offset")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if code, ok := noArgs(e, fs); !ok {
		return code
	}
	opts, err := checkEvalFlags(*rulesArg, *at, *format, *failOn, *lang, *tz, time.Now())
	if err != nil {
		fmt.Fprintf(e.stderr, "chiso eval: %v\n", err)
		return 2
	}
	return evalOnce(ctx, e, opts)
}

// checkEvalFlags validates every flag and reports all problems at once;
// clock is the time used when --at is not given.
func checkEvalFlags(rulesArg, at, format, failOn, lang, tz string, clock time.Time) (evalOptions, error) {
	o := evalOptions{rules: rulesArg, format: format, lang: lang, at: clock}
	var errs []error
	loc, err := time.LoadLocation(tz)
	if err != nil {
		errs = append(errs, fmt.Errorf("--tz %q: unknown time zone", tz))
		loc = time.UTC
	}
	o.loc = loc
	if at != "" {
		if o.at, err = parseTime(at, loc); err != nil {
			errs = append(errs, fmt.Errorf("--at %q: %w", at, err))
		}
	}
	if format != "table" && format != "json" {
		errs = append(errs, fmt.Errorf("--format %q: want table or json", format))
	}
	if o.failOn, err = chiso.ParseSeverity(failOn); err != nil {
		errs = append(errs, fmt.Errorf("--fail-on: %w", err))
	}
	if lang != "vi" && lang != "en" {
		errs = append(errs, fmt.Errorf("--lang %q: want vi or en", lang))
	}
	return o, errors.Join(errs...)
}

// evalOnce loads the store and the rules, evaluates, prints the findings
// and returns the exit code.
func evalOnce(ctx context.Context, e *env, o evalOptions) int {
	start := time.Now()
	res, cat, err := evaluateStore(ctx, e, o)
	if err != nil {
		fmt.Fprintf(e.stderr, "chiso eval: %v\n", err)
		return 2
	}
	// The engine and its index are garbage now: collecting them before the
	// findings are printed lets the messages written on the way reuse their
	// memory instead of growing the heap to twice what it held.
	runtime.GC()
	findings := res.Findings.All()
	if o.format == "json" {
		err = writeFindingsJSON(e.stdout, findings)
	} else {
		err = writeFindingsTable(e.stdout, findings, catalogueFigures(cat, o.lang))
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "chiso eval: write findings: %v\n", err)
		return 2
	}
	failed := writeSummary(e.stderr, res, time.Since(start))
	switch {
	case failed:
		return 2
	case failing(findings, o.failOn):
		return 1
	}
	return 0
}

// evaluateStore reads the catalogue, the observations and the rules, and
// evaluates them once at o.at.
func evaluateStore(ctx context.Context, e *env, o evalOptions) (engine.Result, *chiso.Catalogue, error) {
	db, err := openExisting(ctx, e)
	if err != nil {
		return engine.Result{}, nil, err
	}
	defer db.Close()
	cat, err := db.Catalogue(ctx)
	if err != nil {
		return engine.Result{}, nil, err
	}
	groups, err := loadRules(o.rules, cat)
	if err != nil {
		return engine.Result{}, nil, err
	}
	eng, err := engine.New(cat, groups, engine.Options{Lang: o.lang, Location: o.loc})
	if err != nil {
		return engine.Result{}, nil, err
	}
	if err := eng.Load(ctx, db); err != nil {
		return engine.Result{}, nil, err
	}
	res, err := eng.Evaluate(ctx, "", o.at)
	return res, cat, err
}

// loadRules reads the rule files that --rules names: a folder (its *.yaml
// and *.yml files), a file, or a glob; empty means the default pack.
func loadRules(arg string, cat *chiso.Catalogue) ([]rules.Group, error) {
	fsys, patterns, err := ruleFiles(arg)
	if err != nil {
		return nil, err
	}
	return rules.Load(fsys, patterns, cat)
}

// ruleFiles turns --rules into a file system and glob patterns.
func ruleFiles(arg string) (fs.FS, []string, error) {
	if arg == "" {
		return defaultRuleFiles()
	}
	if st, err := os.Stat(arg); err == nil && st.IsDir() {
		fsys := os.DirFS(arg)
		var patterns []string
		for _, p := range []string{"*.yaml", "*.yml"} {
			if m, _ := fs.Glob(fsys, p); len(m) > 0 {
				patterns = append(patterns, p)
			}
		}
		if len(patterns) == 0 {
			return nil, nil, fmt.Errorf("--rules %s: no *.yaml or *.yml file in the folder", arg)
		}
		return fsys, patterns, nil
	}
	dir, pattern := rules.SplitGlob(filepath.ToSlash(arg))
	return os.DirFS(dir), []string{pattern}, nil
}

// failing reports whether a finding with status fail reaches the severity.
func failing(fs iter.Seq[chiso.Finding], min chiso.Severity) bool {
	for f := range fs {
		if f.Status == chiso.Fail && f.Severity.Rank() >= min.Rank() {
			return true
		}
	}
	return false
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// number prints a value as briefly as it reads exactly; NaN is "-".
func number(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "-"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// writeSummary prints one line about the evaluation, one with the
// comparisons that could not be made (too little history, a change of
// method …), and one per rule that failed; it reports whether any failed.
func writeSummary(w io.Writer, res engine.Result, took time.Duration) bool {
	var evaluated int
	skips := map[checks.SkipReason]int{}
	var failed []string
	for id, s := range res.PerRule {
		evaluated += s.Evaluated
		for r, n := range s.Skipped {
			skips[r] += n
		}
		if s.Err != nil {
			failed = append(failed, fmt.Sprintf("chiso eval: rule %s: %v", id, s.Err))
		}
	}
	by := map[chiso.Severity]int{}
	indeterminate := 0
	for f := range res.Findings.All() {
		if f.Status == chiso.Indeterminate {
			indeterminate++
			continue
		}
		by[f.Severity]++
	}
	fmt.Fprintf(w, "%d rules, %d units evaluated; findings: %d critical, %d warning, %d info, %d indeterminate; %s\n",
		len(res.PerRule), evaluated, by[chiso.Critical], by[chiso.Warning], by[chiso.Info], indeterminate,
		took.Round(time.Millisecond))
	if len(skips) > 0 {
		fmt.Fprintf(w, "not evaluated (no finding possible): %s\n", formatSkips(skips))
	}
	slices.Sort(failed)
	for _, line := range failed {
		fmt.Fprintln(w, line)
	}
	return len(failed) > 0
}

// defaultRuleFiles is the rule pack built into the binary.
func defaultRuleFiles() (fs.FS, []string, error) { return pack.FS(), pack.Patterns, nil }

// formatSkips lists skip counts by reason, most frequent first.
func formatSkips(skips map[checks.SkipReason]int) string {
	reasons := make([]checks.SkipReason, 0, len(skips))
	for r := range skips {
		reasons = append(reasons, r)
	}
	slices.SortFunc(reasons, func(a, b checks.SkipReason) int {
		if skips[a] != skips[b] {
			return skips[b] - skips[a]
		}
		return strings.Compare(string(a), string(b))
	})
	parts := make([]string, len(reasons))
	for i, r := range reasons {
		parts[i] = fmt.Sprintf("%d %s", skips[r], r)
	}
	return strings.Join(parts, ", ")
}
