package alerts

import (
	"strconv"
	"strings"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/alerting"
	"github.com/chiso-vn/chiso/internal/bounded"
)

// candidate is a finding that alerts, with its rule.
type candidate struct {
	f    chiso.Finding
	rule *Rule
}

// candidates keeps the findings of the group that alert, one per
// fingerprint: an indeterminate finding only when its rule opts in, and of
// two findings with one identity the more severe (then a failure over an
// indeterminate one, then the first).
func candidates(ev Evaluation) map[string]candidate {
	byName := make(map[string]*Rule, len(ev.Group.Rules))
	for i := range ev.Group.Rules {
		byName[ev.Group.Rules[i].Name] = &ev.Group.Rules[i]
	}
	out := map[string]candidate{}
	for f := range ev.Findings {
		r := byName[f.Rule]
		if r == nil || f.Group != ev.Group.Name {
			continue
		}
		if f.Status == chiso.Indeterminate && !r.AlertIndeterminate {
			continue
		}
		fp := Fingerprint(IdentityLabels(f))
		if old, ok := out[fp]; ok && !outranks(f, old.f) {
			continue
		}
		out[fp] = candidate{f: f, rule: r}
	}
	for fp, c := range out { // an alert keeps its finding: write the message, drop the note
		c.f = published(c.f.Written(), ev.Figures)
		out[fp] = c
	}
	return out
}

// outranks reports whether finding a should replace b for one alert.
func outranks(a, b chiso.Finding) bool {
	if a.Severity.Rank() != b.Severity.Rank() {
		return a.Severity.Rank() > b.Severity.Rank()
	}
	return a.Status == chiso.Fail && b.Status == chiso.Indeterminate
}

// evaluate advances the alerts of the evaluated group.
func (m *Manager) evaluate(ev Evaluation, b *alerting.Batch) {
	cs := candidates(ev)
	for _, fp := range sortedKeys(cs) {
		c := cs[fp]
		old := m.alerts[fp]
		next, extra := m.observe(old, fp, c, ev)
		advance(next, true, timing{hold: c.rule.For, keep: c.rule.KeepFiringFor}, ev.Now)
		m.commit(old, next, ev.Now, b, extra)
	}
	for _, fp := range sortedKeys(m.alerts) {
		a := m.alerts[fp]
		if _, seen := cs[fp]; seen || a.Labels[alerting.LabelGroup] != ev.Group.Name {
			continue
		}
		m.unseen(a, ev, b)
	}
	for _, r := range ev.Group.Rules { // a changed rule has now been evaluated
		delete(m.changed, [2]string{ev.Group.Name, r.Name})
	}
}

// observe returns the alert updated with the finding's labels, annotations
// and figures, and the event of an acknowledgement that lapsed because the
// data got a new revision.
func (m *Manager) observe(old *chiso.Alert, fp string, c candidate, ev Evaluation) (*chiso.Alert, []alerting.Event) {
	next := &chiso.Alert{Fingerprint: fp}
	if old != nil {
		*next = *old
	}
	next.Labels = alertLabels(c.f, ev.Group, *c.rule)
	next.Annotations = m.annotations(c, ev, next.Labels)
	next.Finding, next.Value, next.Expected = c.f, c.f.Value, c.f.Expected
	if next.Ack != nil && next.Ack.DataID != c.f.DataID {
		note := "data revision " + strconv.FormatInt(next.Ack.DataID, 10) + " → " + strconv.FormatInt(c.f.DataID, 10)
		next.Ack = nil
		return next, []alerting.Event{event(next, alerting.EventAckLapsed, next.State, ev.Now, note)}
	}
	return next, nil
}

// unseen advances an alert of the group whose finding is gone, and forgets
// it once it has been resolved longer than the retention.
func (m *Manager) unseen(a *chiso.Alert, ev Evaluation, b *alerting.Batch) {
	if a.State == chiso.Resolved {
		if ev.Now.Sub(a.ResolvedAt) > m.rt.retention {
			m.forget(a, b)
		}
		return
	}
	t := timing{}
	for _, r := range ev.Group.Rules {
		if r.Name == a.Labels[alerting.LabelAlertname] {
			t = timing{hold: r.For, keep: r.KeepFiringFor}
		}
	}
	next := *a
	if advance(&next, false, t, ev.Now) && next.State == chiso.Resolved {
		next.ResolvedBecause = m.resolveReason(a, ev.Figures)
	}
	m.commit(a, &next, ev.Now, b, nil)
}

// forget drops an alert resolved longer than the retention; its history
// stays in the store.
func (m *Manager) forget(a *chiso.Alert, b *alerting.Batch) {
	delete(m.alerts, a.Fingerprint)
	m.disp.remove(a.Fingerprint)
	b.Changes = append(b.Changes, alerting.Change{Alert: *a, Delete: true})
}

// annotations renders the rule's templates; summary and description
// default to the finding's message. A template cut at a bound or failed
// keeps what it wrote or its error text, is counted, and is logged once
// per rule: the alert goes on.
func (m *Manager) annotations(c candidate, ev Evaluation, labels map[string]string) map[string]string {
	var out map[string]string
	if c.rule.Annotate != nil {
		var err error
		if out, err = c.rule.Annotate(c.f, ev.Catalogue, labels, m.opts.Language); err != nil {
			m.templateError(ev.Group.Name, c.rule.Name, err)
		}
	}
	if out == nil {
		out = map[string]string{}
	}
	if out["summary"] == "" {
		summary, _, _ := strings.Cut(c.f.Text(), "\n")
		out["summary"] = summary
	}
	if out["description"] == "" {
		out["description"] = c.f.Text()
	}
	return out
}

// templateError counts an annotation error of a rule and logs it the
// first time since the rules were set.
func (m *Manager) templateError(group, rule string, err error) {
	for _, e := range unjoin(err) {
		m.opts.TemplateErrors.Count(bounded.KindAnnotation, e)
	}
	key := [2]string{group, rule}
	if m.warned[key] {
		return
	}
	m.warned[key] = true
	m.opts.Logger.Warn("annotation template cut or failed; the alert keeps what it wrote (logged once per rule until the rules change)",
		"group", group, "rule", rule, "err", err)
}

// unjoin returns the errors joined in err, or err alone.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
