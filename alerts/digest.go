package alerts

import (
	"time"

	"github.com/chiso-vn/chiso"
)

// digestKey is the notification log's group key of a digest receiver: its
// At is the end of the last digest window.
const digestKey = "digest"

// digests queues the digests whose schedule ticked since their last window
// ended. A receiver's first window starts the first time it is seen, and a
// window that spans a downtime covers all of it in one digest.
func (m *Manager) digests(now time.Time, b *Batch) {
	for _, name := range sortedKeys(m.rt.digests) {
		k := logKey{name, digestKey}
		last, ok := m.nflog[k]
		if !ok {
			m.setLog(LogEntry{Receiver: name, GroupKey: digestKey, At: now}, b)
			continue
		}
		if next := m.rt.digests[name].Next(last.At.In(m.opts.Location)); next.After(now) {
			continue
		}
		m.digest(m.rt.receivers[name], last.At, now, b)
		m.setLog(LogEntry{Receiver: name, GroupKey: digestKey, At: now, SentAt: last.SentAt}, b)
	}
}

// setLog records a log entry in memory and in the batch.
func (m *Manager) setLog(e LogEntry, b *Batch) {
	m.nflog[logKey{e.Receiver, e.GroupKey}] = e
	b.Log = append(b.Log, e)
}

// digest queues one digest per recipient of the receiver's alerts over
// (from, to]; a receiver without addresses gets one digest of everything.
// A recipient with nothing to report gets nothing.
func (m *Manager) digest(recv *Receiver, from, to time.Time, b *Batch) {
	mu := &muter{m: m, now: to}
	per := map[string]*Digest{}
	for _, fp := range sortedKeys(m.alerts) {
		a := m.alerts[fp]
		if !m.routesTo(a, recv.Name) {
			continue
		}
		addrs := m.rt.recipients(recv, []*chiso.Alert{a})
		if addrs == nil {
			addrs = []string{""}
		}
		for _, addr := range addrs {
			if per[addr] == nil {
				per[addr] = &Digest{From: from, To: to}
			}
			classify(per[addr], a, mu)
		}
	}
	for _, addr := range sortedKeys(per) {
		d := per[addr]
		if len(d.Fired)+len(d.StillFiring)+len(d.Resolved)+len(d.Acknowledged) == 0 {
			continue
		}
		n := &Notification{Receiver: recv.Name, GroupKey: digestKey + ":" + addr, Reason: ReasonDigest,
			Digest: d, ExternalURL: m.rt.externalURL, CreatedAt: to}
		if addr != "" {
			n.Recipients = []string{addr}
		}
		m.queue(n, recv, b)
	}
}

// routesTo reports whether one of the routes an alert matches sends to the
// receiver.
func (m *Manager) routesTo(a *chiso.Alert, receiver string) bool {
	if m.rt.root == nil {
		return false
	}
	for _, r := range m.rt.root.match(a.Labels) {
		if r.receiver == receiver {
			return true
		}
	}
	return false
}

// classify puts an alert in the digest's lists: acknowledged in the window;
// otherwise (unless muted) fired in the window, still firing from before,
// or resolved in the window after having fired.
func classify(d *Digest, a *chiso.Alert, mu *muter) {
	in := func(t time.Time) bool { return t.After(d.From) && !t.After(d.To) }
	switch {
	case a.Ack != nil && in(a.Ack.At):
		d.Acknowledged = append(d.Acknowledged, *a)
	case a.State == chiso.Firing && mu.muted(a):
	case a.State == chiso.Firing && in(a.FiredAt):
		d.Fired = append(d.Fired, *a)
	case a.State == chiso.Firing:
		d.StillFiring = append(d.StillFiring, *a)
	case a.State == chiso.Resolved && !a.FiredAt.IsZero() && in(a.ResolvedAt):
		d.Resolved = append(d.Resolved, *a)
	}
}
