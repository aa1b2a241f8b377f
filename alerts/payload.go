package alerts

import (
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/alerting"
)

// alertWire is the JSON form of an alert: snake_case keys, null for a
// missing value or time.
type alertWire struct {
	Fingerprint     string              `json:"fingerprint"`
	Labels          map[string]string   `json:"labels"`
	Annotations     map[string]string   `json:"annotations"`
	State           chiso.AlertState    `json:"state"`
	ActiveAt        *time.Time          `json:"active_at"`
	FiredAt         *time.Time          `json:"fired_at"`
	ResolvedAt      *time.Time          `json:"resolved_at"`
	ResolvedBecause chiso.ResolveReason `json:"resolved_because,omitempty"`
	LastEval        *time.Time          `json:"last_eval"`
	KeepFiringSince *time.Time          `json:"keep_firing_since,omitempty"`
	Value           *float64            `json:"value"`
	Expected        *float64            `json:"expected"`
	Finding         findingWire         `json:"finding"`
	Ack             *ackWire            `json:"acknowledgement,omitempty"`
}

// ackWire is the JSON form of an acknowledgement.
type ackWire struct {
	Kind    chiso.AckKind `json:"kind"`
	By      string        `json:"by"`
	At      time.Time     `json:"at"`
	Comment string        `json:"comment"`
	DataID  int64         `json:"data_id"`
}

func toAckWire(k *chiso.Acknowledgement) *ackWire {
	if k == nil {
		return nil
	}
	return &ackWire{Kind: k.Kind, By: k.By, At: k.At, Comment: k.Comment, DataID: k.DataID}
}

func (w *ackWire) ack(fp string) *chiso.Acknowledgement {
	if w == nil {
		return nil
	}
	return &chiso.Acknowledgement{Fingerprint: fp, Kind: w.Kind, By: w.By, At: w.At, Comment: w.Comment, DataID: w.DataID}
}

func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func numOrNil(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

func timeOf(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

func numOf(v *float64) float64 {
	if v == nil {
		return math.NaN()
	}
	return *v
}

func toWire(a chiso.Alert) alertWire {
	return alertWire{Fingerprint: a.Fingerprint, Labels: a.Labels, Annotations: a.Annotations, State: a.State,
		ActiveAt: timeOrNil(a.ActiveAt), FiredAt: timeOrNil(a.FiredAt), ResolvedAt: timeOrNil(a.ResolvedAt),
		ResolvedBecause: a.ResolvedBecause, LastEval: timeOrNil(a.LastEval), KeepFiringSince: timeOrNil(a.KeepFiringSince),
		Value: numOrNil(a.Value), Expected: numOrNil(a.Expected), Finding: toFindingWire(a.Finding), Ack: toAckWire(a.Ack)}
}

func fromWire(w alertWire) chiso.Alert {
	return chiso.Alert{Fingerprint: w.Fingerprint, Labels: w.Labels, Annotations: w.Annotations, State: w.State,
		ActiveAt: timeOf(w.ActiveAt), FiredAt: timeOf(w.FiredAt), ResolvedAt: timeOf(w.ResolvedAt),
		ResolvedBecause: w.ResolvedBecause, LastEval: timeOf(w.LastEval), KeepFiringSince: timeOf(w.KeepFiringSince),
		Value: numOf(w.Value), Expected: numOf(w.Expected), Finding: w.Finding.finding(), Ack: w.Ack.ack(w.Fingerprint)}
}

// findingWire is chiso.Finding's JSON form (see Finding.MarshalJSON)
// written without a Marshaler, which encoding/json would re-scan: with
// thousands of alerts a notification, that halves the encoding time.
type findingWire struct {
	Rule      string          `json:"rule"`
	Group     string          `json:"group"`
	Check     string          `json:"check"`
	Diagnosis chiso.Diagnosis `json:"diagnosis"`
	Severity  chiso.Severity  `json:"severity"`
	Status    chiso.Status    `json:"status"`
	Indicator string          `json:"indicator"`
	Area      string          `json:"area"`
	Period    *chiso.Period   `json:"period"`
	Value     *float64        `json:"value"`
	Qualifier chiso.Qualifier `json:"qualifier,omitempty"`
	Expected  *float64        `json:"expected"`
	Message   string          `json:"message"`
	Source    string          `json:"source,omitempty"`
	DataID    int64           `json:"data_id,omitempty"`
}

func toFindingWire(f chiso.Finding) findingWire {
	w := findingWire{Rule: f.Rule, Group: f.Group, Check: f.Check, Diagnosis: f.Diagnosis, Severity: f.Severity,
		Status: f.Status, Indicator: f.Indicator, Area: f.Area, Value: numOrNil(f.Value), Qualifier: f.Qualifier,
		Expected: numOrNil(f.Expected), Message: f.Text(), Source: f.Source, DataID: f.DataID}
	if !f.Period.IsZero() {
		p := f.Period
		w.Period = &p
	}
	return w
}

func (w findingWire) finding() chiso.Finding {
	f := chiso.Finding{Rule: w.Rule, Group: w.Group, Check: w.Check, Diagnosis: w.Diagnosis, Severity: w.Severity,
		Status: w.Status, Indicator: w.Indicator, Area: w.Area, Value: numOf(w.Value), Qualifier: w.Qualifier, Expected: numOf(w.Expected),
		Message: w.Message, Source: w.Source, DataID: w.DataID}
	if w.Period != nil {
		f.Period = *w.Period
	}
	return f
}

func toWires(as []chiso.Alert) []alertWire {
	if as == nil {
		return nil
	}
	out := make([]alertWire, len(as))
	for i, a := range as {
		out[i] = toWire(a)
	}
	return out
}

func fromWires(ws []alertWire) []chiso.Alert {
	if ws == nil {
		return nil
	}
	out := make([]chiso.Alert, len(ws))
	for i, w := range ws {
		out[i] = fromWire(w)
	}
	return out
}

// MarshalAlert writes an alert as JSON with snake_case keys; a missing
// value or time is null. The API and the outbox use this form.
func MarshalAlert(a chiso.Alert) ([]byte, error) { return json.Marshal(toWire(a)) }

// UnmarshalAlert reads what MarshalAlert writes.
func UnmarshalAlert(b []byte) (chiso.Alert, error) {
	var w alertWire
	if err := json.Unmarshal(b, &w); err != nil {
		return chiso.Alert{}, err
	}
	return fromWire(w), nil
}

type digestWire struct {
	From         time.Time   `json:"from"`
	To           time.Time   `json:"to"`
	Fired        []alertWire `json:"fired"`
	StillFiring  []alertWire `json:"still_firing"`
	Resolved     []alertWire `json:"resolved"`
	Acknowledged []alertWire `json:"acknowledged"`
}

type notificationWire struct {
	Receiver    string            `json:"receiver"`
	GroupKey    string            `json:"group_key"`
	GroupLabels map[string]string `json:"group_labels"`
	Reason      alerting.Reason   `json:"reason"`
	Alerts      []alertWire       `json:"alerts"`
	Muted       []alertWire       `json:"muted,omitempty"`
	Digest      *digestWire       `json:"digest,omitempty"`
	Recipients  []string          `json:"recipients,omitempty"`
	Cc          []string          `json:"cc,omitempty"`
	Lang        string            `json:"lang,omitempty"`
	ExternalURL string            `json:"external_url,omitempty"`
	CreatedAt   time.Time         `json:"created_at"`
	// RepeatInterval is in seconds; -1 for never.
	RepeatInterval float64 `json:"repeat_interval_seconds,omitempty"`
}

// EncodeNotification writes a notification as the outbox's JSON payload
// (its ID, given by the outbox, is not part of it).
func EncodeNotification(n *Notification) ([]byte, error) {
	w := notificationWire{Receiver: n.Receiver, GroupKey: n.GroupKey, GroupLabels: n.GroupLabels,
		Reason: n.Reason, Alerts: toWires(n.Alerts), Muted: toWires(n.Muted), Recipients: n.Recipients, Cc: n.Cc, Lang: n.Lang,
		ExternalURL: n.ExternalURL, CreatedAt: n.CreatedAt, RepeatInterval: n.RepeatInterval.Seconds()}
	if n.RepeatInterval == Never {
		w.RepeatInterval = -1
	}
	if d := n.Digest; d != nil {
		w.Digest = &digestWire{From: d.From, To: d.To, Fired: toWires(d.Fired), StillFiring: toWires(d.StillFiring),
			Resolved: toWires(d.Resolved), Acknowledged: toWires(d.Acknowledged)}
	}
	return json.Marshal(w)
}

// DecodeNotification reads an outbox entry's payload back into the
// notification to deliver, with the entry's id as its ID.
func DecodeNotification(e alerting.OutboxEntry) (*Notification, error) {
	var w notificationWire
	if err := json.Unmarshal(e.Payload, &w); err != nil {
		return nil, fmt.Errorf("decode notification %d: %w", e.ID, err)
	}
	n := &Notification{ID: e.ID, Receiver: w.Receiver, Integration: e.Integration, GroupKey: w.GroupKey,
		GroupLabels: w.GroupLabels, Reason: w.Reason, Alerts: fromWires(w.Alerts), Muted: fromWires(w.Muted),
		Recipients:  w.Recipients,
		Cc:          w.Cc,
		Lang:        w.Lang,
		ExternalURL: w.ExternalURL, CreatedAt: w.CreatedAt,
		RepeatInterval: time.Duration(w.RepeatInterval * float64(time.Second))}
	if w.RepeatInterval < 0 {
		n.RepeatInterval = Never
	}
	if d := w.Digest; d != nil {
		n.Digest = &Digest{From: d.From, To: d.To, Fired: fromWires(d.Fired), StillFiring: fromWires(d.StillFiring),
			Resolved: fromWires(d.Resolved), Acknowledged: fromWires(d.Acknowledged)}
	}
	return n, nil
}

// MarshalJSON writes the alert as MarshalAlert does, with what mutes it
// and the fingerprint Alertmanager knows it by.
func (s AlertStatus) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		alertWire
		AlertmanagerFingerprint string  `json:"alertmanager_fingerprint"`
		Acknowledged            bool    `json:"acknowledged"`
		SilencedBy              []int64 `json:"silenced_by"`
		Inhibited               bool    `json:"inhibited"`
	}{toWire(s.Alert), AlertmanagerFingerprint(s.Labels), s.Acknowledged, s.SilencedBy, s.Inhibited})
}
