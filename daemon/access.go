package daemon

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/config"
	"github.com/chiso-vn/chiso/ingest"
	"github.com/chiso-vn/chiso/server"
)

// access is who may write what under a configuration: its tokens and the
// drop folder's scope, their areas resolved against the catalogue.
type access struct {
	tokens []server.Token
	drop   *server.Principal // nil: every area
}

// newAccess resolves the configuration's scopes; an area code the
// catalogue does not know is an error at its place in the file.
func newAccess(cfg *config.Config, cat *chiso.Catalogue) (*access, error) {
	if err := cfg.CheckAreas(cat); err != nil {
		return nil, err
	}
	a := &access{tokens: make([]server.Token, 0, len(cfg.Auth.Tokens))}
	for _, t := range cfg.Auth.Tokens {
		st := server.Token{Name: t.Name, Value: string(t.Value), Actions: t.Actions}
		if t.Areas != nil {
			st.Areas, _ = cat.AreasWithin(t.Areas, t.Lineage)
		}
		a.tokens = append(a.tokens, st)
	}
	if cfg.Drop.Areas != nil {
		areas, _ := cat.AreasWithin(cfg.Drop.Areas, cfg.Drop.Lineage)
		a.drop = &server.Principal{Name: dropChannel, Actions: []chiso.Action{chiso.ActionImport}, Areas: areas}
	}
	return a, nil
}

// The names the audit gives writes that no token makes.
const (
	dropChannel   = "[drop_folder]"
	watchChannel  = "[watch]"
	signalChannel = "[signal]"
)

// tokens returns the bearer tokens of the running configuration.
func (d *Daemon) tokens() []server.Token {
	if a := d.access.Load(); a != nil {
		return a.tokens
	}
	return nil
}

// scopeError is a file refused whole because some of its rows are for
// areas outside the scope of who sent it; list holds every problem of the
// file, those rows among them.
type scopeError struct {
	who    string
	lacked []string
	list   *ingest.ErrorList
}

func (e *scopeError) Error() string {
	return fmt.Sprintf("rows for area %s, outside the areas of %s:\n%v", strings.Join(e.lacked, ", "), e.who, e.list)
}

func (e *scopeError) Unwrap() error { return e.list }

// scopeCheck keeps back the observations of a file outside a scope, so
// that none of the file is stored and every such row is named.
type scopeCheck struct {
	scope  *server.Principal // nil: every area passes
	places *ingest.Places
	lang   string
	areas  map[string]bool // every area the file names
	out    []*ingest.Error
	lacked []string
}

// pass reports whether the observation may be stored, noting it if not.
func (c *scopeCheck) pass(o chiso.Observation) bool {
	c.areas[o.Area] = true
	if c.scope == nil || c.scope.Covers(o.Area) {
		return true
	}
	if !slices.Contains(c.lacked, o.Area) {
		c.lacked = append(c.lacked, o.Area)
	}
	p := &ingest.Problem{Kind: "out_of_scope",
		EN: fmt.Sprintf("area %s is outside the areas of %s", o.Area, c.who("en")),
		VI: fmt.Sprintf("khu vực %s nằm ngoài phạm vi của %s", o.Area, c.who("vi"))}
	c.out = append(c.out, c.places.ErrorAt(o, "area", o.Area, p))
	return false
}

// who names the scope's holder in the language lang.
func (c *scopeCheck) who(lang string) string {
	switch {
	case c.scope.Name != dropChannel:
		return fmt.Sprintf("token %q", c.scope.Name)
	case lang == "en":
		return "the drop folder"
	}
	return "thư mục nhận tệp"
}

// result is the read's outcome with the rows kept back: a *scopeError
// listing them with the file's other problems, in file order, or err.
func (c *scopeCheck) result(err error) error {
	if len(c.out) == 0 {
		return err
	}
	list := &ingest.ErrorList{Lang: c.lang}
	var el *ingest.ErrorList
	switch {
	case errors.As(err, &el):
		list = el
	case err != nil:
		return err // it stopped the read: what was kept back is not all
	}
	for _, e := range c.out {
		list.Add(e)
	}
	slices.SortStableFunc(list.Errors, func(a, b *ingest.Error) int {
		return cmp.Or(strings.Compare(a.Sheet, b.Sheet), cmp.Compare(a.Line, b.Line))
	})
	return &scopeError{who: c.who("en"), lacked: c.lacked, list: list}
}

// fileAreas returns the areas a file named, sorted.
func (c *scopeCheck) fileAreas() []string {
	out := make([]string, 0, len(c.areas))
	for a := range c.areas {
		out = append(out, a)
	}
	slices.Sort(out)
	return out
}

// auditAPI serves the audit log to the HTTP API and records its writes.
type auditAPI struct{ db AuditLog }

// Record implements server.Auditor.
func (a auditAPI) Record(ctx context.Context, e chiso.AuditEntry) error {
	_, err := a.db.AddAudit(ctx, e)
	return err
}

// Entries implements server.Auditor.
func (a auditAPI) Entries(ctx context.Context, f chiso.AuditFilter) ([]chiso.AuditEntry, error) {
	return a.db.AuditEntries(ctx, f)
}

// audit records a write the daemon made without a request (the drop
// folder, a reload on a file change or a signal); a failure is logged.
func (d *Daemon) audit(ctx context.Context, e chiso.AuditEntry) {
	e.At = d.opts.Now()
	if _, err := d.db.AddAudit(context.WithoutCancel(ctx), e); err != nil {
		d.log.Error("audit: entry not recorded", "action", e.Action, "err", err)
	}
}

// pruneAudit deletes the audit entries older than the configured
// retention.
func (d *Daemon) pruneAudit(ctx context.Context) {
	keep := d.cfg.Load().Audit.Retention
	n, err := d.db.PruneAudit(ctx, d.opts.Now().Add(-keep))
	switch {
	case err != nil:
		d.log.Warn("audit: prune", "err", err)
	case n > 0:
		d.log.Info("audit: pruned old entries", "entries", n, "retention", keep.String())
	}
}

// AuditPruneInterval is how often the audit log drops the entries older
// than its retention.
const AuditPruneInterval = time.Hour

// auditLoop prunes the audit log every AuditPruneInterval until ctx ends.
func (d *Daemon) auditLoop(ctx context.Context) {
	t := time.NewTicker(AuditPruneInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			d.pruneAudit(ctx)
		}
	}
}

// outcomeOf words an error for the audit.
func outcomeOf(err error, dryRun bool) (outcome, detail string) {
	switch {
	case err == nil && dryRun:
		return chiso.AuditDryRun, ""
	case err == nil:
		return chiso.AuditOK, ""
	}
	var se *scopeError
	if errors.As(err, &se) {
		return chiso.AuditDenied, fmt.Sprintf("rows for area %s outside the areas of %s; nothing was stored (%d problems)",
			strings.Join(se.lacked, ", "), se.who, se.list.Len())
	}
	s, _, _ := strings.Cut(err.Error(), "\n")
	return chiso.AuditFailed, s
}
