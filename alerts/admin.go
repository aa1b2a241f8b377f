package alerts

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/alerting"
	"github.com/chiso-vn/chiso/internal/clip"
)

// Ack records a data steward's acknowledgement of a pending or firing
// alert, for the data revision its finding was computed from. While the
// finding stays at that revision the alert is not notified; a new revision
// lapses the acknowledgement and the alert is notified again as usual. fp
// is chiso's fingerprint of the alert or Alertmanager's (copied from
// Alertmanager by the person on call).
func (m *Manager) Ack(ctx context.Context, fp string, kind chiso.AckKind, by, comment string, now time.Time) (chiso.Alert, error) {
	if kind != chiso.AckCorrect && kind != chiso.AckWillBeCorrect {
		return chiso.Alert{}, fmt.Errorf("acknowledge %s: unknown kind %s (want %s or %s)", clip.Text(fp), clip.Quote(string(kind)), chiso.AckCorrect, chiso.AckWillBeCorrect)
	}
	if strings.TrimSpace(by) == "" {
		return chiso.Alert{}, fmt.Errorf("acknowledge %s: who acknowledges is required", clip.Text(fp))
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.fresh(ctx, now); err != nil {
		return chiso.Alert{}, err
	}
	a := m.lookup(fp)
	if a == nil {
		return chiso.Alert{}, fmt.Errorf("acknowledge %s: %w", clip.Text(fp), alerting.ErrNotFound)
	}
	fp = a.Fingerprint
	if a.State == chiso.Resolved {
		return chiso.Alert{}, fmt.Errorf("acknowledge %s: the alert is resolved", fp)
	}
	next := *a
	next.Ack = &chiso.Acknowledgement{Fingerprint: fp, Kind: kind, By: by, At: now, Comment: comment, DataID: a.Finding.DataID}
	b := alerting.Batch{Acks: []chiso.Acknowledgement{*next.Ack}}
	m.commit(a, &next, now, &b, []alerting.Event{event(&next, alerting.EventAcknowledged, next.State, now, string(kind)+" by "+by+": "+comment)})
	m.metrics.update()
	if err := m.write(ctx, &b); err != nil {
		return chiso.Alert{}, fmt.Errorf("acknowledge %s: %w", fp, err)
	}
	return next, nil
}

// lookup finds an alert by chiso's fingerprint, else by Alertmanager's,
// preferring one that is not resolved; callers hold m.mu.
func (m *Manager) lookup(fp string) *chiso.Alert {
	if a := m.alerts[fp]; a != nil {
		return a
	}
	var found *chiso.Alert
	for _, k := range sortedKeys(m.alerts) {
		a := m.alerts[k]
		if AlertmanagerFingerprint(a.Labels) == fp && (found == nil || found.State == chiso.Resolved) {
			found = a
		}
	}
	return found
}

// AddSilence validates and stores a new silence and returns it with its id.
func (m *Manager) AddSilence(ctx context.Context, s alerting.Silence, now time.Time) (alerting.Silence, error) {
	if err := s.Validate(now); err != nil {
		return alerting.Silence{}, err
	}
	s.ID, s.CreatedAt, s.UpdatedAt = 0, now, now
	m.mu.Lock()
	defer m.mu.Unlock()
	if n := m.silencesInEffect(now); n >= m.rt.maxSilences {
		return alerting.Silence{}, fmt.Errorf("add silence: %d silences are active or pending, the most alerting.silences.max_active allows; "+
			"expire some (chiso silence expire ID) or wait until they end: %w", n, ErrTooManySilences)
	}
	if err := m.opts.Store.SaveSilence(ctx, &s); err != nil {
		return alerting.Silence{}, fmt.Errorf("add silence: %w", err)
	}
	m.silences = append(m.silences, &s)
	return s, nil
}

// silencesInEffect counts the active and pending silences at now.
func (m *Manager) silencesInEffect(now time.Time) int {
	n := 0
	for _, s := range m.silences {
		if s.State(now) != alerting.SilenceExpired {
			n++
		}
	}
	return n
}

// ExpireSilence ends a silence at now; an expired one is left as it is.
func (m *Manager) ExpireSilence(ctx context.Context, id int64, now time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, s := range m.silences {
		if s.ID != id {
			continue
		}
		if s.State(now) == alerting.SilenceExpired {
			return nil
		}
		next := *s
		next.EndsAt, next.UpdatedAt = now, now
		if next.StartsAt.After(now) {
			next.StartsAt = now
		}
		if err := m.opts.Store.SaveSilence(ctx, &next); err != nil {
			return fmt.Errorf("expire silence %d: %w", id, err)
		}
		*s = next
		return nil
	}
	return fmt.Errorf("expire silence %d: %w", id, alerting.ErrNotFound)
}

// Silences returns every silence, newest first.
func (m *Manager) Silences() []alerting.Silence {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]alerting.Silence, len(m.silences))
	for i, s := range m.silences {
		out[i] = *s
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID > out[j].ID })
	return out
}

// Preview returns the pending and firing alerts that a silence with these
// matchers would catch.
func (m *Manager) Preview(ms alerting.Matchers) []chiso.Alert {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []chiso.Alert
	for _, a := range m.alerts {
		if a.State != chiso.Resolved && ms.Matches(a.Labels) {
			out = append(out, *a)
		}
	}
	sort.Slice(out, func(i, j int) bool { return alertLess(&out[i], &out[j]) })
	return out
}

// TestReceiver queues a test notification with one made-up firing alert
// for every integration of the receiver, as `chiso alerts test-receiver`.
func (m *Manager) TestReceiver(ctx context.Context, name string, now time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	recv := m.rt.receivers[name]
	if recv == nil {
		return fmt.Errorf("test receiver %s: %w", clip.Text(name), alerting.ErrNotFound)
	}
	a := testAlert(now)
	n := &Notification{Receiver: name, GroupKey: "test:" + now.UTC().Format(time.RFC3339Nano), Reason: alerting.ReasonTest,
		Alerts: []chiso.Alert{a}, ExternalURL: m.rt.externalURL, CreatedAt: now}
	n.Recipients, n.Cc = m.rt.recipients(recv, []*chiso.Alert{&a})
	var b alerting.Batch
	m.queue(n, recv, &b)
	if err := m.write(ctx, &b); err != nil {
		return fmt.Errorf("test receiver %s: %w", name, err)
	}
	m.queued(&b)
	return nil
}

// testAlert is the alert of a test notification.
func testAlert(now time.Time) chiso.Alert {
	l := map[string]string{alerting.LabelAlertname: "TestAlert", alerting.LabelGroup: "test", alerting.LabelSeverity: string(chiso.Info),
		alerting.LabelDiagnosis: string(chiso.OutOfRange), alerting.LabelStatus: string(chiso.Fail), alerting.LabelIndicator: "test", alerting.LabelArea: "test"}
	msg := "Thông báo thử của chiso / chiso test notification"
	return chiso.Alert{Fingerprint: Fingerprint(l), Labels: l, State: chiso.Firing, ActiveAt: now, FiredAt: now,
		LastEval: now, Annotations: map[string]string{"summary": msg, "description": msg},
		Value: 1, Expected: 0, Finding: chiso.Finding{Rule: "TestAlert", Group: "test", Message: msg, Value: 1, Expected: 0,
			Severity: chiso.Info, Status: chiso.Fail, Diagnosis: chiso.OutOfRange, Indicator: "test", Area: "test"}}
}
