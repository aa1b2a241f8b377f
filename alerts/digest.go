package alerts

import (
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/alerting"
)

// digestKey is the notification log's group key of a digest receiver: its
// At is the end of the last digest window.
const digestKey = "digest"

// digests queues the digests whose schedule ticked since their last window
// ended. A receiver's first window starts the first time it is seen, and a
// window that spans a downtime covers all of it in one digest.
func (m *Manager) digests(now time.Time, b *alerting.Batch) {
	for _, name := range sortedKeys(m.rt.digests) {
		k := logKey{name, digestKey}
		last, ok := m.nflog[k]
		if !ok {
			m.setLog(alerting.LogEntry{Receiver: name, GroupKey: digestKey, At: now}, b)
			continue
		}
		if next := m.rt.digests[name].Next(last.At.In(m.opts.Location)); next.After(now) {
			continue
		}
		m.digest(m.rt.receivers[name], last.At, now, b)
		m.setLog(alerting.LogEntry{Receiver: name, GroupKey: digestKey, At: now, SentAt: last.SentAt}, b)
	}
}

// setLog records a log entry in memory and in the batch.
func (m *Manager) setLog(e alerting.LogEntry, b *alerting.Batch) {
	m.nflog[logKey{e.Receiver, e.GroupKey}] = e
	b.Log = append(b.Log, e)
}

// digest queues the receiver's digests of its alerts over (from, to]: one
// per department (to its head, with its cc in Cc) of the alerts of its
// area, and one of every alert to the receiver's fixed addresses (or, for
// a receiver without any address, to its configured to). A digest with
// nothing to report is not sent.
func (m *Manager) digest(recv *Receiver, from, to time.Time, b *alerting.Batch) {
	mu := &muter{m: m, now: to}
	type audience struct {
		rcpt, cc []string
		d        *Digest
	}
	per := map[string]*audience{}
	add := func(key string, rcpt, cc []string, a *chiso.Alert) {
		if per[key] == nil {
			per[key] = &audience{rcpt: rcpt, cc: cc, d: &Digest{From: from, To: to}}
		}
		classify(per[key].d, a, mu)
	}
	for _, fp := range sortedKeys(m.alerts) {
		a := m.alerts[fp]
		if !m.routesTo(a, recv.Name) {
			continue
		}
		d, ok := m.rt.department(recv, a)
		if ok {
			dto, dcc := d.addresses()
			add("department:"+a.Labels[recv.ToFromLabel], dto, dcc, a)
		}
		if len(recv.To) > 0 || !ok {
			add("", recv.To, nil, a)
		}
	}
	for _, key := range sortedKeys(per) {
		au := per[key]
		d := au.d
		if len(d.Fired)+len(d.StillFiring)+len(d.Resolved)+len(d.Acknowledged) == 0 {
			continue
		}
		n := &Notification{Receiver: recv.Name, GroupKey: digestKey + ":" + key, Reason: alerting.ReasonDigest,
			Digest: d, ExternalURL: m.rt.externalURL, CreatedAt: to, Recipients: au.rcpt, Cc: au.cc}
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
