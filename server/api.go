package server

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/internal/clip"
)

// ImportRequest is one uploaded file of observations.
type ImportRequest struct {
	Body   io.Reader
	Name   string // file name; its extension (.csv, .json) chooses the reader
	Source string // recorded with every observation; empty means Name
	DryRun bool   // report what would change, store nothing
	// Scope, when not nil, is the only areas the file may hold figures
	// of: a file with a row for another area stores nothing and fails
	// with an *OutOfScope listing every such row.
	Scope *Principal
}

// ImportSummary is what an import did.
type ImportSummary struct {
	Added     int `json:"added"`
	Revised   int `json:"revised"`
	Unchanged int `json:"unchanged"`
	// ByIndicator counts the same per indicator code; nil when the
	// importer does not say.
	ByIndicator map[string]ImportCounts `json:"by_indicator,omitempty"`
	FirstID     int64                   `json:"first_id,omitempty"`
	LastID      int64                   `json:"last_id,omitempty"`
	DryRun      bool                    `json:"dry_run,omitempty"`
	// Areas are the codes of the areas the file holds figures of, sorted.
	Areas []string `json:"areas,omitempty"`
}

// ImportCounts is what an import did to the figures of one indicator.
type ImportCounts struct {
	Added     int `json:"added"`
	Revised   int `json:"revised"`
	Unchanged int `json:"unchanged"`
}

// ObservationQuery filters GET /api/v1/observations.
type ObservationQuery struct {
	Indicators, Areas []string
	From, To          chiso.Period // zero: open
	After             Position     // where the previous page ended; zero: from the first
	Limit             int          // the most observations of the page, at least 1
}

// Position is where a page of observations ends in the store's order (by
// series, then period); the API hands it to clients inside an opaque cursor.
type Position struct {
	Series int64 `json:"s"`
	Period int32 `json:"p"` // chiso.Period.Key()
}

// ObservationPage is one page of observations.
type ObservationPage struct {
	Observations []chiso.Observation
	// Next is where the following page starts; nil after the last page.
	Next *Position
}

// GroupStatus is a rule group's health as GET /api/v1/rules shows it.
type GroupStatus struct {
	Name     string            `json:"name"`
	Schedule string            `json:"schedule"`
	File     string            `json:"file"`
	NextRun  time.Time         `json:"next_run,omitzero"`
	LastRun  time.Time         `json:"last_evaluation,omitzero"`
	Duration float64           `json:"evaluation_seconds"`
	Rules    []RuleStatus      `json:"rules"`
	Labels   map[string]string `json:"labels,omitempty"`
}

// RuleStatus is one rule's health.
type RuleStatus struct {
	Name      string    `json:"name"`
	Check     string    `json:"check"`
	Severity  string    `json:"severity"`
	Health    string    `json:"health"` // ok, err or unknown (not evaluated yet)
	LastError string    `json:"last_error,omitempty"`
	LastRun   time.Time `json:"last_evaluation,omitzero"`
	Duration  float64   `json:"evaluation_seconds"`
	Findings  int       `json:"findings"`
	// Evaluated counts the units (series, areas or indicator periods) the
	// last evaluation ran on; an evaluation after an import runs only on
	// what changed.
	Evaluated int `json:"evaluated_units"`
	// NotEvaluated counts, by reason, the comparisons the last evaluation
	// could not make (too_little_history, method_changed …): no finding is
	// possible there.
	NotEvaluated map[string]int `json:"not_evaluated,omitempty"`
}

// ReloadStatus says how the last reload went.
type ReloadStatus struct {
	Success     bool         `json:"success"`
	LastSuccess time.Time    `json:"last_success,omitzero"`
	LastAttempt time.Time    `json:"last_attempt,omitzero"`
	Error       string       `json:"error,omitempty"`
	Errors      []InputError `json:"errors,omitempty"`
}

func (s *Server) postObservations(w http.ResponseWriter, r *http.Request, p Principal, n *note) {
	name, err := uploadName(r)
	if err != nil {
		n.fail(w, r, http.StatusUnsupportedMediaType, err)
		return
	}
	q := r.URL.Query()
	req := ImportRequest{Body: r.Body, Name: name,
		Source: q.Get("source"), DryRun: q.Get("dry_run") == "true" || q.Get("dry_run") == "1"}
	if p.Scoped() {
		req.Scope = &p
	}
	n.target = name
	if req.Source != "" {
		n.target += " (source " + clip.Quote(req.Source) + ")"
	}
	sum, err := s.deps.Importer.Import(r.Context(), req)
	var out *OutOfScope
	switch {
	case errors.As(err, &out):
		n.areas = out.Lacked
		s.refuseImport(w, p, n, out)
		return
	case err != nil:
		n.fail(w, r, http.StatusUnprocessableEntity, err)
		return
	}
	n.areas, n.detail = sum.Areas, fmt.Sprintf("added %d, revised %d, unchanged %d", sum.Added, sum.Revised, sum.Unchanged)
	if sum.DryRun {
		n.outcome = chiso.AuditDryRun
	}
	writeData(w, http.StatusOK, sum)
}

// OutOfScope is the error of an import refused whole because some of its
// rows are for areas outside the token's: Rows lists every problem of the
// file, each of those rows among them.
type OutOfScope struct {
	Lacked []string // the areas outside the scope, in file order
	Rows   *InputErrors
}

// Error says which areas were outside the scope.
func (e *OutOfScope) Error() string {
	return fmt.Sprintf("rows for area %s outside the token's scope", strings.Join(e.Lacked, ", "))
}

// refuseImport answers 403 with every row of the file that is outside the
// principal's areas, and every other problem of the file.
func (s *Server) refuseImport(w http.ResponseWriter, p Principal, n *note, out *OutOfScope) {
	ae := s.forbidden(p, chiso.ActionImport, out.Lacked, "nothing was stored")
	n.outcome = chiso.AuditDenied
	n.detail = fmt.Sprintf("%s (%d problems in the file)", ae.Error(), len(out.Rows.Errors)+out.Rows.More)
	writeJSON(w, http.StatusForbidden, envelope{Status: "error", Error: ae.Error(),
		Errors: clipProblems(out.Rows.Errors), More: out.Rows.More, MoreSummary: out.Rows.Summary})
}

// uploadName picks the reader from ?name= or the Content-Type.
func uploadName(r *http.Request) (string, error) {
	if n := r.URL.Query().Get("name"); n != "" {
		return n, nil
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "text/csv", "text/plain", "", "application/x-www-form-urlencoded": // the last is curl's default
		return "upload.csv", nil
	case "application/json":
		return "upload.json", nil
	case "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
		return "upload.xlsx", nil
	}
	return "", errorf("unsupported Content-Type %s (want text/csv, application/json or an XLSX sheet)", clip.Quote(mt))
}

func (s *Server) getObservations(w http.ResponseWriter, r *http.Request) {
	q, err := s.parseObservationQuery(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	pg, err := s.deps.Querier.Observations(r.Context(), q)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	l := startList(w, "")
	for _, o := range pg.Observations {
		if !l.add(toObservationJSON(o)) {
			return
		}
	}
	var next string
	if pg.Next != nil {
		next = encodeCursor("observations", *pg.Next)
	}
	l.end(next)
}

func (s *Server) parseObservationQuery(r *http.Request) (ObservationQuery, error) {
	v := r.URL.Query()
	q := ObservationQuery{Indicators: list(v["indicator"]), Areas: list(v["area"])}
	pg, err := s.parsePage(v)
	if err != nil {
		return q, err
	}
	q.Limit = pg.limit
	if pg.cursor != "" {
		if err := decodeCursor(pg.cursor, "observations", &q.After); err != nil {
			return q, err
		}
	}
	if s := v.Get("from"); s != "" {
		if q.From, err = parseInput(s, chiso.ParsePeriod, "a period"); err != nil {
			return q, errorf("query parameter from: %v", err)
		}
	}
	if s := v.Get("to"); s != "" {
		if q.To, err = parseInput(s, chiso.ParsePeriod, "a period"); err != nil {
			return q, errorf("query parameter to: %v", err)
		}
	}
	return q, nil
}

// list accepts both ?area=a&area=b and ?area=a,b.
func list(vals []string) []string {
	var out []string
	for _, v := range vals {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

func (s *Server) getFindings(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	pg, err := s.parsePage(v)
	var last findingKey
	if err == nil && pg.cursor != "" {
		err = decodeCursor(pg.cursor, "findings", &last)
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	match := func(val, key string) bool { return v.Get(key) == "" || v.Get(key) == val }
	after, skipped, sent := last, 0, 0
	l := startList(w, "")
	for f := range s.deps.Status.Findings() {
		if !match(f.Rule, "rule") || !match(f.Group, "group") || !match(f.Area, "area") ||
			!match(f.Indicator, "indicator") || !match(string(f.Severity), "severity") ||
			!match(string(f.Status), "status") || !match(string(f.Diagnosis), "diagnosis") {
			continue
		}
		k := keyOfFinding(&f)
		if pg.cursor != "" {
			switch c := k.compare(&after); {
			case c < 0:
				continue
			case c == 0 && skipped < after.N:
				skipped++ // sent on an earlier page
				continue
			}
		}
		if sent == pg.limit {
			l.end(encodeCursor("findings", last))
			return
		}
		if !l.add(f) {
			return
		}
		sent++
		last.follow(k)
	}
	l.end("")
}

// findingKey is where a finding lies in Status.Findings's order, and N how
// many findings with that key the pages so far returned: the key does not
// tell apart two findings of a rule on one cell with one diagnosis.
type findingKey struct {
	Group     string `json:"g"`
	Rule      string `json:"r"`
	Area      string `json:"a"`
	Indicator string `json:"i"`
	Period    int32  `json:"p"` // chiso.Period.Key(); 0: none
	Diagnosis string `json:"d"`
	N         int    `json:"n"`
}

func keyOfFinding(f *chiso.Finding) findingKey {
	k := findingKey{Group: f.Group, Rule: f.Rule, Area: f.Area, Indicator: f.Indicator, Diagnosis: string(f.Diagnosis)}
	if !f.Period.IsZero() {
		k.Period = f.Period.Key()
	}
	return k
}

// compare orders keys as Status.Findings yields them, ignoring N.
func (k *findingKey) compare(o *findingKey) int {
	for _, p := range [][2]string{{k.Group, o.Group}, {k.Rule, o.Rule}, {k.Area, o.Area}, {k.Indicator, o.Indicator}} {
		if c := strings.Compare(p[0], p[1]); c != 0 {
			return c
		}
	}
	if k.Period != o.Period {
		kp, _ := chiso.PeriodFromKey(k.Period)
		op, _ := chiso.PeriodFromKey(o.Period)
		if c := kp.Compare(op); c != 0 {
			return c
		}
		return cmp.Compare(k.Period, o.Period)
	}
	return strings.Compare(k.Diagnosis, o.Diagnosis)
}

// follow makes last the key of a finding just sent with key k.
func (last *findingKey) follow(k findingKey) {
	if k.compare(last) == 0 {
		last.N++
		return
	}
	*last = k
	last.N = 1
}

// getRules lists the rule groups in the order of the rule files, a page of
// groups at a time.
func (s *Server) getRules(w http.ResponseWriter, r *http.Request) {
	pg, err := s.parsePage(r.URL.Query())
	var after groupKey
	if err == nil && pg.cursor != "" {
		err = decodeCursor(pg.cursor, "rules", &after)
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	groups := s.deps.Status.Rules()
	first := 0
	if pg.cursor != "" {
		if after.Index >= len(groups) || groups[after.Index].Name != after.Name {
			writeError(w, http.StatusConflict, errorf("the rule groups changed since the previous page (a reload): start again without cursor"))
			return
		}
		first = after.Index + 1
	}
	end := min(len(groups), first+pg.limit)
	l := startList(w, "groups")
	for _, g := range groups[first:end] {
		if !l.add(g) {
			return
		}
	}
	var next string
	if end < len(groups) {
		next = encodeCursor("rules", groupKey{Index: end - 1, Name: groups[end-1].Name})
	}
	l.end(next)
}

// groupKey is the last group of a page of rules: its place and its name,
// to notice a reload between pages.
type groupKey struct {
	Index int    `json:"i"`
	Name  string `json:"n"`
}

func (s *Server) getReloadStatus(w http.ResponseWriter, _ *http.Request) {
	writeData(w, http.StatusOK, s.deps.Status.ReloadStatus())
}

func (s *Server) getIndicators(w http.ResponseWriter, r *http.Request) {
	s.catalogueList(w, r, "indicators", func(cat *chiso.Catalogue) int { return len(cat.Indicators) },
		func(cat *chiso.Catalogue, i int) (string, any) {
			return cat.Indicators[i].Code, toIndicatorJSON(cat.Indicators[i])
		})
}

func (s *Server) getAreas(w http.ResponseWriter, r *http.Request) {
	s.catalogueList(w, r, "areas", func(cat *chiso.Catalogue) int { return len(cat.Areas) },
		func(cat *chiso.Catalogue, i int) (string, any) { return cat.Areas[i].Code, toAreaJSON(cat.Areas[i]) })
}

// catalogueList writes a page of a catalogue list sorted by code: the
// entries after the cursor's code.
func (s *Server) catalogueList(w http.ResponseWriter, r *http.Request, name string,
	count func(*chiso.Catalogue) int, item func(*chiso.Catalogue, int) (string, any)) {
	pg, err := s.parsePage(r.URL.Query())
	var after string
	if err == nil && pg.cursor != "" {
		err = decodeCursor(pg.cursor, name, &after)
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	cat, err := s.deps.Querier.Catalogue(r.Context())
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	n := count(cat)
	first := sort.Search(n, func(i int) bool { code, _ := item(cat, i); return pg.cursor == "" || code > after })
	end := min(n, first+pg.limit)
	l := startList(w, "")
	for i := first; i < end; i++ {
		if _, v := item(cat, i); !l.add(v) {
			return
		}
	}
	var next string
	if end < n {
		code, _ := item(cat, end-1)
		next = encodeCursor(name, code)
	}
	l.end(next)
}
