package daemon

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/alerting"
	"github.com/chiso-vn/chiso/alerts"
	"github.com/chiso-vn/chiso/alerts/amclient"
	"github.com/chiso-vn/chiso/store"
)

// seedAlertmanagers gives each Alertmanager client, at start-up, the alerts
// it last sent as firing that are still firing. A client re-sends only the
// alerts it remembers, and after a restart a group is not notified again
// until something changes or repeat_interval passes: without this,
// Alertmanager would let those alerts expire and show them resolved.
func seedAlertmanagers(ctx context.Context, db AlertStore, m *alerts.Manager, ns alerts.Notifiers, now time.Time, log *slog.Logger) error {
	for name, integrations := range ns {
		c, ok := integrations[alerts.IntegrationAlertmanager].(*amclient.Client)
		if !ok {
			continue
		}
		firing, err := lastSentFiring(ctx, db, m, name, now)
		if err != nil {
			return err
		}
		if len(firing) == 0 {
			continue
		}
		// The client remembers them even when no Alertmanager answers now;
		// its loop re-sends them.
		if err := c.Send(ctx, firing, now); err != nil {
			log.Warn("alertmanager unreachable at start; its firing alerts will be re-sent", "receiver", name, "err", err)
		}
	}
	return nil
}

// lastSentFiring returns the alerts of the receiver's latest sent
// notification per group that the manager still has firing and that are
// not muted (acknowledged, silenced, inhibited) at now: a muted alert was,
// or will be, sent resolved.
func lastSentFiring(ctx context.Context, db AlertStore, m *alerts.Manager, receiver string, now time.Time) ([]chiso.Alert, error) {
	entries, err := db.Notifications(ctx, store.OutboxFilter{Status: alerting.StatusSent, Receiver: receiver, Limit: 10000})
	if err != nil {
		return nil, fmt.Errorf("alerting: read what %s was sent: %w", receiver, err)
	}
	seenGroup, seenAlert := map[string]bool{}, map[string]bool{}
	for _, st := range m.Alerts(now) {
		if st.Acknowledged || len(st.SilencedBy) > 0 || st.Inhibited {
			seenAlert[st.Fingerprint] = true
		}
	}
	var out []chiso.Alert
	for _, e := range entries { // newest first
		if e.Integration != alerts.IntegrationAlertmanager || seenGroup[e.GroupKey] {
			continue
		}
		seenGroup[e.GroupKey] = true
		n, err := alerts.DecodeNotification(e)
		if err != nil {
			return nil, fmt.Errorf("alerting: notification %d: %w", e.ID, err)
		}
		for _, a := range n.Alerts {
			cur, ok := m.Alert(a.Fingerprint)
			if ok && cur.State == chiso.Firing && !seenAlert[a.Fingerprint] {
				seenAlert[a.Fingerprint] = true
				out = append(out, cur)
			}
		}
	}
	return out, nil
}
