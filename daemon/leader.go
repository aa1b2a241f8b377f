package daemon

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/chiso-vn/chiso/alerting"
	"github.com/chiso-vn/chiso/config"
	"github.com/chiso-vn/chiso/internal/clip"
	"github.com/chiso-vn/chiso/internal/leader"
	"github.com/chiso-vn/chiso/internal/pgnotify"
	"github.com/go-co-op/gocron/v2"
)

// Several daemons may share one PostgreSQL database. Each serves the API,
// the console and /metrics, accepts imports and keeps its engine current;
// one of them, the leader, elected through a lease in the database
// (internal/leader), runs the rule groups' schedules, turns findings into
// alert transitions and delivers notifications. A follower evaluates too
// (on import, and each group the leader announces it evaluated on
// schedule, at the leader's time), for its API and metrics, but hands
// nothing to alerting.
//
// A daemon on a SQLite file leads from Start to Close.

// ImportsChannel is the notification channel on which an import announces
// the newest observation id it stored, so that every daemon on the
// database refreshes its engine at once.
const ImportsChannel = "chiso_observations"

// FollowerRefreshInterval is how often a follower reloads the alerts from
// the database, for its API and console.
const FollowerRefreshInterval = 5 * time.Second

// leadership holds the context of the current leadership: nil while the
// daemon follows. Whatever acts as leader (scheduled evaluations handing
// findings to alerting, the alert ticks, deliveries) runs under that
// context, which ends before another daemon may start leading.
type leadership struct {
	mu  sync.Mutex
	ctx context.Context
	// taken is set once a new leader has taken over the alert state: until
	// then only the take-over itself may write.
	taken bool
	// holds, when set, reads the elector's deadline on the monotonic
	// clock, so that a process paused past it does not act on waking
	// before the leading context has ended.
	holds func() bool
}

// current returns the leading context once the take-over is done, or
// false while following.
func (l *leadership) current() (context.Context, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.taken || !l.holdingLocked() {
		return nil, false
	}
	return l.ctx, true
}

// holding reports whether the daemon holds the lease, taking over or
// leading: what the alert writes are fenced with.
func (l *leadership) holding() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.holdingLocked()
}

func (l *leadership) holdingLocked() bool {
	return l.ctx != nil && l.ctx.Err() == nil && (l.holds == nil || l.holds())
}

// set begins a leadership: the take-over may write, nothing else yet.
func (l *leadership) set(ctx context.Context) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ctx, l.taken = ctx, false
}

// take ends the take-over: the daemon leads.
func (l *leadership) take() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.taken = true
}

func (l *leadership) clear() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ctx, l.taken = nil, false
}

// IsLeader implements gocron.Elector: only the leader's scheduler runs the
// rule groups.
func (l *leadership) IsLeader(context.Context) error {
	if _, ok := l.current(); !ok {
		return errFollower
	}
	return nil
}

var errFollower = errors.New("this daemon follows; the leader runs the rule groups")

var _ gocron.Elector = (*leadership)(nil)

// leading returns a context that ends when either ctx or the leadership
// ends, and false (with a nil context) while the daemon follows. Callers
// must call the returned cancel function.
func (d *Daemon) leading(ctx context.Context) (context.Context, context.CancelFunc, bool) {
	lctx, ok := d.lead.current()
	if !ok {
		return nil, func() {}, false
	}
	merged, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(lctx, cancel)
	return merged, func() { stop(); cancel() }, true
}

// LeaderURL returns where the leader's API is, as it advertised it when
// this daemon last read the lease; "" when unknown, and on SQLite.
func (d *Daemon) LeaderURL() string {
	e := d.elector.Load()
	if e == nil {
		return ""
	}
	return e.Status().URL
}

// Leading reports whether the daemon leads, and the holder of the lease
// when it was last read ("" on SQLite, where the daemon always leads).
func (d *Daemon) Leading() (bool, string) {
	_, ok := d.lead.current()
	e := d.elector.Load()
	if e == nil {
		return ok, ""
	}
	return ok, e.Status().Holder
}

// isShared reports whether the configured database is a PostgreSQL
// connection string, which several daemons may share.
func isShared(database string) bool {
	return strings.HasPrefix(database, "postgres://") || strings.HasPrefix(database, "postgresql://")
}

// holderName names this daemon in the lease: host, process and a random
// part, so that a restarted daemon is a new holder.
func holderName(listen string) string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s/%s/%d/%s", host, listen, os.Getpid(), hex.EncodeToString(b))
}

// prepareCluster makes the elector and the listener of a daemon on a
// shared database; on SQLite it makes the daemon the leader at once.
func (d *Daemon) prepareCluster(cfg *config.Config) error {
	d.metrics.monitor.follows = func() bool { _, ok := d.lead.current(); return !ok }
	for _, c := range d.lagCollectors() {
		if err := d.opts.Registry.Register(c); err != nil && !isAlreadyRegistered(err) {
			return fmt.Errorf("register metrics: %w", err)
		}
	}
	if !isShared(cfg.Database) {
		d.lead.set(d.loopCtx)
		d.lead.take()
		d.metrics.leader.Set(1)
		return nil
	}
	if _, err := newElector(cfg, cfg.Listen, d.log); err != nil { // the options, checked before anything opens
		return err
	}
	l, err := pgnotify.New(pgnotify.Options{DSN: cfg.Database, Channel: ImportsChannel, Logger: d.log})
	if err != nil {
		return err
	}
	d.shared, d.listener, d.sender = true, l, pgnotify.NewSender(cfg.Database)
	return nil
}

// newElector makes the elector of the configuration's cluster section,
// naming this daemon by its listen address among others.
func newElector(cfg *config.Config, addr string, log *slog.Logger) (*leader.Elector, error) {
	c := cfg.Cluster
	return leader.New(leader.Options{DSN: cfg.Database, Holder: holderName(addr), URL: advertiseURL(cfg, addr),
		Lease: c.Lease, Renew: c.Renew, Margin: c.Margin, Logger: log})
}

// advertiseURL is where the other daemons reach this one: the configured
// cluster.advertise_url, else http:// and the address it listens on, with
// the host's name when that is every interface.
func advertiseURL(cfg *config.Config, addr string) string {
	if u := cfg.Cluster.AdvertiseURL; u != "" {
		return strings.TrimSuffix(u, "/")
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return ""
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		if host, err = os.Hostname(); err != nil {
			return ""
		}
	}
	return "http://" + net.JoinHostPort(host, port)
}

// probeAdvertised asks the URL this leader wrote into the lease whether it
// leads, and warns when the answer is not this daemon's (a wrong port or
// host, another server): the followers forward alert changes there, with
// their clients' tokens.
func (d *Daemon) probeAdvertised(ctx context.Context) {
	u := advertiseURL(d.cfg.Load(), d.Addr())
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u+"/-/leader", nil)
	if err != nil {
		return
	}
	client := &http.Client{Transport: &http.Transport{Proxy: nil}, // as forwards go
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	defer client.CloseIdleConnections()
	answer := ""
	resp, err := client.Do(req)
	if err == nil {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 64))
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK && string(b) == "chiso leads.\n" {
			return
		}
		answer = resp.Status
	} else if ctx.Err() != nil && context.Cause(ctx) != context.DeadlineExceeded {
		return // no longer leading, or shutting down
	} else {
		answer = err.Error()
	}
	if u2, err := url.Parse(u); err == nil {
		u = u2.Redacted()
	}
	d.log.Warn("the URL this leader advertises does not answer as this leader: followers forward alert changes, "+
		"with their clients' tokens, there; set cluster.advertise_url", "advertise_url", u, "answer", clip.Text(answer))
}

// isLoopback reports whether host names this machine alone: localhost or
// a loopback address.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// announce tells the daemons sharing the database that observations up to
// id were stored; a failure is logged, as the others' periodic look finds
// them anyway.
func (d *Daemon) announce(ctx context.Context, id int64) {
	if d.sender == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	if err := d.sender.Send(ctx, ImportsChannel, strconv.FormatInt(id, 10)); err != nil {
		d.log.Warn("cannot tell the other daemons of an import; they find it at their next look",
			"id", id, "poll", PollInterval, "err", err)
	}
}

// startCluster starts the election and the listener of a daemon on a
// shared database.
func (d *Daemon) startCluster(ctx context.Context) {
	if !d.shared {
		d.wg.Go(func() { d.alertLoop(ctx) })
		d.wg.Go(func() { d.deliveryLoop(ctx) })
		return
	}
	d.wg.Go(func() {
		if err := d.listener.Run(ctx, d.onImportNotice); err != nil {
			d.log.Error("import notifications stopped", "err", err)
		}
	})
	d.wg.Go(func() { d.followerLoop(ctx) })
	// named by the address it listens on, now known (the configured port
	// may be 0); prepareCluster checked the options
	e, err := newElector(d.cfg.Load(), d.Addr(), d.log)
	if err != nil {
		d.log.Error("leader election cannot start; this daemon follows", "err", err)
		return
	}
	if u, err := url.Parse(advertiseURL(d.cfg.Load(), d.Addr())); err == nil && isLoopback(u.Hostname()) {
		d.log.Warn("the other daemons reach this one at a loopback address, so only from this host: a follower on another "+
			"host would forward alert changes to itself; set cluster.advertise_url", "advertise_url", u.Redacted())
	}
	d.elector.Store(e)
	d.lead.mu.Lock()
	d.lead.holds = e.Holds
	d.lead.mu.Unlock()
	d.wg.Go(func() {
		if err := e.Run(ctx, d.leadWhile); err != nil {
			d.log.Error("leader election stopped", "err", err)
		}
	})
}

// evalNotice starts the payload with which the leader tells the followers
// that it evaluated a group on schedule: "eval <evaluation time in Unix
// nanoseconds> <group>".
const evalNotice = "eval "

// maxNotice is PostgreSQL's limit on a notification's payload, in bytes.
const maxNotice = 7999

// announceEvaluation tells the followers that this leader evaluated group
// on schedule at now, so that they evaluate it at the same time: their
// findings, metrics and console then follow the schedule as the leader's
// do, without each running the schedules itself. A lost notice costs a
// follower that one evaluation; it evaluates again at the next notice or
// import.
func (d *Daemon) announceEvaluation(group string, now time.Time) {
	if d.sender == nil {
		return
	}
	payload := evalNotice + strconv.FormatInt(now.UnixNano(), 10) + " " + group
	if len(payload) > maxNotice {
		d.log.Warn("a rule group's name is too long to tell the followers of its evaluation", "group", clip.Text(group))
		return
	}
	ctx, cancel := context.WithTimeout(d.loopCtx, 2*time.Second)
	defer cancel()
	if err := d.sender.Send(ctx, ImportsChannel, payload); err != nil {
		d.log.Warn("cannot tell the other daemons of a scheduled evaluation", "group", group, "err", err)
	}
}

// maxNoticeSkew is how far from a follower's clock the time of an
// evaluation notice may be: the leader sends it once its evaluation ended,
// and the two clocks differ a little.
const maxNoticeSkew = time.Hour

// onEvaluationNotice evaluates, on a follower, the group the leader just
// evaluated on schedule, at the leader's evaluation time. The leader
// ignores its own notice, and a notice it cannot read. Since any role that
// may connect to the database may notify on the channel, a follower also
// ignores a notice of a group it does not have and one whose time is more
// than maxNoticeSkew from its own clock.
func (d *Daemon) onEvaluationNotice(rest string) {
	ns, group, ok := strings.Cut(rest, " ")
	n, err := strconv.ParseInt(ns, 10, 64)
	if !ok || err != nil || group == "" {
		d.log.Warn("unreadable evaluation notice on the shared database; ignored", "payload", clip.Text(rest))
		return
	}
	if _, leading := d.lead.current(); leading {
		return
	}
	if _, ok := d.groups.Load().byName(group); !ok {
		d.log.Debug("evaluation notice of a group this daemon does not have; ignored", "group", clip.Text(group))
		return
	}
	now := time.Unix(0, n).In(d.cfg.Load().Location)
	if skew := now.Sub(d.opts.Now()); skew > maxNoticeSkew || skew < -maxNoticeSkew {
		d.log.Warn("evaluation notice with a time far from this daemon's clock; ignored",
			"group", group, "time", now.UTC().Format(time.RFC3339Nano), "max_skew", maxNoticeSkew)
		return
	}
	d.wg.Go(func() { d.followedRun(d.loopCtx, group, now) })
}

// onImportNotice nudges the sync loop when another daemon (or this one)
// stored observations the engine lacks, and after every (re)connection of
// the listener, when notifications may have been missed. A notice of a
// scheduled evaluation makes a follower evaluate that group.
func (d *Daemon) onImportNotice(e pgnotify.Event) {
	if e.Connected {
		d.Nudge()
		return
	}
	if rest, ok := strings.CutPrefix(e.Payload, evalNotice); ok {
		d.onEvaluationNotice(rest)
		return
	}
	var last int64
	if _, err := fmt.Sscan(e.Payload, &last); err != nil || last > d.src.last() {
		d.Nudge()
	}
}

// leadWhile is the daemon's leadership: it reloads the alerts from the
// database, where the previous leader left them, hands every group's
// findings to alerting again, and runs the alert ticks and the deliveries
// until ctx ends (the lease lost, or shutdown). The elector waits for it
// to return before anyone else may lead.
func (d *Daemon) leadWhile(ctx context.Context, term int64) {
	d.lead.set(ctx)
	if !d.takeOver(ctx) {
		d.lead.clear()
		return
	}
	// said before it acts, so that the line's time precedes whatever it does
	d.log.Info("leading: scheduling rule groups and delivering notifications", "term", term)
	d.lead.take()
	d.metrics.led(true)
	d.wg.Go(func() { d.probeAdvertised(ctx) })
	defer func() {
		d.lead.clear()
		d.metrics.led(false)
		d.log.Info("following: no longer scheduling nor delivering", "term", term)
	}()
	select { // the sync loop evaluates every group and hands the findings over
	case d.evalAll <- struct{}{}:
	default:
	}
	var wg sync.WaitGroup
	wg.Go(func() { d.alertLoop(ctx) })
	wg.Go(func() { d.deliveryLoop(ctx) })
	<-ctx.Done()
	wg.Wait()
}

// takeOver reloads the alert state and sets the rules, retrying until it
// succeeds or ctx ends; false when ctx ended first.
func (d *Daemon) takeOver(ctx context.Context) bool {
	for {
		err := d.reloadAlerts(ctx)
		if err == nil {
			return true
		}
		d.log.Error("leading: cannot read the alerts; retrying", "err", err)
		select {
		case <-ctx.Done():
			return false
		case <-time.After(time.Second):
		}
	}
}

// reloadAlerts replaces the alert manager's memory with the database's
// content and resolves the alerts of rules that are gone.
func (d *Daemon) reloadAlerts(ctx context.Context) error {
	now := d.opts.Now()
	if d.alerts != nil {
		if err := d.alerts.Start(ctx, now); err != nil {
			return err
		}
		if err := seedAlertmanagers(ctx, d.db, d.alerts, d.delivery.notifiers(), now, d.log); err != nil {
			return err
		}
	}
	if d.opts.Alerts != nil {
		return d.opts.Alerts.SetRules(ctx, rawGroups(d.groups.Load().list), now)
	}
	return nil
}

// followerLoop reloads the alerts from the database while the daemon
// follows, so that its API shows what the leader decided.
func (d *Daemon) followerLoop(ctx context.Context) {
	t := time.NewTicker(FollowerRefreshInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if d.lead.holding() || d.alerts == nil {
			continue
		}
		if err := d.alerts.Start(ctx, d.opts.Now()); err != nil && ctx.Err() == nil {
			d.log.Warn("following: cannot reload the alerts", "err", err)
		}
	}
}

// errNotLeading refuses an alert write of a daemon that does not lead.
var errNotLeading = errors.New("this daemon does not lead (any more): alert state is the leader's to change")

// fencedStore is the alert store as the alert manager and the deliverer
// use it: the writes that act as leader — alert transitions with the
// notifications they queue, and the start of a delivery attempt — are
// refused unless this daemon leads at that moment, its deadline read on
// the monotonic clock. The leading context already stops both; this is the
// last check, right before the write or the send.
type fencedStore struct {
	AlertStore
	lead *leadership
}

// ApplyAlertChanges implements alerts.Store on the leader alone.
func (s fencedStore) ApplyAlertChanges(ctx context.Context, b alerting.Batch) error {
	if !s.lead.holding() {
		return errNotLeading
	}
	return s.AlertStore.ApplyAlertChanges(ctx, b)
}

// StartNotificationAttempt implements alerts.Outbox: off the leader the
// entry is not to be sent by this daemon (false).
func (s fencedStore) StartNotificationAttempt(ctx context.Context, id int64) (bool, error) {
	if !s.lead.holding() {
		return false, nil
	}
	return s.AlertStore.StartNotificationAttempt(ctx, id)
}
