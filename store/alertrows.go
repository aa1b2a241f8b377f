package store

import (
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/alerting"
)

// The values of the alerting tables' rows, in their columns' order, for
// both stores to bind to their own statements. Labels and annotations come
// already encoded: each store has its own encoder (see mapJSON).

// AlertValues are the values of an alerts row: fingerprint, alertname,
// grp, area, indicator, state, labels, annotations, active_at, fired_at,
// resolved_at, last_eval, keep_firing_since, value, expected, finding,
// ack_kind, ack_by, ack_at, ack_comment, ack_data_id, resolved_because.
// The acknowledgement's columns are NULL for an alert without one.
func AlertValues(a *chiso.Alert, labels, annotations string) []any {
	l := a.Labels
	args := []any{a.Fingerprint, l[alerting.LabelAlertname], l[alerting.LabelGroup], l[alerting.LabelArea],
		l[alerting.LabelIndicator], string(a.State), labels, annotations,
		AlertTime(a.ActiveAt), AlertTime(a.FiredAt), AlertTime(a.ResolvedAt), AlertTime(a.LastEval),
		AlertTime(a.KeepFiringSince), AlertNum(a.Value), AlertNum(a.Expected), FindingJSON(a.Finding)}
	if k := a.Ack; k != nil {
		args = append(args, string(k.Kind), k.By, AlertTime(k.At), k.Comment, k.DataID)
	} else {
		args = append(args, nil, nil, nil, nil, nil)
	}
	return append(args, string(a.ResolvedBecause))
}

// EventValues are the values of an alert_transitions row but its id:
// fingerprint, at, kind, from_state, to_state, alertname, area, indicator,
// labels, value, data_id, note.
func EventValues(e *alerting.Event, labels string) []any {
	l := e.Labels
	return []any{e.Fingerprint, AlertTime(e.At), string(e.Kind), string(e.From), string(e.To),
		l[alerting.LabelAlertname], l[alerting.LabelArea], l[alerting.LabelIndicator], labels, AlertNum(e.Value),
		e.DataID, e.Note}
}

// AckValues are the values of an acknowledgements row: fingerprint, kind,
// by_whom, at, comment, data_id.
func AckValues(k *chiso.Acknowledgement) []any {
	return []any{k.Fingerprint, string(k.Kind), k.By, AlertTime(k.At), k.Comment, k.DataID}
}

// OutboxValues are the values of a new notifications row: receiver,
// integration, group_key, reason, payload, attempts, next_attempt, status,
// last_error, created_at. An entry without a status is queued.
func OutboxValues(e *alerting.OutboxEntry) []any {
	status := e.Status
	if status == "" {
		status = alerting.StatusQueued
	}
	return []any{e.Receiver, e.Integration, e.GroupKey, string(e.Reason), string(e.Payload), e.Attempts,
		AlertTime(e.NextAttempt), string(status), e.LastError, AlertTime(e.CreatedAt)}
}

// LogValues are the values of a notification_log row: receiver, group_key,
// firing, resolved, at, sent_at. No fingerprints is stored as [], not null.
func LogValues(e *alerting.LogEntry) []any {
	return []any{e.Receiver, e.GroupKey, AlertJSON(orNone(e.Firing)), AlertJSON(orNone(e.Resolved)),
		AlertTime(e.At), AlertTime(e.SentAt)}
}

func orNone(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// AlertColumns are the columns of an alerts row that AlertRow scans, in
// its order.
const AlertColumns = `fingerprint, state, labels, annotations, active_at, fired_at, resolved_at, last_eval,
	keep_firing_since, value, expected, finding, ack_kind, ack_by, ack_at, ack_comment, ack_data_id, resolved_because`

// AlertRow is an alerts row as both stores scan it: database/sql and pgx
// both set a nil pointer for NULL.
type AlertRow struct {
	fp, state, labels, annotations, finding string
	times                                   [5]*string // active_at, fired_at, resolved_at, last_eval, keep_firing_since
	value, expected                         *float64
	ackKind, ackBy, ackAt, ackComment       *string
	ackDataID                               *int64
	resolvedBecause                         string
}

// Dest returns where to scan the columns AlertColumns names.
func (r *AlertRow) Dest() []any {
	return []any{&r.fp, &r.state, &r.labels, &r.annotations, &r.times[0], &r.times[1], &r.times[2], &r.times[3],
		&r.times[4], &r.value, &r.expected, &r.finding, &r.ackKind, &r.ackBy, &r.ackAt, &r.ackComment, &r.ackDataID,
		&r.resolvedBecause}
}

// Alert decodes the row; the error names the alert and the first column
// that does not decode.
func (r *AlertRow) Alert() (chiso.Alert, error) {
	a := chiso.Alert{Fingerprint: r.fp, State: chiso.AlertState(r.state), ResolvedBecause: chiso.ResolveReason(r.resolvedBecause),
		Value: numOf(r.value), Expected: numOf(r.expected)}
	err := firstErr(json.Unmarshal([]byte(r.labels), &a.Labels), json.Unmarshal([]byte(r.annotations), &a.Annotations),
		json.Unmarshal([]byte(r.finding), &a.Finding))
	for i, dst := range []*time.Time{&a.ActiveAt, &a.FiredAt, &a.ResolvedAt, &a.LastEval, &a.KeepFiringSince} {
		var terr error
		*dst, terr = AlertTimeOf(r.times[i])
		err = firstErr(err, terr)
	}
	if r.ackKind != nil {
		at, terr := AlertTimeOf(r.ackAt)
		err = firstErr(err, terr)
		a.Ack = &chiso.Acknowledgement{Fingerprint: r.fp, Kind: chiso.AckKind(*r.ackKind), By: orEmpty(r.ackBy), At: at,
			Comment: orEmpty(r.ackComment)}
		if r.ackDataID != nil {
			a.Ack.DataID = *r.ackDataID
		}
	}
	if err != nil {
		return chiso.Alert{}, fmt.Errorf("alert %s: %w", r.fp, err)
	}
	return a, nil
}

// SilenceValues are the values of a silences row but its id: matchers,
// starts_at, ends_at, created_by, comment, created_at, updated_at.
func SilenceValues(s *alerting.Silence) []any {
	return []any{AlertJSON(s.Matchers), AlertTime(s.StartsAt), AlertTime(s.EndsAt), s.CreatedBy, s.Comment,
		AlertTime(s.CreatedAt), AlertTime(s.UpdatedAt)}
}

// SilenceRow is a silences row as both stores scan it.
type SilenceRow struct {
	s        alerting.Silence
	matchers string
	times    [4]*string // starts_at, ends_at, created_at, updated_at
}

// Dest returns where to scan id, matchers, starts_at, ends_at, created_by,
// comment, created_at and updated_at.
func (r *SilenceRow) Dest() []any {
	return []any{&r.s.ID, &r.matchers, &r.times[0], &r.times[1], &r.s.CreatedBy, &r.s.Comment, &r.times[2], &r.times[3]}
}

// Silence decodes the row; the error names the silence.
func (r *SilenceRow) Silence() (alerting.Silence, error) {
	s := r.s
	err := json.Unmarshal([]byte(r.matchers), &s.Matchers)
	for i, dst := range []*time.Time{&s.StartsAt, &s.EndsAt, &s.CreatedAt, &s.UpdatedAt} {
		var terr error
		*dst, terr = AlertTimeOf(r.times[i])
		err = firstErr(err, terr)
	}
	if err != nil {
		return s, fmt.Errorf("silence %d: %w", s.ID, err)
	}
	return s, nil
}

// LogRow is a notification_log row as both stores scan it.
type LogRow struct {
	e                alerting.LogEntry
	firing, resolved string
	at, sent         *string
}

// Dest returns where to scan receiver, group_key, firing, resolved, at and
// sent_at.
func (r *LogRow) Dest() []any {
	return []any{&r.e.Receiver, &r.e.GroupKey, &r.firing, &r.resolved, &r.at, &r.sent}
}

// Entry decodes the row; the error names the receiver and group.
func (r *LogRow) Entry() (alerting.LogEntry, error) {
	e := r.e
	var terr, serr error
	e.At, terr = AlertTimeOf(r.at)
	e.SentAt, serr = AlertTimeOf(r.sent)
	if err := firstErr(json.Unmarshal([]byte(r.firing), &e.Firing), json.Unmarshal([]byte(r.resolved), &e.Resolved),
		terr, serr); err != nil {
		return e, fmt.Errorf("notification log of %s %s: %w", e.Receiver, e.GroupKey, err)
	}
	return e, nil
}

// AlertTimeOf reads a time AlertTime stored; nil (NULL) is the zero time.
func AlertTimeOf(s *string) (time.Time, error) {
	if s == nil {
		return time.Time{}, nil
	}
	return ParseAlertTime(*s)
}

func numOf(v *float64) float64 {
	if v == nil {
		return math.NaN()
	}
	return *v
}

func orEmpty(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
