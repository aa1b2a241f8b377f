package alerts

import (
	"maps"
	"slices"
	"sort"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/alerting"
)

// aggGroup is an aggregation group: the alerts one route sends to one
// receiver under the same group labels, notified together.
type aggGroup struct {
	key    string
	route  *route
	labels map[string]string
	fps    map[string]bool
	next   time.Time // when the group is next flushed
}

// dispatcher holds the aggregation groups.
type dispatcher struct {
	rt     *routing
	groups map[string]*aggGroup
	member map[string][]string          // fingerprint → its group keys
	routed map[string]map[string]string // fingerprint → the labels it was routed with
}

func newDispatcher(rt *routing) *dispatcher {
	return &dispatcher{rt: rt, groups: map[string]*aggGroup{}, member: map[string][]string{},
		routed: map[string]map[string]string{}}
}

// place puts a firing or resolved alert into the groups of the routes it
// matches (digest receivers have none), moving it if its labels changed. A
// new group waits group_wait from now.
func (d *dispatcher) place(a *chiso.Alert, now time.Time) {
	if d.rt.root == nil {
		return
	}
	_, known := d.routed[a.Fingerprint]
	if a.State == chiso.Pending && !known {
		return
	}
	if known && maps.Equal(d.routed[a.Fingerprint], a.Labels) {
		return
	}
	d.remove(a.Fingerprint)
	d.routed[a.Fingerprint] = a.Labels
	for _, r := range d.rt.root.match(a.Labels) {
		if _, digest := d.rt.digests[r.receiver]; digest {
			continue
		}
		d.join(r, a.Fingerprint, now, a.Labels)
	}
}

// join adds fp to its group under route r, creating the group.
func (d *dispatcher) join(r *route, fp string, now time.Time, labels map[string]string) {
	gl := r.groupLabels(labels)
	key := groupKey(r, gl)
	g := d.groups[key]
	if g == nil {
		g = &aggGroup{key: key, route: r, labels: maps.Clone(gl), fps: map[string]bool{}, next: now.Add(r.groupWait)}
		d.groups[key] = g
	}
	g.fps[fp] = true
	d.member[fp] = append(d.member[fp], key)
}

// remove takes an alert out of every group.
func (d *dispatcher) remove(fp string) {
	for _, key := range d.member[fp] {
		if g := d.groups[key]; g != nil {
			delete(g.fps, fp)
		}
	}
	delete(d.member, fp)
	delete(d.routed, fp)
}

// leave takes an alert out of one group.
func (d *dispatcher) leave(g *aggGroup, fp string) {
	delete(g.fps, fp)
	keys := slices.DeleteFunc(d.member[fp], func(k string) bool { return k == g.key })
	if len(keys) == 0 {
		delete(d.member, fp)
		delete(d.routed, fp)
		return
	}
	d.member[fp] = keys
}

// due returns the groups to flush at now, by key.
func (d *dispatcher) due(now time.Time) []*aggGroup {
	var out []*aggGroup
	for _, g := range d.groups {
		if !g.next.After(now) {
			out = append(out, g)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key < out[j].key })
	return out
}

// muter answers "is this alert muted at now?": acknowledged for its
// current data, silenced, or inhibited. The inhibition index is built on
// first use.
type muter struct {
	m   *Manager
	now time.Time
	in  *inhibitor
}

func (mu *muter) muted(a *chiso.Alert) bool {
	if quiet(a) || silenced(mu.m.silences, a.Labels, mu.now) {
		return true
	}
	if mu.in == nil {
		mu.in = newInhibitor(mu.m.rt.inhibit, mu.m.alerts)
	}
	return mu.in.inhibited(a)
}

// flushDue flushes every group due at now.
func (m *Manager) flushDue(now time.Time, b *alerting.Batch) {
	mu := &muter{m: m, now: now}
	for _, g := range m.disp.due(now) {
		m.flush(g, mu, b)
		g.next = now.Add(g.route.groupInterval)
		if len(g.fps) == 0 {
			delete(m.disp.groups, g.key)
		}
	}
}

// flush decides whether a group is notified, as Alertmanager's
// de-duplication does against the notification log: when an alert fires
// that was not in the last notification, when one that was resolves (if
// the receiver sends resolved alerts), or when repeat_interval has passed
// with alerts still firing. Muted alerts are left out and dropped from the
// log, so an acknowledgement that lapses or a silence that ends notifies
// again. An alert muted since the last notification is carried in the
// next one as Muted, or in one of its own for the receiver's Alertmanager
// integration, which sends it resolved: Alertmanager knows nothing of
// chiso's acknowledgements and silences, and would otherwise keep it
// active. Resolved alerts leave the group once flushed.
func (m *Manager) flush(g *aggGroup, mu *muter, b *alerting.Batch) {
	recv := m.rt.receivers[g.route.receiver]
	k := logKey{g.route.receiver, g.key}
	last := m.nflog[k]
	firing, resolved, muted := m.split(g, mu, last)
	newFiring := false
	for _, a := range firing {
		newFiring = newFiring || !slices.Contains(last.Firing, a.Fingerprint)
	}
	sendResolved := len(resolved) > 0 && recv != nil && recv.sendResolved()
	ri := g.route.repeatInterval
	repeat := len(firing) > 0 && ri != Never && mu.now.Sub(last.At) >= ri
	entry := alerting.LogEntry{Receiver: k.receiver, GroupKey: k.group, Firing: fingerprints(firing),
		Resolved: fingerprints(resolved), At: last.At, SentAt: last.SentAt}
	if newFiring || sendResolved || repeat {
		entry.At = mu.now
		reason := alerting.ReasonRepeat
		switch {
		case newFiring:
			reason = alerting.ReasonFiring
		case sendResolved:
			reason = alerting.ReasonResolved
		}
		m.enqueue(g, recv, reason, append(firing, resolved...), muted, mu.now, b)
	} else if len(muted) > 0 && recv != nil && slices.Contains(recv.Integrations(), IntegrationAlertmanager) {
		m.enqueue(g, recv, alerting.ReasonMuted, nil, muted, mu.now, b)
	} else if slices.Equal(entry.Firing, last.Firing) {
		return
	}
	m.nflog[k] = entry
	b.Log = append(b.Log, entry)
}

// split sorts a group's alerts into the firing ones to notify, the
// resolved ones that were notified firing, and the firing ones notified
// last time that are muted now; pending and resolved alerts leave the
// group.
func (m *Manager) split(g *aggGroup, mu *muter, last alerting.LogEntry) (firing, resolved, muted []*chiso.Alert) {
	for _, fp := range sortedKeys(g.fps) {
		a := m.alerts[fp]
		switch {
		case a == nil || a.State == chiso.Pending:
			m.disp.leave(g, fp)
		case a.State == chiso.Firing:
			if !mu.muted(a) {
				firing = append(firing, a)
			} else if slices.Contains(last.Firing, fp) {
				muted = append(muted, a)
			}
		default:
			m.disp.leave(g, fp)
			if slices.Contains(last.Firing, fp) {
				resolved = append(resolved, a)
			}
		}
	}
	return firing, resolved, muted
}

// fingerprints returns the alerts' fingerprints, sorted.
func fingerprints(as []*chiso.Alert) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.Fingerprint
	}
	sort.Strings(out)
	return out
}

// enqueue builds a group's notification and queues it for each integration
// of the receiver; a notification only of muted alerts (ReasonMuted) is
// queued for the Alertmanager integration alone.
func (m *Manager) enqueue(g *aggGroup, recv *Receiver, reason alerting.Reason, as, muted []*chiso.Alert, now time.Time, b *alerting.Batch) {
	if recv == nil {
		return
	}
	n := &Notification{Receiver: recv.Name, GroupKey: g.key, GroupLabels: g.labels, Reason: reason,
		Alerts: sortedAlerts(as), Muted: sortedAlerts(muted),
		ExternalURL: m.rt.externalURL, CreatedAt: now, RepeatInterval: g.route.repeatInterval}
	n.Recipients, n.Cc = m.rt.recipients(recv, as)
	kinds := recv.Integrations()
	if reason == alerting.ReasonMuted {
		kinds = []string{IntegrationAlertmanager}
	}
	m.queueTo(n, recv, kinds, b)
}

// sortedAlerts copies the alerts in alertLess order.
func sortedAlerts(as []*chiso.Alert) []chiso.Alert {
	out := make([]chiso.Alert, len(as))
	for i, a := range as {
		out[i] = *a
	}
	sort.Slice(out, func(i, j int) bool { return alertLess(&out[i], &out[j]) })
	return out
}

// queue adds one outbox entry per integration of the receiver.
func (m *Manager) queue(n *Notification, recv *Receiver, b *alerting.Batch) {
	m.queueTo(n, recv, recv.Integrations(), b)
}

// queueTo adds one outbox entry for each of the integrations.
func (m *Manager) queueTo(n *Notification, recv *Receiver, kinds []string, b *alerting.Batch) {
	n.Lang = m.opts.Language
	payload, err := EncodeNotification(n)
	if err != nil {
		m.opts.Logger.Error("encode notification", "receiver", recv.Name, "err", err)
		return
	}
	for _, kind := range kinds {
		b.Queue = append(b.Queue, alerting.OutboxEntry{Receiver: recv.Name, Integration: kind, GroupKey: n.GroupKey,
			Reason: n.Reason, Payload: payload, NextAttempt: n.CreatedAt, Status: alerting.StatusQueued, CreatedAt: n.CreatedAt})
	}
}

// recipients returns the addresses of one message about the alerts: the
// receiver's fixed addresses and, with to_from_label, the heads of the
// alerts' departments (to), and those departments' cc addresses (cc; a
// department without a head has its cc in to). Both are sorted, without
// repeats, and no address is in both.
func (rt *routing) recipients(recv *Receiver, as []*chiso.Alert) (to, cc []string) {
	toSet, ccSet := map[string]bool{}, map[string]bool{}
	for _, a := range recv.To {
		toSet[a] = true
	}
	for _, a := range as {
		d, ok := rt.department(recv, a)
		if !ok {
			continue
		}
		dto, dcc := d.addresses()
		for _, addr := range dto {
			toSet[addr] = true
		}
		for _, addr := range dcc {
			ccSet[addr] = true
		}
	}
	for addr := range toSet {
		delete(ccSet, addr)
	}
	return keysOrNil(toSet), keysOrNil(ccSet)
}

// department returns the department of an alert, by the receiver's
// to_from_label.
func (rt *routing) department(recv *Receiver, a *chiso.Alert) (Department, bool) {
	if recv.ToFromLabel == "" {
		return Department{}, false
	}
	d, ok := rt.departments[a.Labels[recv.ToFromLabel]]
	return d, ok
}

// addresses are a department's message addresses: the head in to and the
// others in cc, or the others in to when there is no head.
func (d Department) addresses() (to, cc []string) {
	if d.Head == "" {
		return d.CC, nil
	}
	return []string{d.Head}, d.CC
}

// keysOrNil returns the set's keys sorted, nil for an empty set.
func keysOrNil(set map[string]bool) []string {
	if len(set) == 0 {
		return nil
	}
	return sortedKeys(set)
}
