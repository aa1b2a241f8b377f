package alerts

import (
	"sort"
	"time"
)

// AlertGroup is the alerts one route groups together, as Alertmanager's
// alert view shows them: the receiver, the values of the route's group_by
// labels, and the alerts with what mutes each.
type AlertGroup struct {
	Receiver string
	Labels   map[string]string // the group_by labels' values; every label with group_by: [...]
	Alerts   []AlertStatus
}

// Groups returns the current alerts grouped as the routing tree groups
// them at now (a digest receiver's too): an alert routed to several
// receivers appears in each of their groups; without a route, all alerts form one group with no
// receiver. Groups are sorted by receiver, then labels; alerts as Alerts
// sorts them.
func (m *Manager) Groups(now time.Time) []AlertGroup {
	all := m.Alerts(now)
	m.mu.Lock()
	root := m.rt.root
	m.mu.Unlock()
	if root == nil {
		if len(all) == 0 {
			return nil
		}
		return []AlertGroup{{Alerts: all}}
	}
	byKey := map[string]*AlertGroup{}
	var keys []string
	for _, st := range all {
		for _, r := range root.match(st.Labels) {
			labels := r.groupLabels(st.Labels)
			key := r.receiver + "\x00" + groupKey(r, labels)
			g, ok := byKey[key]
			if !ok {
				g = &AlertGroup{Receiver: r.receiver, Labels: labels}
				byKey[key] = g
				keys = append(keys, key)
			}
			g.Alerts = append(g.Alerts, st)
		}
	}
	sort.Strings(keys)
	out := make([]AlertGroup, len(keys))
	for i, k := range keys {
		out[i] = *byKey[k]
	}
	return out
}
