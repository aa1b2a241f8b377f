// Package daemon wires chiso's parts into the long-running process of
// `chiso serve`: the store, the evaluation engine, one cron job per rule
// group, evaluation on ingest, hot reload, the drop folder and the HTTP
// server. It is the only package besides cmd/chiso that imports them all.
package daemon

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/alerts"
	"github.com/chiso-vn/chiso/config"
	"github.com/chiso-vn/chiso/engine"
	"github.com/chiso-vn/chiso/internal/leader"
	"github.com/chiso-vn/chiso/internal/pgnotify"
	"github.com/chiso-vn/chiso/rules"
	"github.com/chiso-vn/chiso/server"
	"github.com/go-co-op/gocron/v2"
	"github.com/prometheus/client_golang/prometheus"
)

// ShutdownTimeout bounds a graceful shutdown.
const ShutdownTimeout = 10 * time.Second

// PollInterval is how often the daemon looks for observations that another
// process (the chiso import command) wrote into the database.
const PollInterval = 250 * time.Millisecond

// Options are what a Daemon needs besides its configuration.
type Options struct {
	Logger *slog.Logger
	// Version and Revision label chiso_build_info.
	Version, Revision string
	// BuildDate is when the revision was committed, for
	// /api/v1/status/buildinfo; empty when unknown.
	BuildDate string
	// WebConfigFile is the exporter-toolkit web configuration (TLS, basic
	// auth) the listener applies; empty serves plain HTTP.
	WebConfigFile string
	// Pprof serves Go's profiler under /debug/pprof/.
	Pprof bool
	// Now is the clock the scheduler reads to decide evaluation times; nil
	// means time.Now. Nothing below the scheduler reads a clock.
	Now func() time.Time
	// Registry receives every metric; nil means a new one.
	Registry *prometheus.Registry
	// Alerts receives every evaluation's findings and every change of the
	// rules; nil when alerting is not wired.
	Alerts AlertSink
	// OpenStore opens the database in Start; nil means the SQLite file of
	// store.Open. The daemon closes what it opened in Close.
	OpenStore OpenStore
}

// AlertSink is where findings become alerts: the alerting manager,
// through an adapter in the command that builds the daemon. Process gets the
// complete current findings of one group after each evaluation (scheduled,
// on ingest or after a reload); SetRules gets the whole new rule set after a
// successful reload, before the groups are evaluated again. Both take the
// evaluation time the scheduler decided. An error is logged and counted;
// the daemon goes on.
type AlertSink interface {
	Process(ctx context.Context, group rules.Group, findings iter.Seq[chiso.Finding], now time.Time) error
	SetRules(ctx context.Context, groups []rules.Group, now time.Time) error
}

// Daemon is a running chiso. New prepares it without side effects; Start
// acquires the database, the port and the scheduler; Close releases them
// in reverse order.
type Daemon struct {
	opts    Options
	log     *slog.Logger
	cfg     atomic.Pointer[config.Config]
	access  atomic.Pointer[access] // the tokens and scopes of cfg
	metrics *metrics
	ops     opsMetrics
	values  *server.ValueCollector

	db       Store
	cat      *chiso.Catalogue
	eng      *engine.Engine
	src      *trackingSource
	sched    gocron.Scheduler
	alerts   *alerts.Manager // nil when the caller gave its own AlertSink
	delivery *delivery       // nil with alerts
	state    *evalState
	reload   *reloadState
	imports  *importLog

	reloadMu sync.Mutex // one reload at a time
	jobs     map[string]gocron.Job
	// running marks the groups whose scheduled run is going, by name
	// (*atomic.Bool): a tick that comes meanwhile is skipped and counted.
	running sync.Map
	groups  atomic.Pointer[groupSet]
	// publish is held for reading while an evaluation's outcome is
	// recorded, counted and handed to alerting, and for writing while a
	// reload swaps the rule set: an outcome is published under the set
	// it was computed with, or not at all.
	publish sync.RWMutex

	ln    net.Listener
	http  *http.Server
	nudge chan struct{}
	// evalAll asks the sync loop to evaluate every group (after a reload,
	// or when the daemon begins to lead); evalAllRuns counts those done,
	// for tests that must not see one in the middle.
	evalAll     chan struct{}
	evalAllRuns atomic.Int64
	// dirty and published belong to the sync loop: whether the metrics
	// lag the index, and when they were last rebuilt.
	dirty     bool
	published time.Time
	cancel    context.CancelFunc
	loopCtx   context.Context // ends when Close stops the loops
	wg        sync.WaitGroup
	ready     atomic.Bool
	started   time.Time // when Start began, by Options.Now

	// lead is the current leadership. shared is set on a PostgreSQL
	// database, where the elector (made once the daemon listens, for its
	// address names it) and the listener run; on SQLite the daemon leads
	// from Start to Close.
	lead     leadership
	shared   bool
	elector  atomic.Pointer[leader.Elector]
	listener *pgnotify.Listener
	sender   *pgnotify.Sender
	// lag is how far the engine was behind the database at the last look.
	lag lagState

	// onScheduled, when set by a test, runs at the start of every
	// scheduled evaluation.
	onScheduled func(ctx context.Context, group string, now time.Time)
	// onDropRead, when set by a test, runs after a dropped file was read
	// and before it is checked and moved.
	onDropRead func(path string)

	closeOnce sync.Once
	closeErr  error
}

// New returns a daemon for the configuration. It opens nothing.
func New(cfg *config.Config, opts Options) *Daemon {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Registry == nil {
		opts.Registry = prometheus.NewRegistry()
	}
	if opts.OpenStore == nil {
		opts.OpenStore = openDefault
	}
	d := &Daemon{opts: opts, log: opts.Logger, values: server.NewValueCollector(),
		state: newEvalState(), reload: &reloadState{}, imports: &importLog{mine: map[int64]bool{}}, jobs: map[string]gocron.Job{},
		nudge: make(chan struct{}, 1), evalAll: make(chan struct{}, 1)}
	d.ops.schedule = newScheduleCollector(cfg.Location, opts.Now)
	d.cfg.Store(cfg)
	d.groups.Store(&groupSet{})
	return d
}

// Registry returns the registry /metrics serves.
func (d *Daemon) Registry() *prometheus.Registry { return d.opts.Registry }

// Addr returns the address the HTTP server listens on, once started.
func (d *Daemon) Addr() string {
	if d.ln == nil {
		return ""
	}
	return d.ln.Addr().String()
}

// Run starts the daemon, serves until ctx is cancelled, and shuts down.
func (d *Daemon) Run(ctx context.Context) error {
	if err := d.Start(ctx); err != nil {
		return errors.Join(err, d.Close())
	}
	<-ctx.Done()
	return d.Close()
}

// Start opens the database, loads the index and the rules, starts the
// scheduler, the watchers and the HTTP server, and evaluates every group
// once in the background; /-/ready answers 200 after that.
func (d *Daemon) Start(ctx context.Context) error {
	cfg := d.cfg.Load()
	d.started = d.opts.Now()
	if err := CheckWebConfig(d.opts.WebConfigFile); err != nil {
		return err // before anything is opened: a bad file changes nothing
	}
	d.loopCtx, d.cancel = context.WithCancel(context.Background())
	var err error
	if d.metrics, err = newMetrics(d.opts.Registry, d.opts.Version, d.opts.Revision); err != nil {
		return err
	}
	if err := d.prepareCluster(cfg); err != nil {
		return err
	}
	if err := d.openData(ctx, cfg); err != nil {
		return err
	}
	if err := d.registerOpsMetrics(cfg); err != nil {
		return err
	}
	acc, err := newAccess(cfg, d.cat)
	if err != nil {
		return err
	}
	d.access.Store(acc)
	d.pruneAudit(ctx)
	groups, err := loadGroups(cfg, d.cat)
	if err != nil {
		return fmt.Errorf("load rules: %w", err)
	}
	if err := d.startAlerting(ctx, cfg); err != nil {
		return err
	}
	if err := d.startEngine(ctx, cfg, groups); err != nil {
		return err
	}
	if _, ok := d.lead.current(); ok && d.opts.Alerts != nil { // a new leader sets them itself
		if err := d.opts.Alerts.SetRules(ctx, rawGroups(groups), d.opts.Now()); err != nil {
			return fmt.Errorf("alerting: %w", err)
		}
	}
	if err := d.startScheduler(cfg, groups); err != nil {
		return err
	}
	d.reload.succeed(d.opts.Now())
	d.metrics.reloaded(true, d.opts.Now())
	if err := d.listen(cfg); err != nil {
		return err
	}
	d.startLoops(cfg)
	return nil
}

func (d *Daemon) openData(ctx context.Context, cfg *config.Config) error {
	db, err := d.opts.OpenStore(ctx, cfg.Path(cfg.Database))
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	d.db = db
	if d.cat, err = db.Catalogue(ctx); err != nil {
		return fmt.Errorf("read catalogue: %w", err)
	}
	return nil
}

func (d *Daemon) startEngine(ctx context.Context, cfg *config.Config, groups []ruleGroup) error {
	eng, err := engine.New(d.cat, rawGroups(groups), engine.Options{Lang: cfg.Language, Location: cfg.Location})
	if err != nil {
		return fmt.Errorf("prepare rules: %w", err)
	}
	d.eng = eng
	d.src = newTrackingSource(d.db, d.cat, cfg.Metrics.AreaLevels)
	if err := eng.Load(ctx, d.src); err != nil {
		return fmt.Errorf("load observations: %w", err)
	}
	d.src.take()
	d.lag.look(d.src.last(), d.src.last(), nil, time.Now()) // caught up as of the load
	d.publishValues()
	d.groups.Store(newGroupSet(groups))
	d.updateStoreStats(ctx)
	if recs, err := d.db.Imports(ctx, 1); err == nil && len(recs) > 0 {
		d.imports.last = recs[0].ID // before any goroutine reads it
		d.metrics.imported(recs[0].FinishedAt)
	}
	return nil
}

func (d *Daemon) listen(cfg *config.Config) error {
	srv, err := server.New(server.Deps{Importer: d, Querier: d, Status: d, Reloader: d,
		Tokens: d.tokens, Audit: auditAPI{d.db}, Gatherer: d.opts.Registry, Registerer: d.opts.Registry, Values: d.values,
		Alerting: d.alertingDeps(), Logger: d.log, Limits: httpLimits(cfg.HTTP),
		Console: d.consoleFor(int64(cfg.HTTP.MaxImportBytes)),
		Build:   d.buildInfo(), Config: d.configYAML, Pprof: d.opts.Pprof, Leadership: d})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	d.ln = srv.Listener(ln)
	d.http = srv.HTTPServer(slog.NewLogLogger(d.log.Handler(), slog.LevelWarn))
	d.wg.Go(func() {
		if err := d.serveHTTP(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			d.log.Error("http server stopped", "err", err)
		}
	})
	d.log.Info("listening", "addr", d.URL())
	return nil
}

// httpLimits are the server's limits of the configuration's http section.
func httpLimits(h config.HTTP) server.Limits {
	return server.Limits{MaxConnections: h.MaxConnections, ReadHeaderTimeout: h.ReadHeaderTimeout,
		ReadTimeout: h.ReadTimeout, ImportReadTimeout: h.ImportReadTimeout, WriteTimeout: h.WriteTimeout,
		IdleTimeout: h.IdleTimeout, MaxHeaderBytes: int(h.MaxHeaderBytes), MaxBodyBytes: int64(h.MaxBodyBytes),
		MaxImportBytes: int64(h.MaxImportBytes), PageSize: h.PageSize, MaxPageSize: h.MaxPageSize}
}

// startLoops starts the goroutines that run until Close: the first
// evaluation, the sync loop, the file watcher and the drop folder.
func (d *Daemon) startLoops(cfg *config.Config) {
	ctx := d.loopCtx
	d.wg.Go(func() {
		d.evaluateAll(ctx, d.opts.Now(), "startup")
		d.ready.Store(true)
		d.log.Info("first evaluation done", "findings", d.state.count())
	})
	d.wg.Go(func() { d.syncLoop(ctx) })
	d.startCluster(ctx)
	d.wg.Go(func() { d.auditLoop(ctx) })
	if cfg.WatchEnabled() {
		if w := d.watch(); w != nil { // watching before Start returns: no edit after it is missed
			d.wg.Go(func() { d.watchLoop(ctx, w) })
		}
	}
	if cfg.Drop.Path != "" {
		d.wg.Go(func() { d.dropLoop(ctx, cfg) })
	}
}

// Close stops scheduling, the HTTP server and the loops, waits for a
// running evaluation to end or abandon, delivers the notifications that are
// due (on SQLite: on a shared database the next leader delivers them), and
// closes the database, all within ShutdownTimeout. A leader gives its
// lease up once it stopped acting. It is safe to call more than once.
func (d *Daemon) Close() error {
	d.closeOnce.Do(func() { d.closeErr = d.shutdown() })
	return d.closeErr
}

func (d *Daemon) shutdown() error {
	ctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancel()
	var errs []error
	if d.sched != nil {
		errs = append(errs, d.sched.ShutdownWithContext(ctx))
	}
	if d.http != nil {
		errs = append(errs, d.http.Shutdown(ctx))
	}
	if d.cancel != nil {
		d.cancel()
	}
	d.wg.Wait()
	if d.delivery != nil && !d.shared {
		// drain what is due within what is left of the deadline; the rest
		// stays queued in the outbox for the next start
		if _, err := d.delivery.dl.DeliverDue(ctx); err != nil && ctx.Err() == nil {
			errs = append(errs, err)
		}
	}
	if d.sender != nil {
		d.sender.Close()
	}
	if d.db != nil {
		errs = append(errs, d.db.Close())
	}
	return errors.Join(errs...)
}
