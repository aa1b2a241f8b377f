package pgstore

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/alerting"
	"github.com/chiso-vn/chiso/store"
)

// mapJSON encodes labels with sorted keys, so that equal maps store equal
// text. It is not the SQLite store's faster mapJSON: encoding/json turns
// invalid UTF-8 into U+FFFD, which PostgreSQL's text needs, and escapes
// <, > and &, so sharing one would change what either store holds.
func mapJSON(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kj, _ := json.Marshal(k)
		vj, _ := json.Marshal(m[k])
		b.Write(kj)
		b.WriteByte(':')
		b.Write(vj)
	}
	b.WriteByte('}')
	return b.String()
}

// ApplyAlertChanges writes one batch of alert changes, events,
// acknowledgements, outbox entries and log entries in one transaction.
func (db *DB) ApplyAlertChanges(ctx context.Context, b alerting.Batch) error {
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		for _, step := range []func(context.Context, pgx.Tx, alerting.Batch) error{
			writeAlertChanges, writeAlertEvents, writeAcks, writeOutbox, writeNotificationLog} {
			if err := step(ctx, tx, b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("apply alert changes: %w", err)
	}
	return nil
}

const upsertAlertSQL = `INSERT INTO alerts(fingerprint, alertname, grp, area, indicator, state, labels,
	annotations, active_at, fired_at, resolved_at, last_eval, keep_firing_since, value, expected, finding,
	ack_kind, ack_by, ack_at, ack_comment, ack_data_id, resolved_because)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)
	ON CONFLICT (fingerprint) DO UPDATE SET alertname = excluded.alertname, grp = excluded.grp,
	area = excluded.area, indicator = excluded.indicator, state = excluded.state, labels = excluded.labels,
	annotations = excluded.annotations, active_at = excluded.active_at, fired_at = excluded.fired_at,
	resolved_at = excluded.resolved_at, last_eval = excluded.last_eval,
	keep_firing_since = excluded.keep_firing_since, value = excluded.value, expected = excluded.expected,
	finding = excluded.finding, ack_kind = excluded.ack_kind, ack_by = excluded.ack_by,
	ack_at = excluded.ack_at, ack_comment = excluded.ack_comment, ack_data_id = excluded.ack_data_id,
	resolved_because = excluded.resolved_because`

// writeAlertChanges upserts or deletes the changed alerts, in one round
// trip.
func writeAlertChanges(ctx context.Context, tx pgx.Tx, b alerting.Batch) error {
	var batch pgx.Batch
	for _, c := range b.Changes {
		if c.Delete {
			batch.Queue(`DELETE FROM alerts WHERE fingerprint = $1`, c.Alert.Fingerprint)
		} else {
			batch.Queue(upsertAlertSQL, alertArgs(&c.Alert)...)
		}
	}
	return sendBatch(ctx, tx, &batch, func(i int) string { return "alert " + b.Changes[i].Alert.Fingerprint })
}

// sendBatch runs a batch and names the statement that failed.
func sendBatch(ctx context.Context, tx pgx.Tx, batch *pgx.Batch, what func(int) string) error {
	if batch.Len() == 0 {
		return nil
	}
	res := tx.SendBatch(ctx, batch)
	for i := range batch.Len() {
		if _, err := res.Exec(); err != nil {
			res.Close()
			return fmt.Errorf("%s: %w", what(i), err)
		}
	}
	return res.Close()
}

// alertArgs are the upsert's arguments for a.
func alertArgs(a *chiso.Alert) []any {
	return store.AlertValues(a, mapJSON(a.Labels), mapJSON(a.Annotations))
}

func writeAlertEvents(ctx context.Context, tx pgx.Tx, b alerting.Batch) error {
	var batch pgx.Batch
	for i := range b.Events {
		e := &b.Events[i]
		batch.Queue(`INSERT INTO alert_transitions(fingerprint, at, kind, from_state, to_state, alertname, area,
			indicator, labels, value, data_id, note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
			store.EventValues(e, mapJSON(e.Labels))...)
	}
	return sendBatch(ctx, tx, &batch, func(i int) string { return "event of alert " + b.Events[i].Fingerprint })
}

func writeAcks(ctx context.Context, tx pgx.Tx, b alerting.Batch) error {
	var batch pgx.Batch
	for i := range b.Acks {
		batch.Queue(`INSERT INTO acknowledgements(fingerprint, kind, by_whom, at, comment, data_id)
			VALUES ($1, $2, $3, $4, $5, $6)`, store.AckValues(&b.Acks[i])...)
	}
	return sendBatch(ctx, tx, &batch, func(i int) string { return "acknowledgement of alert " + b.Acks[i].Fingerprint })
}

func writeOutbox(ctx context.Context, tx pgx.Tx, b alerting.Batch) error {
	var batch pgx.Batch
	for i := range b.Queue {
		batch.Queue(`INSERT INTO notifications(receiver, integration, group_key, reason, payload, attempts,
			next_attempt, status, last_error, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			store.OutboxValues(&b.Queue[i])...)
	}
	return sendBatch(ctx, tx, &batch, func(i int) string {
		return "queue notification for " + b.Queue[i].Receiver + "/" + b.Queue[i].Integration
	})
}

func writeNotificationLog(ctx context.Context, tx pgx.Tx, b alerting.Batch) error {
	var batch pgx.Batch
	for i := range b.Log {
		batch.Queue(`INSERT INTO notification_log(receiver, group_key, firing, resolved, at, sent_at)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (receiver, group_key) DO UPDATE SET
			firing = excluded.firing, resolved = excluded.resolved, at = excluded.at,
			sent_at = coalesce(excluded.sent_at, notification_log.sent_at)`, store.LogValues(&b.Log[i])...)
	}
	return sendBatch(ctx, tx, &batch, func(i int) string { return "notification log of " + b.Log[i].Receiver + " " + b.Log[i].GroupKey })
}

// LoadAlerts returns every stored alert, by fingerprint.
func (db *DB) LoadAlerts(ctx context.Context) ([]chiso.Alert, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+store.AlertColumns+` FROM alerts ORDER BY fingerprint`)
	if err != nil {
		return nil, fmt.Errorf("load alerts: %w", err)
	}
	out, err := pgx.CollectRows(rows, scanAlert)
	if err != nil {
		return nil, fmt.Errorf("load alerts: %w", err)
	}
	return out, nil
}

func scanAlert(row pgx.CollectableRow) (chiso.Alert, error) {
	var r store.AlertRow
	if err := row.Scan(r.Dest()...); err != nil {
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

// AlertHistory returns the events the filter selects, newest first.
func (db *DB) AlertHistory(ctx context.Context, f alerting.HistoryFilter) ([]alerting.Event, error) {
	w := store.HistoryWhere(f)
	limit := f.Limit
	if limit <= 0 {
		limit = 1000
	}
	args := append(w.Args, limit)
	rows, err := db.pool.Query(ctx, `SELECT id, fingerprint, at, kind, from_state, to_state, labels, value, data_id, note
		FROM alert_transitions`+w.SQL(true)+` ORDER BY at COLLATE "C" DESC, id DESC LIMIT $`+strconv.Itoa(len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("alert history: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (alerting.Event, error) {
		var e alerting.Event
		var at *string
		var kind, from, to, labels string
		var value *float64
		if err := row.Scan(&e.ID, &e.Fingerprint, &at, &kind, &from, &to, &labels, &value, &e.DataID, &e.Note); err != nil {
			return e, err
		}
		e.Kind, e.From, e.To, e.Value = alerting.EventKind(kind), chiso.AlertState(from), chiso.AlertState(to), fromNull(value)
		t, err := store.AlertTimeOf(at)
		e.At = t
		return e, firstErr(err, json.Unmarshal([]byte(labels), &e.Labels))
	})
	if err != nil {
		return nil, fmt.Errorf("alert history: %w", err)
	}
	return out, nil
}

// Acknowledgements returns the acknowledgements given on an alert, newest
// first; an empty fingerprint returns every alert's.
func (db *DB) Acknowledgements(ctx context.Context, fingerprint string) ([]chiso.Acknowledgement, error) {
	rows, err := db.pool.Query(ctx, `SELECT fingerprint, kind, by_whom, at, comment, data_id
		FROM acknowledgements WHERE $1 = '' OR fingerprint = $1 ORDER BY at COLLATE "C" DESC, id DESC`, fingerprint)
	if err != nil {
		return nil, fmt.Errorf("acknowledgements: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (chiso.Acknowledgement, error) {
		var k chiso.Acknowledgement
		var kind string
		var at *string
		if err := row.Scan(&k.Fingerprint, &kind, &k.By, &at, &k.Comment, &k.DataID); err != nil {
			return k, err
		}
		k.Kind = chiso.AckKind(kind)
		var err error
		k.At, err = store.AlertTimeOf(at)
		return k, err
	})
	if err != nil {
		return nil, fmt.Errorf("acknowledgements: %w", err)
	}
	return out, nil
}

// NotificationLog returns every log entry, by receiver and group key.
func (db *DB) NotificationLog(ctx context.Context) ([]alerting.LogEntry, error) {
	rows, err := db.pool.Query(ctx, `SELECT receiver, group_key, firing, resolved, at, sent_at
		FROM notification_log ORDER BY receiver COLLATE "C", group_key COLLATE "C"`)
	if err != nil {
		return nil, fmt.Errorf("notification log: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (alerting.LogEntry, error) {
		var r store.LogRow
		if err := row.Scan(r.Dest()...); err != nil {
			return alerting.LogEntry{}, err
		}
		return r.Entry()
	})
	if err != nil {
		return nil, fmt.Errorf("notification log: %w", err)
	}
	return out, nil
}

// Silences returns every silence, expired ones included, by id.
func (db *DB) Silences(ctx context.Context) ([]alerting.Silence, error) {
	rows, err := db.pool.Query(ctx, `SELECT id, matchers, starts_at, ends_at, created_by, comment,
		created_at, updated_at FROM silences ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("silences: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (alerting.Silence, error) {
		var r store.SilenceRow
		if err := row.Scan(r.Dest()...); err != nil {
			return alerting.Silence{}, err
		}
		return r.Silence()
	})
	if err != nil {
		return nil, fmt.Errorf("silences: %w", err)
	}
	return out, nil
}

// SaveSilence inserts a silence whose ID is zero, setting its ID, or
// updates the one with its ID (alerting.ErrNotFound if none).
func (db *DB) SaveSilence(ctx context.Context, s *alerting.Silence) error {
	args := store.SilenceValues(s)
	if s.ID == 0 {
		if err := db.pool.QueryRow(ctx, `INSERT INTO silences(matchers, starts_at, ends_at, created_by, comment,
			created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, args...).Scan(&s.ID); err != nil {
			return fmt.Errorf("save silence: %w", err)
		}
		return nil
	}
	tag, err := db.pool.Exec(ctx, `UPDATE silences SET matchers = $1, starts_at = $2, ends_at = $3,
		created_by = $4, comment = $5, created_at = $6, updated_at = $7 WHERE id = $8`, append(args, s.ID)...)
	if err != nil {
		return fmt.Errorf("save silence %d: %w", s.ID, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("save silence %d: %w", s.ID, alerting.ErrNotFound)
	}
	return nil
}

const outboxColumns = `id, receiver, integration, group_key, reason, payload, attempts, next_attempt, status,
	last_error, created_at, sent_at`

// DueNotifications returns up to limit queued or failed entries whose next
// attempt is at or before now, oldest first, leaving out the ids in skip.
func (db *DB) DueNotifications(ctx context.Context, now time.Time, limit int, skip []int64) ([]alerting.OutboxEntry, error) {
	if skip == nil {
		skip = []int64{}
	}
	return db.outbox(ctx, `SELECT `+outboxColumns+` FROM notifications WHERE status IN ('queued', 'failed')
		AND next_attempt <= $1 AND NOT id = ANY($2) ORDER BY next_attempt COLLATE "C", id LIMIT $3`, store.AlertTime(now), skip, limit)
}

// Notifications returns the outbox entries the filter selects, newest
// first.
func (db *DB) Notifications(ctx context.Context, f store.OutboxFilter) ([]alerting.OutboxEntry, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	return db.outbox(ctx, `SELECT `+outboxColumns+` FROM notifications WHERE ($1 = '' OR status = $1)
		AND ($2 = '' OR receiver = $2) ORDER BY id DESC LIMIT $3`, string(f.Status), f.Receiver, limit)
}

func (db *DB) outbox(ctx context.Context, q string, args ...any) ([]alerting.OutboxEntry, error) {
	rows, err := db.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("read outbox: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (alerting.OutboxEntry, error) {
		var e alerting.OutboxEntry
		var payload, reason, status string
		var next, created, sent *string
		if err := row.Scan(&e.ID, &e.Receiver, &e.Integration, &e.GroupKey, &reason, &payload, &e.Attempts,
			&next, &status, &e.LastError, &created, &sent); err != nil {
			return e, err
		}
		e.Payload, e.Reason, e.Status = []byte(payload), alerting.Reason(reason), alerting.OutboxStatus(status)
		var errs [3]error
		e.NextAttempt, errs[0] = store.AlertTimeOf(next)
		e.CreatedAt, errs[1] = store.AlertTimeOf(created)
		e.SentAt, errs[2] = store.AlertTimeOf(sent)
		if err := firstErr(errs[:]...); err != nil {
			return e, fmt.Errorf("outbox entry %d: %w", e.ID, err)
		}
		return e, nil
	})
	if err != nil {
		return nil, fmt.Errorf("read outbox: %w", err)
	}
	return out, nil
}

// StartNotificationAttempt records, before a send, that an attempt
// begins; it reports false if the entry is no longer to be sent.
func (db *DB) StartNotificationAttempt(ctx context.Context, id int64) (bool, error) {
	tag, err := db.pool.Exec(ctx, `UPDATE notifications SET attempts = attempts + 1, status = 'queued'
		WHERE id = $1 AND status IN ('queued', 'failed')`, id)
	if err != nil {
		return false, fmt.Errorf("record an attempt of notification %d: %w", id, err)
	}
	return tag.RowsAffected() > 0, nil
}

// MarkNotificationSent marks an entry sent and stamps its log entry, in
// one transaction; it reports false if the entry was already sent.
func (db *DB) MarkNotificationSent(ctx context.Context, id int64, at time.Time) (bool, error) {
	var marked bool
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE notifications SET status = 'sent', sent_at = $1, last_error = ''
			WHERE id = $2 AND status IN ('queued', 'failed')`, store.AlertTime(at), id)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		marked = true
		_, err = tx.Exec(ctx, `UPDATE notification_log l SET sent_at = $1 FROM notifications n
			WHERE n.id = $2 AND l.receiver = n.receiver AND l.group_key = n.group_key`, store.AlertTime(at), id)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("mark notification %d sent: %w", id, err)
	}
	return marked, nil
}

// MarkNotificationFailed records a failed attempt: retried at next, or
// dead.
func (db *DB) MarkNotificationFailed(ctx context.Context, id int64, attempts int, next time.Time, msg string, dead bool) error {
	status := alerting.StatusFailed
	if dead {
		status = alerting.StatusDead
	}
	if _, err := db.pool.Exec(ctx, `UPDATE notifications SET status = $1, attempts = $2, next_attempt = $3,
		last_error = $4 WHERE id = $5 AND status IN ('queued', 'failed')`,
		string(status), attempts, store.AlertTime(next), msg, id); err != nil {
		return fmt.Errorf("mark notification %d failed: %w", id, err)
	}
	return nil
}

// OutboxLength counts the entries not yet sent nor dead.
func (db *DB) OutboxLength(ctx context.Context) (int, error) {
	var n int
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM notifications WHERE status IN ('queued', 'failed')`).Scan(&n); err != nil {
		return 0, fmt.Errorf("outbox length: %w", err)
	}
	return n, nil
}

// PurgeNotifications deletes sent and dead entries created before the
// time and returns how many.
func (db *DB) PurgeNotifications(ctx context.Context, before time.Time) (int64, error) {
	tag, err := db.pool.Exec(ctx, `DELETE FROM notifications WHERE status IN ('sent', 'dead') AND created_at < $1`, store.AlertTime(before))
	if err != nil {
		return 0, fmt.Errorf("purge notifications: %w", err)
	}
	return tag.RowsAffected(), nil
}
