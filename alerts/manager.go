package alerts

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/alerting"
	"github.com/chiso-vn/chiso/internal/bounded"
)

// Options configure a Manager.
type Options struct {
	// Store persists alerts, silences and the outbox; required.
	Store Store
	// Config is the alerting section; nil routes nothing (alerts are still
	// tracked and stored).
	Config *Config
	// Location is the time zone of digest schedules; nil means UTC.
	Location *time.Location
	// Language of annotation numbers: vi or en; empty means vi.
	Language string
	// Registerer receives the alert metrics; nil registers nothing.
	Registerer prometheus.Registerer
	// Logger receives what the manager cannot return; nil discards.
	Logger *slog.Logger
	// OnQueued is called, outside the manager's lock, after notifications
	// were queued (e.g. Deliverer.Wake); nil for none.
	OnQueued func()
	// TemplateErrors counts annotation templates cut at a bound or
	// failed; nil counts nothing.
	TemplateErrors *bounded.Errors
}

// Manager turns each evaluation's findings into alert states, routes the
// firing and resolved alerts into aggregation groups and queues their
// notifications in the store's outbox. Every decision takes `now` from the
// caller; the manager never reads the clock. It is safe for concurrent use.
type Manager struct {
	mu       sync.Mutex
	opts     Options
	rt       *routing
	alerts   map[string]*chiso.Alert // by fingerprint
	silences []*alerting.Silence
	nflog    map[logKey]alerting.LogEntry
	disp     *dispatcher
	stale    bool // a write failed: memory is reloaded from the store first
	metrics  *managerMetrics
	// warned are the rules (group, alertname) whose annotation error was
	// logged since their rules were last set: one line per rule, not one
	// per alert and evaluation.
	warned map[[2]string]bool
	// rules are the rules last set, by (group, alertname); changed are
	// those whose definition changed then, until their next evaluation.
	rules   map[[2]string]Rule
	changed map[[2]string]bool
	// silenceWarned are the stored silences whose problems were logged,
	// and overLimit the count of silences in effect last logged as over
	// max_active: a follower reloads the store every few seconds, and says
	// each once.
	silenceWarned map[int64]bool
	overLimit     int
}

// logKey names a notification log entry.
type logKey struct{ receiver, group string }

// New validates the configuration and returns a manager; it does not touch
// the store (Start does).
func New(opts Options) (*Manager, error) {
	if opts.Store == nil {
		return nil, errors.New("alerts: a store is required")
	}
	if opts.Location == nil {
		opts.Location = time.UTC
	}
	if opts.Language == "" {
		opts.Language = "vi"
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	rt, err := compileConfig(opts.Config)
	if err != nil {
		return nil, err
	}
	m := &Manager{opts: opts, rt: rt, alerts: map[string]*chiso.Alert{}, nflog: map[logKey]alerting.LogEntry{}, warned: map[[2]string]bool{},
		changed: map[[2]string]bool{}}
	m.disp = newDispatcher(rt)
	m.metrics, err = newManagerMetrics(opts.Registerer, m)
	if err != nil {
		return nil, err
	}
	return m, nil
}

// compileConfig validates a configuration, nil being an empty one.
func compileConfig(c *Config) (*routing, error) {
	if c == nil {
		c = &Config{}
	}
	rt, errs := compile(c)
	if len(errs) > 0 {
		return nil, fmt.Errorf("alerting configuration: %w", errors.Join(errs...))
	}
	return rt, nil
}

// Start loads the alerts, silences and notification log from the store and
// puts the firing and recently resolved alerts back into their groups, which
// wait group_wait from now before they notify (the log keeps them from
// repeating what was already queued).
func (m *Manager) Start(ctx context.Context, now time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.load(ctx, now)
}

// load replaces the memory with the store's content.
func (m *Manager) load(ctx context.Context, now time.Time) error {
	as, err := m.opts.Store.LoadAlerts(ctx)
	if err != nil {
		return fmt.Errorf("load alerts: %w", err)
	}
	ss, err := m.opts.Store.Silences(ctx)
	if err != nil {
		return fmt.Errorf("load silences: %w", err)
	}
	log, err := m.opts.Store.NotificationLog(ctx)
	if err != nil {
		return fmt.Errorf("load notification log: %w", err)
	}
	m.alerts = make(map[string]*chiso.Alert, len(as))
	for i := range as {
		m.alerts[as[i].Fingerprint] = &as[i]
	}
	m.silences = make([]*alerting.Silence, len(ss))
	for i := range ss {
		m.silences[i] = &ss[i]
	}
	m.checkSilences(now)
	m.nflog = make(map[logKey]alerting.LogEntry, len(log))
	for _, e := range log {
		m.nflog[logKey{e.Receiver, e.GroupKey}] = e
	}
	m.rebuild(now)
	m.stale = false
	return nil
}

// checkSilences compiles the matchers of the silences in effect (expired
// ones never match, and keep only their text) and logs those stored beyond
// today's limits: they are loaded as they are, for refusing them would
// unmute what they mute, and they end or can be expired as usual.
func (m *Manager) checkSilences(now time.Time) {
	if m.silenceWarned == nil {
		m.silenceWarned = map[int64]bool{}
	}
	for _, s := range m.silences {
		if s.State(now) == alerting.SilenceExpired {
			continue
		}
		warned := m.silenceWarned[s.ID]
		if err := s.Matchers.Compile(); err != nil && !warned {
			m.opts.Logger.Warn("stored silence has a bad regular expression, matched as text", "silence", s.ID, "err", err)
			m.silenceWarned[s.ID] = true
		}
		if p := s.LimitProblems(); len(p) > 0 && !warned {
			m.opts.Logger.Warn("stored silence exceeds the limits; it stays in effect until it ends or is expired",
				"silence", s.ID, "problems", strings.Join(p, "; "))
			m.silenceWarned[s.ID] = true
		}
	}
	n := m.silencesInEffect(now)
	if n > m.rt.maxSilences && n != m.overLimit {
		m.opts.Logger.Warn("more silences in effect than alerting.silences.max_active allows; no more can be added until some end",
			"silences", n, "max_active", m.rt.maxSilences)
	}
	m.overLimit = n
}

// rebuild puts every alert back into the dispatcher.
func (m *Manager) rebuild(now time.Time) {
	m.disp = newDispatcher(m.rt)
	for _, fp := range sortedKeys(m.alerts) {
		m.disp.place(m.alerts[fp], now)
	}
	m.metrics.update()
}

// Reload swaps in a new alerting configuration. On error the old one stays.
// Groups are rebuilt: they wait group_wait again, and the notification log
// keeps them from repeating what was sent.
func (m *Manager) Reload(c *Config, now time.Time) error {
	rt, err := compileConfig(c)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.rt = rt
	m.rebuild(now)
	return nil
}

// write stores a batch; on failure the memory, already changed, is marked
// stale so the next call reloads it from the store.
func (m *Manager) write(ctx context.Context, b *alerting.Batch) error {
	if b.Empty() {
		return nil
	}
	if err := m.opts.Store.ApplyAlertChanges(ctx, *b); err != nil {
		m.stale = true
		return err
	}
	return nil
}

// fresh reloads the memory if a write failed.
func (m *Manager) fresh(ctx context.Context, now time.Time) error {
	if !m.stale {
		return nil
	}
	return m.load(ctx, now)
}

// queued logs the batch's alerts that fired or resolved, once it is
// stored, and calls OnQueued when the batch queued something.
func (m *Manager) queued(b *alerting.Batch) {
	m.logTransitions(b)
	if len(b.Queue) > 0 && m.opts.OnQueued != nil {
		m.opts.OnQueued()
	}
}

// Evaluation is one evaluation of one rule group.
type Evaluation struct {
	Group Group
	// Findings are the group's findings (engine.Result.Findings.All).
	Findings iter.Seq[chiso.Finding]
	// Catalogue names areas and indicators in annotations; nil is empty.
	Catalogue *chiso.Catalogue
	// Now is the evaluation time the scheduler chose.
	Now time.Time
	// Figures looks up the figures findings judged, for their qualifiers
	// and sources and to tell why an alert resolved; nil: not known.
	Figures Figures
}

// Process applies one evaluation of a group: alerts of its rules advance
// (pending, firing, resolved), and the groups due at ev.Now are flushed.
// The state changes and the notifications they cause are stored in one
// transaction.
func (m *Manager) Process(ctx context.Context, ev Evaluation) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.fresh(ctx, ev.Now); err != nil {
		return err
	}
	var b alerting.Batch
	m.evaluate(ev, &b)
	m.flushDue(ev.Now, &b)
	m.metrics.update()
	if err := m.write(ctx, &b); err != nil {
		return fmt.Errorf("process group %s: %w", ev.Group.Name, err)
	}
	m.queued(&b)
	return nil
}

// SetRules resolves at now the alerts whose rule is no longer among groups,
// as after a reload that dropped or renamed it.
func (m *Manager) SetRules(ctx context.Context, groups []Group, now time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.fresh(ctx, now); err != nil {
		return err
	}
	live := map[[2]string]bool{}
	m.warned = map[[2]string]bool{} // the rules may have changed: say again what is wrong
	m.noteRules(groups)
	for _, g := range groups {
		for _, r := range g.Rules {
			live[[2]string{g.Name, r.Name}] = true
		}
	}
	b := &alerting.Batch{}
	for _, fp := range sortedKeys(m.alerts) {
		a := m.alerts[fp]
		if a.State == chiso.Resolved && now.Sub(a.ResolvedAt) > m.rt.retention {
			m.forget(a, b)
		}
		if a.State == chiso.Resolved || live[[2]string{a.Labels[alerting.LabelGroup], a.Labels[alerting.LabelAlertname]}] {
			continue
		}
		next := *a
		advance(&next, false, timing{}, now)
		next.ResolvedBecause = chiso.ResolvedRuleChanged
		m.commit(a, &next, now, b, nil)
	}
	m.flushDue(now, b)
	m.metrics.update()
	if err := m.write(ctx, b); err != nil {
		return fmt.Errorf("resolve alerts of removed rules: %w", err)
	}
	m.queued(b)
	return nil
}

// Tick flushes the aggregation groups and digests due at now. The daemon
// calls it about once a second.
func (m *Manager) Tick(ctx context.Context, now time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.fresh(ctx, now); err != nil {
		return err
	}
	var b alerting.Batch
	m.flushDue(now, &b)
	m.digests(now, &b)
	if err := m.write(ctx, &b); err != nil {
		return fmt.Errorf("tick: %w", err)
	}
	m.queued(&b)
	return nil
}

// commit records a new version of an alert: in memory, in the dispatcher
// and, if anything worth storing changed, in the batch with its event.
func (m *Manager) commit(old, next *chiso.Alert, now time.Time, b *alerting.Batch, extra []alerting.Event) {
	if old != nil && old.State != next.State {
		// a resolve says why: revised, new_data or rule_changed
		b.Events = append(b.Events, event(next, alerting.EventTransition, old.State, now, string(next.ResolvedBecause)))
	} else if old == nil {
		b.Events = append(b.Events, event(next, alerting.EventTransition, "", now, ""))
	}
	b.Events = append(b.Events, extra...)
	if old == nil || !samePersisted(old, next) {
		b.Changes = append(b.Changes, alerting.Change{Alert: *next})
	}
	m.alerts[next.Fingerprint] = next
	m.disp.place(next, now)
}

// event builds a history entry for a.
func event(a *chiso.Alert, kind alerting.EventKind, from chiso.AlertState, at time.Time, note string) alerting.Event {
	return alerting.Event{Fingerprint: a.Fingerprint, At: at, Kind: kind, From: from, To: a.State,
		Labels: a.Labels, Value: a.Value, DataID: a.Finding.DataID, Note: note}
}

// AlertStatus is an alert with what mutes it, for the API.
type AlertStatus struct {
	chiso.Alert
	Acknowledged bool    // an acknowledgement holds for the current data
	SilencedBy   []int64 // the active silences that select it
	Inhibited    bool    // a firing alert inhibits it
}

// Alerts returns every alert known (pending, firing and resolved within
// the retention), sorted by alertname, area and fingerprint, with what
// mutes each at now.
func (m *Manager) Alerts(now time.Time) []AlertStatus {
	m.mu.Lock()
	defer m.mu.Unlock()
	in := newInhibitor(m.rt.inhibit, m.alerts)
	out := make([]AlertStatus, 0, len(m.alerts))
	for _, a := range m.alerts {
		st := AlertStatus{Alert: *a, Acknowledged: quiet(a), Inhibited: in.inhibited(a)}
		for _, s := range m.silences {
			if s.State(now) == alerting.SilenceActive && s.Matchers.Matches(a.Labels) {
				st.SilencedBy = append(st.SilencedBy, s.ID)
			}
		}
		out = append(out, st)
	}
	sort.Slice(out, func(i, j int) bool { return alertLess(&out[i].Alert, &out[j].Alert) })
	return out
}

// Alert returns the alert with the fingerprint.
func (m *Manager) Alert(fp string) (chiso.Alert, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	a, ok := m.alerts[fp]
	if !ok {
		return chiso.Alert{}, false
	}
	return *a, true
}

// alertLess orders alerts by alertname, area, indicator and fingerprint.
func alertLess(a, b *chiso.Alert) bool {
	for _, k := range []string{alerting.LabelAlertname, alerting.LabelArea, alerting.LabelIndicator, alerting.LabelPeriod} {
		if a.Labels[k] != b.Labels[k] {
			return a.Labels[k] < b.Labels[k]
		}
	}
	return a.Fingerprint < b.Fingerprint
}

// Run calls Tick every interval with the clock's time until ctx is done;
// a failed tick is logged and the next one tries again. It is the loop
// boundary where the clock is read.
func (m *Manager) Run(ctx context.Context, interval time.Duration) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case now := <-t.C:
			if err := m.Tick(ctx, now); err != nil && ctx.Err() == nil {
				m.opts.Logger.Error("alert tick", "err", err)
			}
		}
	}
}
