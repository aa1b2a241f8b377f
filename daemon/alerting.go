package daemon

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/alerting"
	"github.com/chiso-vn/chiso/alerts"
	"github.com/chiso-vn/chiso/alerts/amclient"
	"github.com/chiso-vn/chiso/config"
	"github.com/chiso-vn/chiso/rules"
	"github.com/chiso-vn/chiso/server"
)

// TickInterval is how often the alert manager flushes aggregation groups
// and digests that are due.
const TickInterval = time.Second

// alertConfig decodes and validates the configuration's alerting section;
// every problem is reported at once, with the section's field paths.
func alertConfig(cfg *config.Config) (*alerts.Config, error) {
	var ac alerts.Config
	if err := cfg.Alerting.Decode(&ac); err != nil {
		return nil, err
	}
	if err := validateAlerting(cfg, &ac); err != nil {
		return nil, err
	}
	return &ac, nil
}

// validateAlerting checks a decoded alerting section: routes, receivers'
// names, matchers, durations.
func validateAlerting(cfg *config.Config, ac *alerts.Config) error {
	errs := ac.Validate()
	for i, e := range errs {
		errs[i] = fmt.Errorf("%s: alerting.%w", cfg.File, e)
	}
	return errors.Join(errs...)
}

// managerSink hands findings and rule changes to the alert manager.
type managerSink struct {
	m   *alerts.Manager
	cat *chiso.Catalogue
	d   *Daemon // its engine tells how judged figures were published and revised
}

// Process implements AlertSink.
func (s managerSink) Process(ctx context.Context, g rules.Group, fs iter.Seq[chiso.Finding], now time.Time) error {
	ev := alerts.Evaluation{Group: AlertGroup(g), Findings: fs, Catalogue: s.cat, Now: now}
	if s.d != nil && s.d.eng != nil { // set before the first evaluation
		ev.Figures = s.d.eng
	}
	return s.m.Process(ctx, ev)
}

// SetRules implements AlertSink.
func (s managerSink) SetRules(ctx context.Context, gs []rules.Group, now time.Time) error {
	return s.m.SetRules(ctx, AlertGroups(gs), now)
}

// startAlerting builds the alert manager on the store, unless the caller
// gave its own sink, and restores the alerts of the last run. Without
// notifiers the manager queues notifications in the store's outbox, where a
// deliverer finds them.
func (d *Daemon) startAlerting(ctx context.Context, cfg *config.Config) error {
	if d.opts.Alerts != nil {
		return nil
	}
	ac, err := alertConfig(cfg)
	if err != nil {
		return err
	}
	ns, clients, err := notifiers(ac, d.receiverEnv(cfg))
	if err != nil {
		return err
	}
	if d.delivery, err = newDelivery(d, ns, clients); err != nil {
		return err
	}
	m, err := alerts.New(alerts.Options{Store: fencedStore{AlertStore: d.db, lead: &d.lead}, Config: ac, Location: cfg.Location, Language: cfg.Language,
		Registerer: d.opts.Registry, Logger: d.log, OnQueued: d.delivery.dl.Wake, TemplateErrors: d.metrics.templates})
	if err != nil {
		return fmt.Errorf("alerting: %w", err)
	}
	if err := m.Start(ctx, d.opts.Now()); err != nil {
		return fmt.Errorf("alerting: restore alerts: %w", err)
	}
	if !d.shared { // on a shared database, the leader seeds them when it takes over
		if err := seedAlertmanagers(ctx, d.db, m, ns, d.opts.Now(), d.log); err != nil {
			return err
		}
	}
	d.alerts = m
	d.opts.Alerts = managerSink{m: m, cat: d.cat, d: d}
	return nil
}

// reloadAlerting swaps in the alerting section of a reloaded
// configuration: the routes first (the manager may refuse them), then the
// notifiers, already built and checked by prepareReload.
func (d *Daemon) reloadAlerting(ctx context.Context, rc *reloadedAlerting, now time.Time) error {
	if d.alerts == nil || rc == nil {
		return nil
	}
	if err := d.alerts.Reload(rc.config, now); err != nil {
		return fmt.Errorf("alerting: %w", err)
	}
	// the Alertmanager clients' re-send loops run on the leader alone,
	// for as long as it leads
	lctx, leading := d.lead.current()
	d.delivery.swap(lctx, leading, d, rc.notifiers, rc.clients)
	return nil
}

// reloadedAlerting is a validated alerting section with its notifiers.
type reloadedAlerting struct {
	config    *alerts.Config
	notifiers alerts.Notifiers
	clients   []*amclient.Client
}

func prepareAlerting(cfg *config.Config, env receiverEnv) (*reloadedAlerting, error) {
	ac, err := alertConfig(cfg)
	if err != nil {
		return nil, err
	}
	ns, clients, err := notifiers(ac, env)
	if err != nil {
		return nil, err
	}
	return &reloadedAlerting{config: ac, notifiers: ns, clients: clients}, nil
}

// alertLoop flushes due groups and digests until ctx ends.
func (d *Daemon) alertLoop(ctx context.Context) {
	if d.alerts == nil {
		return
	}
	if err := d.alerts.Run(ctx, TickInterval); err != nil && ctx.Err() == nil {
		d.log.Error("alerting stopped", "err", err)
	}
}

// alertingAPI is what the HTTP API serves of alerting: the manager, and the
// alert history from the store. On a follower the changes (acknowledgements,
// silences, test notifications) are refused with server.ErrNotLeader: the
// leader's alert manager owns the alerts' state, and a follower's change
// would race its writes.
type alertingAPI struct {
	*alerts.Manager
	db AlertStore
	d  *Daemon
}

// follower returns ErrNotLeader, naming the leader, on a follower.
func (a alertingAPI) follower() error {
	leading, holder := a.d.Leading()
	if leading {
		return nil
	}
	if holder == "" {
		return fmt.Errorf("%w (no leader is known now)", server.ErrNotLeader)
	}
	return fmt.Errorf("%w (the leader is %s)", server.ErrNotLeader, holder)
}

// Ack implements server.Alerting, on the leader.
func (a alertingAPI) Ack(ctx context.Context, fp string, kind chiso.AckKind, by, comment string, now time.Time) (chiso.Alert, error) {
	if err := a.follower(); err != nil {
		return chiso.Alert{}, err
	}
	return a.Manager.Ack(ctx, fp, kind, by, comment, now)
}

// AddSilence implements server.Alerting, on the leader.
func (a alertingAPI) AddSilence(ctx context.Context, s alerting.Silence, now time.Time) (alerting.Silence, error) {
	if err := a.follower(); err != nil {
		return alerting.Silence{}, err
	}
	return a.Manager.AddSilence(ctx, s, now)
}

// ExpireSilence implements server.Alerting, on the leader.
func (a alertingAPI) ExpireSilence(ctx context.Context, id int64, now time.Time) error {
	if err := a.follower(); err != nil {
		return err
	}
	return a.Manager.ExpireSilence(ctx, id, now)
}

// TestReceiver implements server.Alerting, on the leader: only the leader
// delivers.
func (a alertingAPI) TestReceiver(ctx context.Context, name string, now time.Time) error {
	if err := a.follower(); err != nil {
		return err
	}
	return a.Manager.TestReceiver(ctx, name, now)
}

// AlertHistory implements server.Alerting.
func (a alertingAPI) AlertHistory(ctx context.Context, f alerting.HistoryFilter) ([]alerting.Event, error) {
	return a.db.AlertHistory(ctx, f)
}

// alertingDeps returns the API's view of alerting; nil when the daemon
// runs no alert manager of its own.
func (d *Daemon) alertingDeps() server.Alerting {
	if d.alerts == nil {
		return nil
	}
	return alertingAPI{Manager: d.alerts, db: d.db, d: d}
}
