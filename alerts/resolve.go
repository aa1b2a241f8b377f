package alerts

import (
	"reflect"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/alerting"
)

// Figures answers what the current data says of one published figure. The
// engine implements it; it must be safe to call during an evaluation.
type Figures interface {
	// Figure returns the current revision of the figure of the indicator
	// in the area for the period, or for its latest period when p is zero
	// (its period, value, qualifier, source and store sequence number as
	// ID), and whether there is one.
	Figure(indicator, area string, p chiso.Period) (chiso.Observation, bool)
}

// published fills in what the finding's figure was published with — its
// qualifier ("trên", "gần") and its source — when the finding judged the
// current revision of one figure and did not say so itself. A finding on
// the state of a series without a period (a definition change) that judged
// the latest figure gets that figure's period: it is not part of such an
// alert's identity.
func published(f chiso.Finding, figs Figures) chiso.Finding {
	if figs == nil || f.Value != f.Value || (f.Period.IsZero() && f.Diagnosis.PointDiagnosis()) {
		return f
	}
	o, ok := figs.Figure(f.Indicator, f.Area, f.Period)
	if !ok || o.Value != f.Value {
		return f
	}
	if f.Period.IsZero() {
		f.Period = o.Period
	}
	if f.Qualifier == chiso.Exact {
		f.Qualifier = o.Qualifier
	}
	if f.Source == "" {
		f.Source = o.Source
	}
	return f
}

// resolveReason says why an alert whose finding is gone resolves: its rule
// changed at the last reload; the figure it judged has a newer revision than
// the data the finding saw (a correction); or other data changed the
// verdict. Without figs, revised and new data cannot be told apart: empty.
func (m *Manager) resolveReason(a *chiso.Alert, figs Figures) chiso.ResolveReason {
	if m.changed[ruleKey(a)] {
		return chiso.ResolvedRuleChanged
	}
	f := a.Finding
	if figs == nil {
		return ""
	}
	if !f.Period.IsZero() {
		if o, ok := figs.Figure(f.Indicator, f.Area, f.Period); ok && o.ID > f.DataID {
			return chiso.ResolvedRevised
		}
	}
	return chiso.ResolvedNewData
}

// ruleKey is the (group, alertname) of an alert's rule.
func ruleKey(a *chiso.Alert) [2]string {
	return [2]string{a.Labels[alerting.LabelGroup], a.Labels[alerting.LabelAlertname]}
}

// noteRules remembers the rules just set, and which of them changed what
// they find since the previous set (check, indicators, areas, severity,
// parameters), so that an alert they stop finding resolves as "rule
// changed". The first set changes nothing: there is nothing to compare.
func (m *Manager) noteRules(groups []Group) {
	next := map[[2]string]Rule{}
	for _, g := range groups {
		for _, r := range g.Rules {
			k := [2]string{g.Name, r.Name}
			next[k] = r
			if old, ok := m.rules[k]; ok && !sameRule(old, r) {
				m.changed[k] = true
			}
		}
	}
	m.rules = next
}

// sameRule reports whether two versions of a rule find the same things.
func sameRule(a, b Rule) bool {
	return reflect.DeepEqual(a.Finds, b.Finds)
}
