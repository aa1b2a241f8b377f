package alerts

import (
	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/alerting"
)

// logTransitions writes one line for each alert of a stored batch that
// fired or resolved, for ops teams who follow chiso's log rather than its
// receivers. A pending alert that resolves without having fired is logged
// at debug: it never reached anyone.
func (m *Manager) logTransitions(b *alerting.Batch) {
	for _, e := range b.Events {
		if e.Kind != alerting.EventTransition || e.From == e.To {
			continue
		}
		args := []any{"alertname", e.Labels[alerting.LabelAlertname], "group", e.Labels[alerting.LabelGroup],
			"area", e.Labels[alerting.LabelArea], "indicator", e.Labels[alerting.LabelIndicator],
			"severity", e.Labels[alerting.LabelSeverity], "fingerprint", e.Fingerprint}
		switch {
		case e.To == chiso.Firing:
			m.opts.Logger.Info("alert firing", args...)
		case e.To == chiso.Resolved && e.From == chiso.Firing:
			m.opts.Logger.Info("alert resolved", append(args, "because", e.Note)...)
		case e.To == chiso.Resolved:
			m.opts.Logger.Debug("pending alert resolved without firing", append(args, "because", e.Note)...)
		}
	}
}
