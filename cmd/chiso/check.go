package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/chiso-vn/chiso/sample/samplecat"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/config"
	"github.com/chiso-vn/chiso/daemon"
	"github.com/chiso-vn/chiso/rules"
)

func init() {
	commands["check"] = command{summary: "lint rule files and show when each group runs next (exit 1 on any problem)", run: runCheck}
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(s string) error { *l = append(*l, s); return nil }

// checkOptions are the check command's flags, resolved.
type checkOptions struct {
	sources []string       // folders, files or globs; empty means the configuration's rules, else the default pack
	cfg     *config.Config // the configuration to check as serve would; nil for none
	loc     *time.Location
	now     time.Time
}

func runCheck(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "check", "[RULE FILE|DIR|GLOB...]")
	var sources stringList
	fs.Var(&sources, "rules", "rule files: a folder of *.yaml files, a file or a glob; repeatable (default: the configuration's rules, else the built-in rule pack)")
	cfgPath := fs.String("config", "", "configuration file, checked as serve would start with it: its database, alerting and rules (default ./"+defaultConfigFile+" if it exists and no rule file is named)")
	tz := fs.String("tz", "", "time zone of the schedules (default: the configuration's, else Asia/Ho_Chi_Minh)")
	now := fs.String("now", "", "show run times after this time, RFC 3339; without an offset, in --tz (default: now)")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	o, err := checkOptionsFrom(e, append(sources, fs.Args()...), *cfgPath, *tz, *now, time.Now())
	if err != nil {
		fmt.Fprintf(e.stderr, "chiso check: %v\n", err)
		return 1
	}
	return checkRules(ctx, e, o)
}

// checkOptionsFrom resolves the flags; clock is used when now is empty, and
// an empty tz means the configuration's time zone, else Asia/Ho_Chi_Minh.
// Without --config and rule files, ./chiso.yaml is checked when it exists,
// as serve reads it.
func checkOptionsFrom(e *env, sources []string, cfgPath, tz, now string, clock time.Time) (checkOptions, error) {
	o := checkOptions{sources: sources, now: clock}
	tzSet := tz != ""
	if !tzSet {
		tz = config.DefaultTimeZone
	}
	var err error
	if o.loc, err = time.LoadLocation(tz); err != nil {
		return o, fmt.Errorf("--tz %q: unknown time zone", tz)
	}
	if cfgPath == "" && len(sources) == 0 {
		if _, err := os.Stat(defaultConfigFile); err == nil {
			cfgPath = defaultConfigFile
		}
	}
	if cfgPath != "" {
		if o.cfg, err = serveConfig(cfgPath, e, ""); err != nil {
			return o, err
		}
		if !tzSet {
			o.loc = o.cfg.Location
		}
	}
	if now != "" {
		if o.now, err = parseTime(now, o.loc); err != nil {
			return o, fmt.Errorf("--now %q: %w", now, err)
		}
	}
	return o, nil
}

// checkRules checks the configuration and lints the rules, prints the
// groups' next runs or every problem, and returns the exit code.
func checkRules(ctx context.Context, e *env, o checkOptions) int {
	dbPath := e.db
	if o.cfg != nil {
		dbPath = o.cfg.Path(o.cfg.Database)
		fmt.Fprintf(e.stdout, "configuration: %s\n", o.cfg.File)
	}
	cat, what, err := checkCatalogue(ctx, e, dbPath)
	if err != nil {
		fmt.Fprintf(e.stderr, "chiso check: %v\n", err)
		return 1
	}
	fmt.Fprintf(e.stdout, "catalogue: %s (%d indicators, %d areas)\n", what, len(cat.Indicators), len(cat.Areas))
	groups, err := checkSources(e, o, cat)
	if err != nil {
		fmt.Fprintln(e.stderr, err)
		fmt.Fprintf(e.stderr, "%s: FAILED\n", pluralize(countProblems(err), "problem"))
		return 1
	}
	if err := printSchedules(e.stdout, groups, o.now, o.loc); err != nil {
		fmt.Fprintf(e.stderr, "chiso check: %v\n", err)
		return 1
	}
	return 0
}

// checkSources checks the configuration, if any, with the daemon's own
// checks, and lints the rule files: those named, else the configuration's,
// else the built-in pack. A configuration with the default rules whose
// folder does not exist yet gets the built-in pack, which serve writes
// there on its first run.
func checkSources(e *env, o checkOptions, cat *chiso.Catalogue) ([]rules.Group, error) {
	if o.cfg == nil {
		return lintSources(o.sources, cat)
	}
	cfg := *o.cfg
	pack := len(o.sources) == 0 && slices.Equal(cfg.Rules, config.DefaultRules) && !exists(cfg.Path(config.DefaultRulesDir))
	if pack {
		fmt.Fprintf(e.stdout, "rules: %s does not exist; serve writes the built-in rule pack there on its first run\n", cfg.Path(config.DefaultRulesDir))
	}
	if len(o.sources) > 0 || pack {
		cfg.Rules = []string{} // checked below, as named
	}
	groups, err := daemon.Check(&cfg, cat)
	if len(o.sources) == 0 && !pack {
		return groups, err
	}
	more, lerr := lintSources(o.sources, cat)
	if err := errors.Join(err, lerr); err != nil {
		return nil, err
	}
	return more, nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// countProblems counts the problems in err: one per entry of a rule file
// or configuration error list, one for any other error.
func countProblems(err error) int {
	switch v := err.(type) {
	case rules.ErrorList:
		return len(v)
	case *config.Error:
		return len(v.Problems)
	case interface{ Unwrap() []error }:
		n := 0
		for _, e := range v.Unwrap() {
			n += countProblems(e)
		}
		return n
	}
	if u := errors.Unwrap(err); u != nil {
		return countProblems(u)
	}
	return 1
}

// checkCatalogue returns the catalogue of the database at path when it
// exists, else the built-in sample catalogue (what a new database holds),
// and says which.
func checkCatalogue(ctx context.Context, e *env, path string) (*chiso.Catalogue, string, error) {
	if _, err := os.Stat(path); err != nil {
		cat, err := samplecat.Catalogue()
		return cat, "built-in sample", err
	}
	db, err := openExisting(ctx, &env{db: path})
	if err != nil {
		return nil, "", err
	}
	defer db.Close()
	cat, err := db.Catalogue(ctx)
	return cat, path, err
}

// lintSources loads every source (the default pack when there is none);
// positions name files as the user wrote them, and group names must be
// unique across sources.
func lintSources(sources []string, cat *chiso.Catalogue) ([]rules.Group, error) {
	if len(sources) == 0 {
		return lintPack(cat)
	}
	var all []rules.Group
	var errs rules.ErrorList
	for _, src := range sources {
		groups, err := lintSource(src, cat)
		var list rules.ErrorList
		switch {
		case errors.As(err, &list):
			errs = append(errs, list...)
		case err != nil:
			errs = append(errs, rules.Error{Pos: rules.Position{File: src}, Msg: err.Error()})
		}
		all = append(all, groups...)
	}
	errs = append(errs, rules.DuplicateGroups(all)...)
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return all, nil
}

// lintPack loads the built-in rule pack, the one serve and rules export
// write; its files are named builtin:NAME.
func lintPack(cat *chiso.Catalogue) ([]rules.Group, error) {
	pack := rulePack()
	var patterns []string
	for _, p := range []string{"*.yaml", "*.yml"} {
		if m, _ := fs.Glob(pack, p); len(m) > 0 {
			patterns = append(patterns, p)
		}
	}
	if len(patterns) == 0 {
		return nil, errors.New("the built-in rule pack holds no rule file")
	}
	groups, err := rules.Load(pack, patterns, cat)
	renameFiles(groups, err, func(f string) string { return "builtin:" + f })
	return groups, err
}

// renameFiles rewrites the file names of the groups' and the errors'
// positions.
func renameFiles(groups []rules.Group, err error, name func(string) string) {
	var list rules.ErrorList
	if errors.As(err, &list) {
		for i := range list {
			list[i].Pos.File = name(list[i].Pos.File)
		}
	}
	for i := range groups {
		groups[i].Pos.File = name(groups[i].Pos.File)
	}
}

// lintSource loads one folder, file or glob.
func lintSource(src string, cat *chiso.Catalogue) ([]rules.Group, error) {
	dir, patterns := src, dirPatterns(src)
	if st, err := os.Stat(src); err != nil || !st.IsDir() {
		var pattern string
		dir, pattern = rules.SplitGlob(filepath.ToSlash(src))
		patterns = []string{pattern}
	}
	groups, err := rules.Load(os.DirFS(dir), patterns, cat)
	renameFiles(groups, err, func(f string) string { return filepath.Join(dir, filepath.FromSlash(f)) })
	return groups, err
}

// dirPatterns returns those of *.yaml and *.yml that match files in the
// folder, or *.yaml alone when neither does, so that the folder is reported
// as holding no rule file.
func dirPatterns(dir string) []string {
	var out []string
	for _, p := range []string{"*.yaml", "*.yml"} {
		if m, _ := fs.Glob(os.DirFS(dir), p); len(m) > 0 {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		return []string{"*.yaml"}
	}
	return out
}

// printSchedules prints each group's next three runs, then the totals.
func printSchedules(w io.Writer, groups []rules.Group, now time.Time, loc *time.Location) error {
	nRules, file := 0, ""
	for _, g := range groups {
		if g.Pos.File != file {
			file = g.Pos.File
			fmt.Fprintf(w, "%s\n", file)
		}
		runs, err := g.NextRuns(now, loc, 3)
		if err != nil {
			return err
		}
		times := make([]string, len(runs))
		for i, t := range runs {
			times[i] = t.Format("Mon 2006-01-02 15:04 -07:00")
		}
		fmt.Fprintf(w, "  %s: %s, schedule %q, next: %s\n", g.Name, pluralize(len(g.Rules), "rule"), g.Schedule, strings.Join(times, ", "))
		nRules += len(g.Rules)
	}
	fmt.Fprintf(w, "%s, %s: OK (times in %s)\n", pluralize(len(groups), "group"), pluralize(nRules, "rule"), loc)
	return nil
}

// pluralize writes n with the noun, adding s unless n is 1.
func pluralize(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
