package daemon

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/console"
	"github.com/chiso-vn/chiso/ingest"
	"github.com/chiso-vn/chiso/server"
)

// HistoryReader reads every revision of a series; a store that has it
// gives the console's series page its revisions.
type HistoryReader interface {
	History(ctx context.Context, indicator, area string) ([]chiso.Observation, error)
}

// consoleFor returns the server's Console builder: the web pages, reading
// what the API reads, signing in with the server's check of a token, and
// writing through the API.
func (d *Daemon) consoleFor(maxUpload int64) func(s *server.Server) http.Handler {
	return func(s *server.Server) http.Handler {
		deps := console.Deps{Status: d, Querier: d, API: s.Handler(),
			SignIn: func(remote, token string) (string, error) {
				p, err := s.Authorize(remote, token, "")
				return p.Name, err
			},
			Series:  func() []server.SeriesValue { return d.values.Snapshot().Values },
			Imports: d.recentImports, Rule: d.ruleSource, Version: d.opts.Version, Started: d.started,
			Logger: d.log, Lang: d.cfg.Load().Language, Location: d.cfg.Load().Location, MaxUploadBytes: maxUpload, UploadReadTimeout: d.cfg.Load().HTTP.ImportReadTimeout,
			History: d.history, Read: d.readUpload}
		if a := d.alertingDeps(); a != nil {
			deps.Alerting = a.(alertingAPI)
		}
		return console.New(deps)
	}
}

// readUpload reads an uploaded file as importFile does.
func (d *Daemon) readUpload(r io.Reader, name string, emit func(chiso.Observation) error) error {
	cfg := d.cfg.Load()
	return ingest.Read(r, name, ingest.Options{Locale: ingest.Locale(cfg.Locale), Catalogue: d.cat, Lang: cfg.Language}, emit)
}

// history reads a series' revisions from the store.
func (d *Daemon) history(ctx context.Context, indicator, area string) ([]chiso.Observation, error) {
	h, ok := d.db.(HistoryReader)
	if !ok {
		return nil, errNoHistory
	}
	return h.History(ctx, indicator, area)
}

var errNoHistory = errors.New("this store does not keep the revisions of a series")

// recentImports lists the latest imports for the console.
func (d *Daemon) recentImports(ctx context.Context, limit int) ([]console.ImportRecord, error) {
	recs, err := d.db.Imports(ctx, limit)
	out := make([]console.ImportRecord, 0, len(recs))
	for _, r := range recs {
		out = append(out, console.ImportRecord{ID: r.ID, Source: r.Source, FinishedAt: r.FinishedAt,
			Added: r.Added, Revised: r.Revised, Unchanged: r.Unchanged})
	}
	return out, err
}

// maxRuleLines bounds the YAML the console shows of one rule.
const maxRuleLines = 200

// ruleSource finds a rule of the running set and reads its lines from its
// file: from its first key to the line before the next rule or group of
// the same file.
func (d *Daemon) ruleSource(group, rule string) (console.RuleSource, bool) {
	set := d.groups.Load()
	var file string
	var pos int
	for _, g := range set.list {
		for _, r := range g.Rules {
			if g.Name == group && r.Alert == rule {
				file, pos = g.Pos.File, r.Pos.Line // a rule's own position names its file relative to the folder
			}
		}
	}
	if file == "" {
		return console.RuleSource{}, false
	}
	end := 0
	next := func(line int) {
		if line > pos && (end == 0 || line < end) {
			end = line
		}
	}
	for _, g := range set.list {
		if g.Pos.File != file {
			continue
		}
		next(g.Pos.Line)
		for _, r := range g.Rules {
			next(r.Pos.Line)
		}
	}
	return console.RuleSource{File: file, Line: pos, Text: readLines(file, pos, end)}, true
}

// readLines returns lines from..to-1 (1-based; to 0 for the end of the
// file) of a file, at most maxRuleLines, trailing blank lines dropped.
func readLines(path string, from, to int) string {
	f, err := os.Open(path)
	if err != nil || from < 1 {
		return ""
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		if n < from {
			continue
		}
		if to > 0 && n >= to || len(lines) == maxRuleLines {
			break
		}
		lines = append(lines, sc.Text())
	}
	// the comments before the next rule are the next rule's
	for len(lines) > 0 {
		last := strings.TrimSpace(lines[len(lines)-1])
		if last != "" && !strings.HasPrefix(last, "#") {
			break
		}
		lines = lines[:len(lines)-1]
	}
	return dedent(lines)
}

// dedent removes the indentation the lines share.
func dedent(lines []string) string {
	indent := -1
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		n := len(l) - len(strings.TrimLeft(l, " "))
		if indent < 0 || n < indent {
			indent = n
		}
	}
	for i, l := range lines {
		if len(l) >= indent && indent > 0 {
			lines[i] = l[indent:]
		}
	}
	return strings.Join(lines, "\n")
}
