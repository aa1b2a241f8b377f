package alerts

import (
	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/alerting"
)

// maxTransitionLines bounds the lines one stored batch writes about alerts
// that fired or resolved: the first evaluation of a new rule over a
// ministry's data may fire thousands at once, and the log then says how
// many more there were in one line rather than flooding.
const maxTransitionLines = 50

// logTransitions writes one line for each alert of a stored batch that
// fired or resolved, for ops teams who follow chiso's log rather than its
// receivers, up to maxTransitionLines, then one line with the rest's
// counts. A pending alert that resolves without having fired is logged at
// debug: it never reached anyone.
func (m *Manager) logTransitions(b *alerting.Batch) {
	lines, moreFiring, moreResolved := 0, 0, 0
	for _, e := range b.Events {
		if e.Kind != alerting.EventTransition || e.From == e.To {
			continue
		}
		firing := e.To == chiso.Firing
		resolved := e.To == chiso.Resolved && e.From == chiso.Firing
		if (firing || resolved) && lines == maxTransitionLines {
			if firing {
				moreFiring++
			} else {
				moreResolved++
			}
			continue
		}
		args := []any{"alertname", e.Labels[alerting.LabelAlertname], "group", e.Labels[alerting.LabelGroup],
			"area", e.Labels[alerting.LabelArea], "indicator", e.Labels[alerting.LabelIndicator],
			"severity", e.Labels[alerting.LabelSeverity], "fingerprint", e.Fingerprint}
		switch {
		case firing:
			lines++
			m.opts.Logger.Info("alert firing", args...)
		case resolved:
			lines++
			m.opts.Logger.Info("alert resolved", append(args, "because", e.Note)...)
		case e.To == chiso.Resolved:
			m.opts.Logger.Debug("pending alert resolved without firing", append(args, "because", e.Note)...)
		}
	}
	if moreFiring+moreResolved > 0 {
		m.opts.Logger.Info("more alerts fired and resolved than are logged one by one; GET /api/v1/alerts lists them",
			"more_firing", moreFiring, "more_resolved", moreResolved)
	}
}
