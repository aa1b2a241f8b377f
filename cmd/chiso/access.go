package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/daemon"
	"github.com/chiso-vn/chiso/internal/clip"
	"github.com/chiso-vn/chiso/server"
	"github.com/chiso-vn/chiso/store"
)

func init() {
	commands["audit"] = command{summary: "list the daemon's audit log of writes (a token with the admin action)", run: runAudit}
	commands["reload"] = command{summary: "make the running daemon re-read its configuration, tokens and rules", run: runReload}
}

// importRemote sends each file to the daemon, which imports it as the
// token allows: a file with a row outside the token's areas stores
// nothing, and every such row is listed.
func importRemote(ctx context.Context, e *env, cf *clientFlags, paths []string, source string, dryRun bool) int {
	c, err := cf.client()
	if err != nil {
		return usageErr(e, "import", "%v", err)
	}
	code := 0
	for _, path := range paths {
		if err := importOne(ctx, e, c, path, source, dryRun); err != nil {
			fmt.Fprintf(e.stderr, "chiso import: %s: nothing imported: %v\n", path, err)
			code = 1
		}
	}
	return code
}

func importOne(ctx context.Context, e *env, c *apiClient, path, source string, dryRun bool) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	q := url.Values{"name": {baseName(path)}}
	if source != "" {
		q.Set("source", source)
	}
	if dryRun {
		q.Set("dry_run", "true")
	}
	var sum server.ImportSummary
	if err := c.do(ctx, "POST", "/api/v1/observations?"+q.Encode(), upload{body: f, ctype: "application/octet-stream"}, &sum); err != nil {
		return err
	}
	verb := "imported"
	if dryRun {
		verb = "would import (dry run, nothing stored)"
	}
	fmt.Fprintf(e.stdout, "%s %s: %d added, %d revised, %d unchanged (areas %s)\n", verb, path, sum.Added, sum.Revised, sum.Unchanged, strings.Join(sum.Areas, ", "))
	return nil
}

func runReload(ctx context.Context, e *env, args []string) int {
	fs := newCommandFlagSet(e, "reload", "")
	cf := addClientFlags(fs)
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if code, ok := noArgs(e, fs); !ok {
		return code
	}
	c, err := cf.client()
	if err != nil {
		return usageErr(e, "reload", "%v", err)
	}
	var st server.ReloadStatus
	if err := c.do(ctx, "POST", "/-/reload", nil, &st); err != nil {
		return fail(e, "reload", err)
	}
	fmt.Fprintf(e.stdout, "reloaded at %s\n", st.LastSuccess.Format(time.RFC3339))
	return 0
}

func runAudit(ctx context.Context, e *env, args []string) int {
	fs := newCommandFlagSet(e, "audit", "")
	cf := addClientFlags(fs)
	var q auditArgs
	fs.StringVar(&q.since, "since", "", "from this time: RFC 3339, a date (2026-11-23) or a duration before now (7d)")
	fs.StringVar(&q.until, "until", "", "before this time, same forms as --since")
	fs.StringVar(&q.token, "token", "", "only the writes of the token with this name ([drop_folder], [watch], [signal] for the daemon's own)")
	fs.StringVar(&q.action, "action", "", "only this action: import, ack, silence_add, silence_expire, reload, test_receiver")
	fs.StringVar(&q.outcome, "outcome", "", "only this outcome: ok, dry_run, denied, unauthenticated, failed")
	limit := fs.Int("limit", 100, "the most entries shown, newest first; 0 for all")
	format := fs.String("format", "table", "table or json")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if code, ok := noArgs(e, fs); !ok {
		return code
	}
	path, err := q.path()
	if err = errors.Join(err, checkFormat(*format)); err != nil {
		return usageErr(e, "audit", "%v", err)
	}
	if *limit < 0 {
		return usageErr(e, "audit", "--limit %d: want 0 or more", *limit)
	}
	c, err := cf.client()
	if err != nil {
		return usageErr(e, "audit", "%v", err)
	}
	raw, err := c.list(ctx, "GET", path, nil, *limit)
	if err != nil {
		return fail(e, "audit", err)
	}
	entries := make([]chiso.AuditEntry, len(raw))
	for i, r := range raw {
		if err := json.Unmarshal(r, &entries[i]); err != nil {
			return fail(e, "audit", fmt.Errorf("decode entry: %w", err))
		}
	}
	if *format == "json" {
		writeJSONOut(e.stdout, entries)
		return 0
	}
	printAudit(e, entries)
	return 0
}

// auditArgs are the audit command's filters.
type auditArgs struct{ since, until, token, action, outcome string }

// path is the API path of the filters; every bad time is reported.
func (a auditArgs) path() (string, error) {
	q := url.Values{}
	var errs []error
	for _, f := range []struct{ key, v string }{{"since", a.since}, {"until", a.until}} {
		if f.v == "" {
			continue
		}
		if _, err := server.ParseTime(f.v, time.Now()); err != nil {
			errs = append(errs, fmt.Errorf("--%s: %w", f.key, err))
		}
		q.Set(f.key, f.v)
	}
	for key, v := range map[string]string{"token": a.token, "action": a.action, "outcome": a.outcome} {
		if v != "" {
			q.Set(key, v)
		}
	}
	if len(q) == 0 {
		return "/api/v1/audit", errors.Join(errs...)
	}
	return "/api/v1/audit?" + q.Encode(), errors.Join(errs...)
}

func printAudit(e *env, entries []chiso.AuditEntry) {
	if len(entries) == 0 {
		fmt.Fprintln(e.stdout, "no entries")
		return
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tAT\tTOKEN\tREMOTE\tACTION\tTARGET\tAREAS\tOUTCOME\tDETAIL")
	dash := func(s string) string {
		if s == "" {
			return "-"
		}
		return clip.Text(s)
	}
	for _, a := range entries {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", strconv.FormatInt(a.ID, 10), a.At.Local().Format(time.RFC3339),
			dash(a.Token), dash(a.Remote), a.Action, dash(a.Target), dash(strings.Join(a.Areas, ",")), a.Outcome, dash(a.Detail))
	}
	tw.Flush()
}

// localChannel is the name the audit gives writes made on the database
// file directly, with no token: whoever may write the file may do anything.
const localChannel = "[command_line]"

// auditLocalImport records an import made on the database file in its
// audit log, with the user who ran it; failing to is only a warning.
func auditLocalImport(ctx context.Context, e *env, db daemon.AuditLog, path, source string, res store.ImportResult, dryRun bool, err error) {
	entry := chiso.AuditEntry{At: time.Now(), Token: localChannel, Action: "import",
		Target: fmt.Sprintf("%s (source %s)", baseName(path), clip.Quote(source)), Outcome: chiso.AuditOK,
		Detail: fmt.Sprintf("added %d, revised %d, unchanged %d", res.Added, res.Revised, res.Unchanged)}
	switch {
	case err != nil:
		entry.Outcome, entry.Detail = chiso.AuditFailed, firstLineOf(err.Error())
	case dryRun:
		entry.Outcome = chiso.AuditDryRun
	}
	addLocalAudit(ctx, e, db, "import", entry)
}

// addLocalAudit records a write made on the database file, naming the
// user who ran the command; failing to is only a warning.
func addLocalAudit(ctx context.Context, e *env, db daemon.AuditLog, command string, entry chiso.AuditEntry) {
	if u := os.Getenv("USER"); u != "" {
		entry.Detail += "; by user " + clip.Text(u)
	}
	if _, aerr := db.AddAudit(context.WithoutCancel(ctx), entry); aerr != nil {
		fmt.Fprintf(e.stderr, "chiso %s: warning: not recorded in the audit log: %v\n", command, aerr)
	}
}

// auditLocalCatalogue records a catalogue import made on the database
// file.
func auditLocalCatalogue(ctx context.Context, e *env, db daemon.AuditLog, paths []string, changed int, err error) {
	names := make([]string, len(paths))
	for i, p := range paths {
		names[i] = baseName(p)
	}
	entry := chiso.AuditEntry{At: time.Now(), Token: localChannel, Action: "catalogue_import",
		Target: clip.Text(strings.Join(names, ", ")), Outcome: chiso.AuditOK,
		Detail: fmt.Sprintf("%d entries added or changed", changed)}
	if err != nil {
		entry.Outcome, entry.Detail = chiso.AuditFailed, firstLineOf(err.Error())
	}
	addLocalAudit(ctx, e, db, "catalogue import", entry)
}

func firstLineOf(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return clip.Text(s)
}
