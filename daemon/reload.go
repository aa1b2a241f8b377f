package daemon

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/config"
	"github.com/chiso-vn/chiso/rules"
	"github.com/chiso-vn/chiso/server"
)

// reloadState is the outcome of the last reload, for the API.
type reloadState struct {
	mu sync.Mutex
	st server.ReloadStatus
}

func (r *reloadState) succeed(now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.st = server.ReloadStatus{Success: true, LastSuccess: now, LastAttempt: now}
}

func (r *reloadState) fail(now time.Time, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.st.Success, r.st.LastAttempt, r.st.Error, r.st.Errors = false, now, err.Error(), problems(err)
}

// ReloadStatus returns the outcome of the last reload.
func (d *Daemon) ReloadStatus() server.ReloadStatus {
	d.reload.mu.Lock()
	defer d.reload.mu.Unlock()
	return d.reload.st
}

// Reload re-reads the configuration file (if any) and every rule file,
// validates all of it, and only then swaps the rules and schedules in;
// alert and finding state of unchanged rules is kept. On any error the
// running set stays and the error says why. Settings that need a restart
// (listen, database, time_zone, language, http) are logged and left as they are.
func (d *Daemon) Reload(ctx context.Context) error {
	d.reloadMu.Lock()
	defer d.reloadMu.Unlock()
	now := d.opts.Now()
	next, groups, ac, acc, err := d.prepareReload()
	if err == nil {
		err = d.reloadAlerting(ctx, ac, now)
	}
	if err == nil {
		err = d.swap(ctx, next, acc, groups, now)
	}
	if err != nil {
		d.reload.fail(now, err)
		d.metrics.reloaded(false, now)
		d.log.Error("reload failed; keeping the running configuration and rules", "err", err)
		return err
	}
	d.reload.succeed(now)
	d.metrics.reloaded(true, now)
	d.log.Info("reloaded", "groups", len(groups))
	select { // the sync loop evaluates every group with the new rules
	case d.evalAll <- struct{}{}:
	default:
	}
	return nil
}

// ReloadBy is Reload for a reload no request asked for (a file change, a
// signal): it records the outcome in the audit log under the channel's
// name, as the API records its own.
func (d *Daemon) ReloadBy(ctx context.Context, channel string) error {
	err := d.Reload(ctx)
	outcome, detail := outcomeOf(err, false)
	d.audit(ctx, chiso.AuditEntry{Token: channel, Action: "reload", Outcome: outcome, Detail: detail})
	return err
}

// ReloadOnSignal is the channel name ReloadBy records for a reload on
// SIGHUP.
const ReloadOnSignal = signalChannel

// prepareReload reads and validates everything a reload changes: the
// configuration file (token files included), its tokens' scopes, its
// alerting section and the rule files. The alerting section is nil when
// there is no file to re-read.
func (d *Daemon) prepareReload() (*config.Config, []ruleGroup, *reloadedAlerting, *access, error) {
	cur := d.cfg.Load()
	next, acc := cur, d.access.Load()
	var ac *reloadedAlerting
	var errs []error
	if cur.File != "" {
		c, err := config.Load(cur.File)
		if err != nil {
			return nil, nil, nil, nil, err
		}
		next = keepRestartSettings(cur, c, d.log.Warn)
		if acc, err = newAccess(next, d.cat); err != nil {
			errs = append(errs, err)
		}
		if ac, err = prepareAlerting(next, d.receiverEnv(next)); err != nil {
			errs = append(errs, err)
		}
	}
	groups, err := loadGroups(next, d.cat)
	errs = append(errs, err)
	return next, groups, ac, acc, errors.Join(errs...)
}

// keepRestartSettings returns next with the settings a running daemon cannot
// change copied from cur, warning about each that differs.
func keepRestartSettings(cur, next *config.Config, warn func(string, ...any)) *config.Config {
	c := *next
	pairs := []struct {
		key      string
		from, to *string
	}{{"listen", &cur.Listen, &c.Listen}, {"database", &cur.Database, &c.Database},
		{"time_zone", &cur.TimeZone, &c.TimeZone}, {"language", &cur.Language, &c.Language},
		{"drop_folder.path", &cur.Drop.Path, &c.Drop.Path}}
	for _, p := range pairs {
		if *p.from != *p.to {
			from, to := *p.from, *p.to
			if p.key == "database" { // a PostgreSQL URL may carry its password
				from, to = DatabaseName(from), DatabaseName(to)
			}
			warn("setting changed; it takes effect after a restart", "key", p.key, "running", from, "file", to)
			*p.to = *p.from
		}
	}
	if cur.HTTP != c.HTTP {
		warn("setting changed; it takes effect after a restart", "key", "http")
		c.HTTP = cur.HTTP
	}
	if cur.Cluster != c.Cluster {
		warn("setting changed; it takes effect after a restart", "key", "cluster")
		c.Cluster = cur.Cluster
	}
	c.Location = cur.Location
	return &c
}

// swap installs validated groups: the engine first (it may still refuse
// them, and then nothing has changed), then the schedule, then, while no
// evaluation publishes, the set itself with everything kept per group and
// rule (findings, health, metrics, alerts), so that nothing of a removed or
// renamed group or rule outlives the swap. An evaluation that ran on the old
// set publishes nothing (see evaluate); the sync loop evaluates every group
// again after the reload.
func (d *Daemon) swap(ctx context.Context, cfg *config.Config, acc *access, groups []ruleGroup, now time.Time) error {
	old := d.groups.Load()
	if err := d.eng.SetRules(rawGroups(groups)); err != nil {
		return fmt.Errorf("prepare rules: %w", err)
	}
	if err := d.schedule(groups); err != nil {
		if rerr := d.eng.SetRules(rawGroups(old.list)); rerr != nil {
			err = errors.Join(err, fmt.Errorf("restore the running rules: %w", rerr))
		}
		return err
	}
	set := newGroupSet(groups)
	d.publish.Lock()
	defer d.publish.Unlock()
	d.groups.Store(set)
	d.cfg.Store(cfg)
	d.access.Store(acc)
	d.state.retain(set.ruleNames())
	d.metrics.retain(old, set)
	d.ops.breakdown.retain(set.ruleNames())
	if lctx, cancel, leading := d.leading(ctx); leading && d.opts.Alerts != nil {
		defer cancel()
		if err := d.opts.Alerts.SetRules(lctx, rawGroups(groups), now); err != nil {
			d.metrics.alertErrors.Inc()
			d.log.Error("alerting: rules not updated", "err", err)
		}
	}
	return nil
}

// loadGroups reads and validates every rule file of the configuration,
// including each group's cron schedule; it returns every problem at once.
func loadGroups(cfg *config.Config, cat *chiso.Catalogue) ([]ruleGroup, error) {
	var groups []rules.Group
	var errs []error
	for _, fsRoot := range splitPatterns(cfg.RulePatterns()) {
		gs, err := rules.Load(os.DirFS(fsRoot.dir), fsRoot.patterns, cat)
		inDir(fsRoot.dir, gs, err)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		groups = append(groups, gs...)
	}
	seen := map[string]rules.Position{}
	out := make([]ruleGroup, 0, len(groups))
	for _, g := range groups {
		if err := checkSchedule(g.Schedule); err != nil {
			errs = append(errs, fmt.Errorf("%s: group %q: %w", posString(g.Pos), g.Name, err))
		}
		if p, dup := seen[g.Name]; dup {
			errs = append(errs, fmt.Errorf("%s: group %q: also defined at %s", posString(g.Pos), g.Name, posString(p)))
		}
		seen[g.Name] = g.Pos
		out = append(out, newRuleGroup(g))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// inDir names the files of the groups' and the errors' positions with
// their folder, so that a problem names the file wherever it is.
func inDir(dir string, groups []rules.Group, err error) {
	name := func(f string) string { return filepath.Join(dir, filepath.FromSlash(f)) }
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

func posString(p rules.Position) string {
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Column)
}

// fsRoot is a directory and the globs below it.
type fsRoot struct {
	dir      string
	patterns []string
}

// splitPatterns groups absolute globs by the folder before their first
// glob element (rules.SplitGlob), for fs.Glob under os.DirFS.
func splitPatterns(patterns []string) []fsRoot {
	byDir := map[string][]string{}
	for _, p := range patterns {
		dir, rel := rules.SplitGlob(filepath.ToSlash(p))
		byDir[dir] = append(byDir[dir], rel)
	}
	out := make([]fsRoot, 0, len(byDir))
	for dir, ps := range byDir {
		out = append(out, fsRoot{dir: dir, patterns: ps})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].dir < out[j].dir })
	return out
}

// staticDir returns the folder of a glob before any glob element: the
// folder to watch for it.
func staticDir(pattern string) string {
	dir, _ := rules.SplitGlob(filepath.ToSlash(pattern))
	return dir
}

// problems turns the positioned errors of a failed reload into API entries.
func problems(err error) []server.InputError {
	var out []server.InputError
	var ce *config.Error
	var rl rules.ErrorList
	switch {
	case errors.As(err, &ce):
		for _, p := range ce.Problems {
			out = append(out, server.InputError{File: p.File, Line: p.Line, Column: p.Column, Field: p.Field, Message: p.Msg})
		}
	case errors.As(err, &rl):
		for _, e := range rl {
			out = append(out, server.InputError{File: e.Pos.File, Line: e.Pos.Line, Column: e.Pos.Column,
				Field: strings.Trim(e.Group+"/"+e.Rule, "/"), Message: e.Msg})
		}
	}
	return out
}
