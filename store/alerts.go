package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/alerting"
)

// alertTimeLayout is fixed-width so that stored times compare as text.
const alertTimeLayout = "2006-01-02T15:04:05.000000000Z"

// AlertTime is the stored form of an alerting time, in both stores: text
// in UTC, or nil (NULL) for the zero time.
func AlertTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(alertTimeLayout)
}

// ParseAlertTime reads a time AlertTime stored.
func ParseAlertTime(s string) (time.Time, error) {
	t, err := time.Parse(alertTimeLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("bad stored time %q: %w", s, err)
	}
	return t, nil
}

// alertTimeOf reads what AlertTime writes.
func alertTimeOf(s sql.NullString) (time.Time, error) {
	if !s.Valid {
		return time.Time{}, nil
	}
	return ParseAlertTime(s.String)
}

// AlertNum is the stored form of an alert's value, in both stores: v, or
// nil (NULL) for NaN and infinities.
func AlertNum(v float64) any {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return v
}

func alertNumOf(v sql.NullFloat64) float64 {
	if !v.Valid {
		return math.NaN()
	}
	return v.Float64
}

// AlertJSON marshals v, which cannot fail for the maps and slices stored.
func AlertJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("store: marshal %T: %v", v, err))
	}
	return string(b)
}

// ApplyAlertChanges writes the alert changes, their events, the
// acknowledgements, the outbox entries and the notification log entries
// of one decision in one transaction: either everything is stored or,
// on any error, nothing.
func (db *DB) ApplyAlertChanges(ctx context.Context, b alerting.Batch) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("apply alert changes: %w", err)
	}
	defer tx.Rollback()
	lj := labelsJSON{}
	steps := []func(context.Context, *sql.Tx, alerting.Batch, labelsJSON) error{
		writeAlertChanges, writeAlertEvents, writeAcks, writeOutbox, writeNotificationLog}
	for _, step := range steps {
		if err := step(ctx, tx, b, lj); err != nil {
			return fmt.Errorf("apply alert changes: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("apply alert changes: %w", err)
	}
	return nil
}

const upsertAlertSQL = `INSERT INTO alerts(fingerprint, alertname, grp, area, indicator, state, labels,
	annotations, active_at, fired_at, resolved_at, last_eval, keep_firing_since, value, expected, finding,
	ack_kind, ack_by, ack_at, ack_comment, ack_data_id, resolved_because)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT(fingerprint) DO UPDATE SET alertname = excluded.alertname, grp = excluded.grp,
	area = excluded.area, indicator = excluded.indicator, state = excluded.state, labels = excluded.labels,
	annotations = excluded.annotations, active_at = excluded.active_at, fired_at = excluded.fired_at,
	resolved_at = excluded.resolved_at, last_eval = excluded.last_eval,
	keep_firing_since = excluded.keep_firing_since, value = excluded.value, expected = excluded.expected,
	finding = excluded.finding, ack_kind = excluded.ack_kind, ack_by = excluded.ack_by,
	ack_at = excluded.ack_at, ack_comment = excluded.ack_comment, ack_data_id = excluded.ack_data_id,
	resolved_because = excluded.resolved_because`

// writeAlertChanges upserts or deletes the changed alerts.
func writeAlertChanges(ctx context.Context, tx *sql.Tx, b alerting.Batch, lj labelsJSON) error {
	if len(b.Changes) == 0 {
		return nil
	}
	up, err := tx.PrepareContext(ctx, upsertAlertSQL)
	if err != nil {
		return err
	}
	defer up.Close()
	for _, c := range b.Changes {
		if c.Delete {
			_, err = tx.ExecContext(ctx, `DELETE FROM alerts WHERE fingerprint = ?`, c.Alert.Fingerprint)
		} else {
			_, err = up.ExecContext(ctx, AlertValues(&c.Alert, lj.of(c.Alert.Fingerprint, c.Alert.Labels), mapJSON(c.Alert.Annotations))...)
		}
		if err != nil {
			return fmt.Errorf("alert %s: %w", c.Alert.Fingerprint, err)
		}
	}
	return nil
}

// labelsJSON remembers the labels written per fingerprint in a batch: an
// alert's change and its event usually carry the same labels.
type labelsJSON map[string]struct {
	labels map[string]string
	json   string
}

// of returns the JSON of an alert's labels, encoding them only when they
// differ from the last ones written for the fingerprint.
func (lj labelsJSON) of(fp string, labels map[string]string) string {
	if c, ok := lj[fp]; ok && maps.Equal(c.labels, labels) {
		return c.json
	}
	j := mapJSON(labels)
	lj[fp] = struct {
		labels map[string]string
		json   string
	}{labels, j}
	return j
}

// mapJSON writes a map of strings as a JSON object with sorted keys, as
// encoding/json does, without its reflection: labels and annotations are
// most of what an alert batch writes.
func mapJSON(m map[string]string) string {
	keys := make([]string, 0, len(m))
	n := 2
	for k, v := range m {
		keys = append(keys, k)
		n += len(k) + len(v) + 6
	}
	slices.Sort(keys)
	b := make([]byte, 0, n)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k)
		b = append(b, ':')
		b = appendJSONString(b, m[k])
	}
	return string(append(b, '}'))
}

// appendJSONString appends s as a JSON string. Control characters, quotes
// and backslashes are escaped; the rest, UTF-8, is written as it is.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// FindingJSON writes a finding in its own JSON form. MarshalJSON is called
// directly, not through json.Marshal, which would re-scan its output.
func FindingJSON(f chiso.Finding) string {
	b, err := f.MarshalJSON()
	if err != nil {
		panic(fmt.Sprintf("store: marshal finding: %v", err))
	}
	return string(b)
}

// writeAlertEvents appends the history entries.
func writeAlertEvents(ctx context.Context, tx *sql.Tx, b alerting.Batch, lj labelsJSON) error {
	if len(b.Events) == 0 {
		return nil
	}
	st, err := tx.PrepareContext(ctx, `INSERT INTO alert_transitions(fingerprint, at, kind, from_state,
		to_state, alertname, area, indicator, labels, value, data_id, note)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer st.Close()
	for i := range b.Events {
		e := &b.Events[i]
		if _, err := st.ExecContext(ctx, EventValues(e, lj.of(e.Fingerprint, e.Labels))...); err != nil {
			return fmt.Errorf("event of alert %s: %w", e.Fingerprint, err)
		}
	}
	return nil
}

// writeAcks appends the acknowledgements.
func writeAcks(ctx context.Context, tx *sql.Tx, b alerting.Batch, lj labelsJSON) error {
	for i, k := range b.Acks {
		if _, err := tx.ExecContext(ctx, `INSERT INTO acknowledgements(fingerprint, kind, by_whom, at,
			comment, data_id) VALUES (?, ?, ?, ?, ?, ?)`, AckValues(&b.Acks[i])...); err != nil {
			return fmt.Errorf("acknowledgement of alert %s: %w", k.Fingerprint, err)
		}
	}
	return nil
}

// writeOutbox queues the notifications.
func writeOutbox(ctx context.Context, tx *sql.Tx, b alerting.Batch, lj labelsJSON) error {
	if len(b.Queue) == 0 {
		return nil
	}
	st, err := tx.PrepareContext(ctx, `INSERT INTO notifications(receiver, integration, group_key, reason,
		payload, attempts, next_attempt, status, last_error, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer st.Close()
	for i, e := range b.Queue {
		if _, err := st.ExecContext(ctx, OutboxValues(&b.Queue[i])...); err != nil {
			return fmt.Errorf("queue notification for %s/%s: %w", e.Receiver, e.Integration, err)
		}
	}
	return nil
}

// writeNotificationLog upserts the log entries.
func writeNotificationLog(ctx context.Context, tx *sql.Tx, b alerting.Batch, lj labelsJSON) error {
	for i, e := range b.Log {
		if _, err := tx.ExecContext(ctx, `INSERT INTO notification_log(receiver, group_key, firing, resolved,
			at, sent_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(receiver, group_key) DO UPDATE SET
			firing = excluded.firing, resolved = excluded.resolved, at = excluded.at,
			sent_at = coalesce(excluded.sent_at, notification_log.sent_at)`, LogValues(&b.Log[i])...); err != nil {
			return fmt.Errorf("notification log of %s %s: %w", e.Receiver, e.GroupKey, err)
		}
	}
	return nil
}

// LoadAlerts returns every stored alert, by fingerprint.
func (db *DB) LoadAlerts(ctx context.Context) ([]chiso.Alert, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+AlertColumns+` FROM alerts ORDER BY fingerprint`)
	if err != nil {
		return nil, fmt.Errorf("load alerts: %w", err)
	}
	defer rows.Close()
	var out []chiso.Alert
	for rows.Next() {
		a, err := scanAlert(rows)
		if err != nil {
			return nil, fmt.Errorf("load alerts: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load alerts: %w", err)
	}
	return out, nil
}

// scanAlert reads one alerts row.
func scanAlert(rows *sql.Rows) (chiso.Alert, error) {
	var r AlertRow
	if err := rows.Scan(r.Dest()...); err != nil {
		return chiso.Alert{}, err
	}
	return r.Alert()
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// AlertHistory returns the alert events the filter selects, newest first.
func (db *DB) AlertHistory(ctx context.Context, f alerting.HistoryFilter) ([]alerting.Event, error) {
	w := HistoryWhere(f)
	limit := f.Limit
	if limit <= 0 {
		limit = 1000
	}
	rows, err := db.read.QueryContext(ctx, `SELECT id, fingerprint, at, kind, from_state, to_state, labels,
		value, data_id, note FROM alert_transitions`+w.SQL(false)+` ORDER BY at DESC, id DESC LIMIT ?`, append(w.Args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("alert history: %w", err)
	}
	defer rows.Close()
	var out []alerting.Event
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, fmt.Errorf("alert history: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("alert history: %w", err)
	}
	return out, nil
}

// HistoryWhere returns the conditions of a history filter, for both
// stores.
func HistoryWhere(f alerting.HistoryFilter) *Where {
	var w Where
	for _, eq := range []struct{ col, v string }{{"fingerprint", f.Fingerprint}, {"alertname", f.Alertname},
		{"area", f.Area}, {"indicator", f.Indicator}, {"kind", string(f.Kind)}} {
		if eq.v != "" {
			w.Add(eq.col+" = ?", eq.v)
		}
	}
	if !f.Since.IsZero() {
		w.Add("at >= ?", AlertTime(f.Since))
	}
	if !f.Until.IsZero() {
		w.Add("at < ?", AlertTime(f.Until))
	}
	if f.After.ID != 0 {
		at := AlertTime(f.After.At)
		w.Add("(at < ? OR at = ? AND id < ?)", at, at, f.After.ID)
	}
	return &w
}

// scanEvent reads one alert_transitions row.
func scanEvent(rows *sql.Rows) (alerting.Event, error) {
	var e alerting.Event
	var at sql.NullString
	var kind, from, to, labels string
	var value sql.NullFloat64
	if err := rows.Scan(&e.ID, &e.Fingerprint, &at, &kind, &from, &to, &labels, &value, &e.DataID, &e.Note); err != nil {
		return e, err
	}
	e.Kind, e.From, e.To, e.Value = alerting.EventKind(kind), chiso.AlertState(from), chiso.AlertState(to), alertNumOf(value)
	t, err := alertTimeOf(at)
	e.At = t
	return e, firstErr(err, json.Unmarshal([]byte(labels), &e.Labels))
}

// Acknowledgements returns the acknowledgements given on an alert, newest
// first; an empty fingerprint returns every alert's.
func (db *DB) Acknowledgements(ctx context.Context, fingerprint string) ([]chiso.Acknowledgement, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT fingerprint, kind, by_whom, at, comment, data_id
		FROM acknowledgements WHERE ? = '' OR fingerprint = ? ORDER BY at DESC, id DESC`, fingerprint, fingerprint)
	if err != nil {
		return nil, fmt.Errorf("acknowledgements: %w", err)
	}
	defer rows.Close()
	var out []chiso.Acknowledgement
	for rows.Next() {
		var k chiso.Acknowledgement
		var at sql.NullString
		if err := rows.Scan(&k.Fingerprint, &k.Kind, &k.By, &at, &k.Comment, &k.DataID); err != nil {
			return nil, fmt.Errorf("acknowledgements: %w", err)
		}
		if k.At, err = alertTimeOf(at); err != nil {
			return nil, fmt.Errorf("acknowledgements: %w", err)
		}
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("acknowledgements: %w", err)
	}
	return out, nil
}

// NotificationLog returns every notification log entry.
func (db *DB) NotificationLog(ctx context.Context) ([]alerting.LogEntry, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT receiver, group_key, firing, resolved, at, sent_at
		FROM notification_log ORDER BY receiver, group_key`)
	if err != nil {
		return nil, fmt.Errorf("notification log: %w", err)
	}
	defer rows.Close()
	var out []alerting.LogEntry
	for rows.Next() {
		var r LogRow
		if err := rows.Scan(r.Dest()...); err != nil {
			return nil, fmt.Errorf("notification log: %w", err)
		}
		e, err := r.Entry()
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("notification log: %w", err)
	}
	return out, nil
}

// Silences returns every silence, expired ones included, by id.
func (db *DB) Silences(ctx context.Context) ([]alerting.Silence, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id, matchers, starts_at, ends_at, created_by, comment,
		created_at, updated_at FROM silences ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("silences: %w", err)
	}
	defer rows.Close()
	var out []alerting.Silence
	for rows.Next() {
		s, err := scanSilence(rows)
		if err != nil {
			return nil, fmt.Errorf("silences: %w", err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("silences: %w", err)
	}
	return out, nil
}

// scanSilence reads one silences row.
func scanSilence(rows *sql.Rows) (alerting.Silence, error) {
	var r SilenceRow
	if err := rows.Scan(r.Dest()...); err != nil {
		return alerting.Silence{}, err
	}
	return r.Silence()
}

// SaveSilence inserts a silence whose ID is zero, setting its ID, or
// updates the silence with its ID.
func (db *DB) SaveSilence(ctx context.Context, s *alerting.Silence) error {
	args := SilenceValues(s)
	if s.ID == 0 {
		res, err := db.write.ExecContext(ctx, `INSERT INTO silences(matchers, starts_at, ends_at, created_by,
			comment, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`, args...)
		if err != nil {
			return fmt.Errorf("save silence: %w", err)
		}
		s.ID, err = res.LastInsertId()
		return err
	}
	res, err := db.write.ExecContext(ctx, `UPDATE silences SET matchers = ?, starts_at = ?, ends_at = ?,
		created_by = ?, comment = ?, created_at = ?, updated_at = ? WHERE id = ?`, append(args, s.ID)...)
	if err != nil {
		return fmt.Errorf("save silence %d: %w", s.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("save silence %d: %w", s.ID, alerting.ErrNotFound)
	}
	return nil
}

const outboxColumns = `id, receiver, integration, group_key, reason, payload, attempts, next_attempt, status,
	last_error, created_at, sent_at`

// DueNotifications returns up to limit queued or failed entries due at
// now, oldest attempt first, leaving out the ids in skip.
func (db *DB) DueNotifications(ctx context.Context, now time.Time, limit int, skip []int64) ([]alerting.OutboxEntry, error) {
	q := `SELECT ` + outboxColumns + ` FROM notifications WHERE status IN ('queued', 'failed') AND next_attempt <= ?`
	args := []any{AlertTime(now)}
	if len(skip) > 0 {
		q += ` AND id NOT IN (?` + strings.Repeat(", ?", len(skip)-1) + `)`
		for _, id := range skip {
			args = append(args, id)
		}
	}
	return db.outbox(ctx, q+` ORDER BY next_attempt, id LIMIT ?`, append(args, limit)...)
}

// OutboxFilter selects outbox entries; zero fields select everything.
type OutboxFilter struct {
	Status   alerting.OutboxStatus
	Receiver string
	Limit    int // newest first; zero means 100
}

// Notifications returns the outbox entries the filter selects, newest first,
// for the API and the command line.
func (db *DB) Notifications(ctx context.Context, f OutboxFilter) ([]alerting.OutboxEntry, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	return db.outbox(ctx, `SELECT `+outboxColumns+` FROM notifications WHERE (? = '' OR status = ?)
		AND (? = '' OR receiver = ?) ORDER BY id DESC LIMIT ?`,
		string(f.Status), string(f.Status), f.Receiver, f.Receiver, limit)
}

// outbox runs a query over the notifications table.
func (db *DB) outbox(ctx context.Context, q string, args ...any) ([]alerting.OutboxEntry, error) {
	rows, err := db.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("read outbox: %w", err)
	}
	defer rows.Close()
	var out []alerting.OutboxEntry
	for rows.Next() {
		var e alerting.OutboxEntry
		var payload, reason, status string
		var next, created, sent sql.NullString
		if err := rows.Scan(&e.ID, &e.Receiver, &e.Integration, &e.GroupKey, &reason, &payload, &e.Attempts,
			&next, &status, &e.LastError, &created, &sent); err != nil {
			return nil, fmt.Errorf("read outbox: %w", err)
		}
		e.Payload, e.Reason, e.Status = []byte(payload), alerting.Reason(reason), alerting.OutboxStatus(status)
		var errs [3]error
		e.NextAttempt, errs[0] = alertTimeOf(next)
		e.CreatedAt, errs[1] = alertTimeOf(created)
		e.SentAt, errs[2] = alertTimeOf(sent)
		if err := firstErr(errs[:]...); err != nil {
			return nil, fmt.Errorf("read outbox entry %d: %w", e.ID, err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read outbox: %w", err)
	}
	return out, nil
}

// StartNotificationAttempt records, before an entry is sent, that an
// attempt begins: its attempts are counted and it is queued (not failed),
// so that an entry queued with attempts was being sent when the process
// stopped. It reports false, changing nothing, if the entry is no longer
// to be sent (sent, dead or unknown).
func (db *DB) StartNotificationAttempt(ctx context.Context, id int64) (bool, error) {
	res, err := db.write.ExecContext(ctx, `UPDATE notifications SET attempts = attempts + 1, status = 'queued'
		WHERE id = ? AND status IN ('queued', 'failed')`, id)
	if err != nil {
		return false, fmt.Errorf("record an attempt of notification %d: %w", id, err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// MarkNotificationSent marks an entry sent at at, in one statement so that
// the time between a delivery and its record is short; then it stamps the
// sending time on the group's log entry (informative: a crash between the
// two leaves the log's time older). It reports false, changing nothing, if
// the entry was already sent (or is unknown or dead). The attempt was
// counted by StartNotificationAttempt.
func (db *DB) MarkNotificationSent(ctx context.Context, id int64, at time.Time) (bool, error) {
	res, err := db.write.ExecContext(ctx, `UPDATE notifications SET status = 'sent', sent_at = ?, last_error = ''
		WHERE id = ? AND status IN ('queued', 'failed')`, AlertTime(at), id)
	if err != nil {
		return false, fmt.Errorf("mark notification %d sent: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	if _, err := db.write.ExecContext(ctx, `UPDATE notification_log SET sent_at = ? WHERE (receiver, group_key) =
		(SELECT receiver, group_key FROM notifications WHERE id = ?)`, AlertTime(at), id); err != nil {
		return true, fmt.Errorf("stamp the log of notification %d: %w", id, err)
	}
	return true, nil
}

// MarkNotificationFailed records a failed attempt: the entry is retried at
// next, or, if dead, never again. A sent entry is left as it is.
func (db *DB) MarkNotificationFailed(ctx context.Context, id int64, attempts int, next time.Time, msg string, dead bool) error {
	status := alerting.StatusFailed
	if dead {
		status = alerting.StatusDead
	}
	if _, err := db.write.ExecContext(ctx, `UPDATE notifications SET status = ?, attempts = ?, next_attempt = ?,
		last_error = ? WHERE id = ? AND status IN ('queued', 'failed')`,
		string(status), attempts, AlertTime(next), msg, id); err != nil {
		return fmt.Errorf("mark notification %d failed: %w", id, err)
	}
	return nil
}

// OutboxLength counts the entries not yet sent nor dead.
func (db *DB) OutboxLength(ctx context.Context) (int, error) {
	var n int
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM notifications
		WHERE status IN ('queued', 'failed')`).Scan(&n); err != nil {
		return 0, fmt.Errorf("outbox length: %w", err)
	}
	return n, nil
}

// PurgeNotifications deletes the sent and dead entries created before
// before, and reports how many it deleted.
func (db *DB) PurgeNotifications(ctx context.Context, before time.Time) (int64, error) {
	res, err := db.write.ExecContext(ctx, `DELETE FROM notifications WHERE status IN ('sent', 'dead')
		AND created_at < ?`, AlertTime(before))
	if err != nil {
		return 0, fmt.Errorf("purge notifications: %w", err)
	}
	return res.RowsAffected()
}
