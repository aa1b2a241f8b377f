// Package server is chiso's HTTP face: the JSON API under /api/v1/, the
// lifecycle endpoints /-/healthy, /-/ready and /-/reload, and /metrics. It
// knows nothing of SQLite or the scheduler: what it serves comes through the
// small interfaces below, which the daemon implements.
package server

import (
	"context"
	"io"
	"iter"
	"log/slog"
	"net/http"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/internal/clip"
	"github.com/prometheus/client_golang/prometheus"
)

// Importer stores the observations of one uploaded file. It stores all of
// them or none; a bad file returns InputErrors naming every bad row.
type Importer interface {
	Import(ctx context.Context, req ImportRequest) (ImportSummary, error)
}

// Querier reads what the store holds. Observations returns one page of
// at most q.Limit observations after q.After, in the store's order, reading
// no more than the page needs. Catalogue returns indicators and areas
// sorted by code.
type Querier interface {
	Observations(ctx context.Context, q ObservationQuery) (ObservationPage, error)
	Catalogue(ctx context.Context) (*chiso.Catalogue, error)
}

// Status reports the state of evaluation: current findings, rule health,
// the last reload, and readiness (true once every group has been evaluated).
// Findings yields in the engine's order: by group, rule, area, indicator,
// period (chiso.Period.Compare) and diagnosis, which the findings list's
// cursor relies on.
type Status interface {
	Findings() iter.Seq[chiso.Finding]
	Rules() []GroupStatus
	ReloadStatus() ReloadStatus
	Ready() bool
}

// Reloader re-reads the configuration and rule files; on any error it keeps
// the running set and returns why.
type Reloader interface {
	Reload(ctx context.Context) error
}

// Deps is what the server serves.
type Deps struct {
	Importer Importer
	Querier  Querier
	Status   Status
	Reloader Reloader
	// Alerting serves alerts, silences and acknowledgements; nil answers
	// 503 on those endpoints.
	Alerting Alerting
	// Tokens returns the bearer tokens accepted on write endpoints now,
	// with their scopes; it is called per request so that a reload can
	// change them.
	Tokens func() []Token
	// Audit records every write and every refused one, and serves GET
	// /api/v1/audit; nil records nothing and answers 503 there.
	Audit Auditor
	// Gatherer is what /metrics exposes, besides Values.
	Gatherer prometheus.Gatherer
	// Values are the indicator values /metrics exposes; nil for none. The
	// collector must not be registered with Gatherer too.
	Values *ValueCollector
	// Registerer receives the server's own HTTP metrics; nil skips them.
	Registerer prometheus.Registerer
	Logger     *slog.Logger
	// Console builds the web pages for people from the server: its sign-in
	// asks Authorize, and its writes go through Handler as API requests,
	// checked, scoped and audited as any. It serves every path the API
	// does not, and POST /import with the import's limits. Nil serves a
	// plain landing page at /.
	Console func(s *Server) http.Handler
	// Limits bound connections, bodies, timeouts and pages; zero fields
	// take DefaultLimits.
	Limits Limits
	// Build is what /api/v1/status/buildinfo answers.
	Build BuildInfo
	// Config returns the running configuration as YAML with its secrets
	// masked, for /api/v1/status/config; nil answers 503.
	Config func() ([]byte, error)
	// Pprof serves Go's profiler under /debug/pprof/.
	Pprof bool
	// Leadership tells whether this daemon leads the daemons sharing its
	// database, for GET /-/leader; nil: it always leads.
	Leadership Leadership
}

// Leadership reports whether this daemon leads (runs the schedules and
// delivers notifications) and, when known, the lease holder's name and
// the URL of its API, where a follower forwards alert changes.
type Leadership interface {
	Leading() (leading bool, holder string)
	LeaderURL() string
}

// Server routes chiso's HTTP endpoints. It holds no goroutines: the caller
// serves Handler with an http.Server.
type Server struct {
	deps Deps
	lim  Limits
	mux  *http.ServeMux

	guard        *throttle              // holds back addresses that fail to authenticate
	forward      *http.Transport        // carries alert changes a follower forwards to the leader
	authFailures *prometheus.CounterVec // chiso_http_auth_failures_total
}

// New returns a server for deps; it registers its HTTP metrics on
// deps.Registerer.
func New(deps Deps) (*Server, error) {
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	if deps.Tokens == nil {
		deps.Tokens = func() []Token { return nil }
	}
	s := &Server{deps: deps, lim: deps.Limits.withDefaults(), mux: http.NewServeMux(),
		guard: newThrottle(time.Now, throttleAddresses), forward: newForwardTransport()}
	inst, err := newInstrumentation(deps.Registerer)
	if err != nil {
		return nil, err
	}
	if s.authFailures, err = newAuthFailures(deps.Registerer); err != nil {
		return nil, err
	}
	s.routes(inst)
	return s, nil
}

// Handler returns the server's routes.
func (s *Server) Handler() http.Handler { return s.mux }

func (s *Server) routes(inst *instrumentation) {
	handle := func(pattern, name string, h http.HandlerFunc) {
		s.mux.Handle(pattern, inst.wrap(name, s.bounded(s.lim.MaxBodyBytes, h)))
	}
	mh := &metricsHandler{own: s.deps.Gatherer, log: s.deps.Logger.Warn}
	if s.deps.Values != nil {
		mh.values = s.deps.Values
	}
	if s.deps.Console != nil {
		c := s.deps.Console(s)
		// an upload may be as large as an import through the API; the
		// console checks the sign-in before it reads the body
		s.mux.Handle("POST /import", inst.wrap("console_import", s.bounded(s.lim.MaxImportBytes, c.ServeHTTP)))
		handle("/", "console", c.ServeHTTP)
	} else {
		handle("GET /{$}", "landing", s.landing)
	}
	handle("GET /metrics", "metrics", mh.ServeHTTP)
	handle("GET /-/healthy", "healthy", s.healthy)
	handle("GET /-/ready", "ready", s.ready)
	handle("GET /-/leader", "leader", s.leader)
	handle("POST /-/reload", "reload", s.write(chiso.ActionReload, "reload", s.reload))
	handle("PUT /-/reload", "reload", s.write(chiso.ActionReload, "reload", s.reload))
	// An import may be large and slow to send, once its token is checked.
	s.mux.Handle("POST /api/v1/observations", inst.wrap("observations_post",
		s.bounded(s.lim.MaxImportBytes, s.write(chiso.ActionImport, "import", s.longRead(s.postObservations)))))
	handle("GET /api/v1/audit", "audit", s.getAudit)
	handle("GET /api/v1/observations", "observations", s.getObservations)
	handle("GET /api/v1/findings", "findings", s.getFindings)
	handle("GET /api/v1/rules", "rules", s.getRules)
	handle("GET /api/v1/indicators", "indicators", s.getIndicators)
	handle("GET /api/v1/areas", "areas", s.getAreas)
	handle("GET /api/v1/status/reload", "reload_status", s.getReloadStatus)
	s.alertRoutes(handle)
	s.statusRoutes(handle)
	handle("/api/", "not_found", s.notFound)
}

func (s *Server) healthy(w http.ResponseWriter, _ *http.Request) {
	io.WriteString(w, "chiso is healthy.\n")
}

func (s *Server) ready(w http.ResponseWriter, _ *http.Request) {
	if !s.deps.Status.Ready() {
		http.Error(w, "chiso is not ready: the first evaluation has not finished, or the engine is behind the database.", http.StatusServiceUnavailable)
		return
	}
	io.WriteString(w, "chiso is ready.\n")
}

// leader answers 200 on the leader and 503 on a follower, so that a load
// balancer can send alert changes (acknowledgements, silences) to the
// leader alone.
func (s *Server) leader(w http.ResponseWriter, _ *http.Request) {
	if s.deps.Leadership == nil {
		io.WriteString(w, "chiso leads.\n")
		return
	}
	leading, holder := s.deps.Leadership.Leading()
	if leading {
		io.WriteString(w, "chiso leads.\n")
		return
	}
	msg := "chiso follows: another daemon on its database leads"
	if holder != "" {
		msg += " (" + clip.Text(holder) + ")"
	}
	http.Error(w, msg+".", http.StatusServiceUnavailable)
}

func (s *Server) reload(w http.ResponseWriter, r *http.Request, _ Principal, n *note) {
	ctx, cancel := context.WithTimeout(r.Context(), time.Minute)
	defer cancel()
	if err := s.deps.Reloader.Reload(ctx); err != nil {
		n.fail(w, r, http.StatusUnprocessableEntity, err)
		return
	}
	writeData(w, http.StatusOK, s.deps.Status.ReloadStatus())
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	writeError(w, http.StatusNotFound, errorf("no endpoint %s %s", clip.Text(r.Method), clip.Quote(r.URL.Path)))
}
