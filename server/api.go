package server

import (
	"crypto/subtle"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/chiso-vn/chiso"
)

// ImportRequest is one uploaded file of observations.
type ImportRequest struct {
	Body   io.Reader
	Name   string // file name; its extension (.csv, .json) chooses the reader
	Source string // recorded with every observation; empty means Name
	DryRun bool   // report what would change, store nothing
}

// ImportSummary is what an import did.
type ImportSummary struct {
	Added     int   `json:"added"`
	Revised   int   `json:"revised"`
	Unchanged int   `json:"unchanged"`
	FirstID   int64 `json:"first_id,omitempty"`
	LastID    int64 `json:"last_id,omitempty"`
	DryRun    bool  `json:"dry_run,omitempty"`
}

// ObservationQuery filters GET /api/v1/observations.
type ObservationQuery struct {
	Indicators, Areas []string
	From, To          chiso.Period // zero: open
	Limit             int          // 0: the server's default
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

// auth refuses a request without one of the configured bearer tokens.
func (s *Server) auth(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tokens := s.deps.Tokens()
		if len(tokens) == 0 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="chiso"`)
			writeError(w, http.StatusUnauthorized, errorf("write endpoints are disabled: no bearer token is configured (auth.tokens, or the CHISO_TOKEN environment variable)"))
			return
		}
		if !validToken(r.Header.Get("Authorization"), tokens) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="chiso"`)
			writeError(w, http.StatusUnauthorized, errorf("missing or invalid bearer token"))
			return
		}
		h(w, r)
	}
}

func validToken(header string, tokens []string) bool {
	got, ok := strings.CutPrefix(header, "Bearer ")
	if !ok || got == "" {
		return false
	}
	valid := 0
	for _, t := range tokens {
		valid |= subtle.ConstantTimeCompare([]byte(got), []byte(t))
	}
	return valid == 1
}

func (s *Server) postObservations(w http.ResponseWriter, r *http.Request) {
	name, err := uploadName(r)
	if err != nil {
		writeError(w, http.StatusUnsupportedMediaType, err)
		return
	}
	q := r.URL.Query()
	req := ImportRequest{Body: r.Body, Name: name,
		Source: q.Get("source"), DryRun: q.Get("dry_run") == "true" || q.Get("dry_run") == "1"}
	sum, err := s.deps.Importer.Import(r.Context(), req)
	if err != nil {
		writeBodyError(w, r, http.StatusUnprocessableEntity, err)
		return
	}
	writeData(w, http.StatusOK, sum)
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
	return "", errorf("unsupported Content-Type %q (want text/csv, application/json or an XLSX sheet)", mt)
}

func (s *Server) getObservations(w http.ResponseWriter, r *http.Request) {
	q, err := parseObservationQuery(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	obs, err := s.deps.Querier.Observations(r.Context(), q)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	out := make([]observationJSON, len(obs))
	for i, o := range obs {
		out[i] = toObservationJSON(o)
	}
	writeData(w, http.StatusOK, out)
}

func parseObservationQuery(r *http.Request) (ObservationQuery, error) {
	v := r.URL.Query()
	q := ObservationQuery{Indicators: list(v["indicator"]), Areas: list(v["area"]), Limit: 10000}
	var err error
	if s := v.Get("from"); s != "" {
		if q.From, err = chiso.ParsePeriod(s); err != nil {
			return q, errorf("query parameter from: %v", err)
		}
	}
	if s := v.Get("to"); s != "" {
		if q.To, err = chiso.ParsePeriod(s); err != nil {
			return q, errorf("query parameter to: %v", err)
		}
	}
	if s := v.Get("limit"); s != "" {
		if q.Limit, err = strconv.Atoi(s); err != nil || q.Limit < 0 {
			return q, errorf("query parameter limit: %q is not a count", s)
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
	match := func(val, key string) bool { return v.Get(key) == "" || v.Get(key) == val }
	out := []chiso.Finding{}
	for f := range s.deps.Status.Findings() {
		if match(f.Rule, "rule") && match(f.Group, "group") && match(f.Area, "area") &&
			match(f.Indicator, "indicator") && match(string(f.Severity), "severity") &&
			match(string(f.Status), "status") && match(string(f.Diagnosis), "diagnosis") {
			out = append(out, f)
		}
	}
	writeData(w, http.StatusOK, out)
}

func (s *Server) getRules(w http.ResponseWriter, _ *http.Request) {
	writeData(w, http.StatusOK, map[string]any{"groups": s.deps.Status.Rules()})
}

func (s *Server) getReloadStatus(w http.ResponseWriter, _ *http.Request) {
	writeData(w, http.StatusOK, s.deps.Status.ReloadStatus())
}

func (s *Server) getIndicators(w http.ResponseWriter, r *http.Request) {
	cat, err := s.deps.Querier.Catalogue(r.Context())
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	out := make([]indicatorJSON, len(cat.Indicators))
	for i, ind := range cat.Indicators {
		out[i] = toIndicatorJSON(ind)
	}
	writeData(w, http.StatusOK, out)
}

func (s *Server) getAreas(w http.ResponseWriter, r *http.Request) {
	cat, err := s.deps.Querier.Catalogue(r.Context())
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	out := make([]areaJSON, len(cat.Areas))
	for i, a := range cat.Areas {
		out[i] = toAreaJSON(a)
	}
	writeData(w, http.StatusOK, out)
}
