package pgstore

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/alerting"
	"github.com/chiso-vn/chiso/store"
)

// Source is a store to copy from: the SQLite store (*store.DB).
type Source interface {
	Catalogue(ctx context.Context) (*chiso.Catalogue, error)
	Imports(ctx context.Context, limit int) ([]store.ImportRecord, error)
	Scan(ctx context.Context, afterID int64, allRevisions bool, fn func(chiso.Observation) error) (int64, error)
	Stats(ctx context.Context) (store.Stats, error)
	LoadAlerts(ctx context.Context) ([]chiso.Alert, error)
	AlertHistory(ctx context.Context, f alerting.HistoryFilter) ([]alerting.Event, error)
	Acknowledgements(ctx context.Context, fingerprint string) ([]chiso.Acknowledgement, error)
	Silences(ctx context.Context) ([]alerting.Silence, error)
	Notifications(ctx context.Context, f store.OutboxFilter) ([]alerting.OutboxEntry, error)
	NotificationLog(ctx context.Context) ([]alerting.LogEntry, error)
	AuditEntries(ctx context.Context, f chiso.AuditFilter) ([]chiso.AuditEntry, error)
}

// Counts is how many rows of each kind a store holds.
type Counts struct {
	Indicators, Areas, Series, Imports int64
	Revisions, Current                 int64 // every revision; the cells with a current figure
	Alerts, Transitions, Acks          int64
	Silences, Notifications, LogItems  int64
	Audit                              int64 // audit log entries
}

func (c Counts) String() string {
	return fmt.Sprintf("%d indicators, %d areas, %d series, %d imports, %d revisions (%d current figures), "+
		"%d alerts, %d transitions, %d acknowledgements, %d silences, %d notifications, %d notification log entries, "+
		"%d audit log entries",
		c.Indicators, c.Areas, c.Series, c.Imports, c.Revisions, c.Current, c.Alerts, c.Transitions, c.Acks,
		c.Silences, c.Notifications, c.LogItems, c.Audit)
}

// allRows is a limit that reads every row.
const allRows = math.MaxInt32

// CopyFrom copies everything src holds into this database in one
// transaction: the catalogue, every import and every revision of every
// figure with its id, the alerts, their transitions and acknowledgements,
// the silences, the outbox, the notification log and the audit log,
// keeping their ids
// (an outbox entry's id is its delivery's idempotency key). It then
// counts both sides and commits only when every count matches. Rows
// already here with the same id or key are kept, so that a second run
// changes nothing and succeeds: the copy is idempotent. It returns the
// counts, which are src's.
func (db *DB) CopyFrom(ctx context.Context, src Source) (Counts, error) {
	want, err := sourceCounts(ctx, src)
	if err != nil {
		return Counts{}, fmt.Errorf("count the source: %w", err)
	}
	cat, err := src.Catalogue(ctx)
	if err != nil {
		return Counts{}, err
	}
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return Counts{}, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if err := lockWriters(ctx, tx); err != nil {
		return Counts{}, err
	}
	if _, err := importCatalogue(ctx, tx, cat); err != nil {
		return Counts{}, err
	}
	steps := []struct {
		what string
		run  func(context.Context, pgx.Tx, Source) error
	}{
		{"imports", copyImports}, {"observations", copyObservations}, {"alerts", copyAlerts},
		{"silences", copySilences}, {"outbox", copyOutbox}, {"audit log", copyAudit},
	}
	for _, s := range steps {
		if err := s.run(ctx, tx, src); err != nil {
			return Counts{}, fmt.Errorf("copy %s: %w", s.what, err)
		}
	}
	got, err := countRows(ctx, tx)
	if err != nil {
		return Counts{}, fmt.Errorf("count the copy: %w", err)
	}
	if got != want {
		if now, err := sourceCounts(ctx, src); err == nil && now != want {
			return Counts{}, fmt.Errorf("the source changed while it was copied (a daemon or an import writing to it), nothing was stored; "+
				"stop what writes to it and run again:\n\tbefore %v\n\tafter  %v", want, now)
		}
		return Counts{}, fmt.Errorf("the copy does not match its source, nothing was stored:\n\tsource %v\n\tcopy   %v", want, got)
	}
	if err := tx.Commit(ctx); err != nil {
		return Counts{}, err
	}
	return got, nil
}

// sourceCounts counts what src holds through its interface.
func sourceCounts(ctx context.Context, src Source) (Counts, error) {
	st, err := src.Stats(ctx)
	if err != nil {
		return Counts{}, err
	}
	c := Counts{Indicators: st.Indicators, Areas: st.Areas, Series: st.Series, Imports: st.Imports,
		Revisions: st.Revisions, Current: st.Observations}
	alerts, err := src.LoadAlerts(ctx)
	if err != nil {
		return Counts{}, err
	}
	events, err := src.AlertHistory(ctx, alerting.HistoryFilter{Limit: allRows})
	if err != nil {
		return Counts{}, err
	}
	acks, err := src.Acknowledgements(ctx, "")
	if err != nil {
		return Counts{}, err
	}
	silences, err := src.Silences(ctx)
	if err != nil {
		return Counts{}, err
	}
	outbox, err := src.Notifications(ctx, store.OutboxFilter{Limit: allRows})
	if err != nil {
		return Counts{}, err
	}
	log, err := src.NotificationLog(ctx)
	if err != nil {
		return Counts{}, err
	}
	c.Alerts, c.Transitions, c.Acks = int64(len(alerts)), int64(len(events)), int64(len(acks))
	c.Silences, c.Notifications, c.LogItems = int64(len(silences)), int64(len(outbox)), int64(len(log))
	audit, err := src.AuditEntries(ctx, chiso.AuditFilter{})
	if err != nil {
		return Counts{}, err
	}
	c.Audit = int64(len(audit))
	return c, nil
}

// countRows counts this database's rows in the transaction.
func countRows(ctx context.Context, tx pgx.Tx) (Counts, error) {
	var c Counts
	err := tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM indicators), (SELECT count(*) FROM areas),
		(SELECT count(*) FROM series), (SELECT count(*) FROM imports), (SELECT count(*) FROM observations),
		(SELECT count(*) FROM current), (SELECT count(*) FROM alerts), (SELECT count(*) FROM alert_transitions),
		(SELECT count(*) FROM acknowledgements), (SELECT count(*) FROM silences), (SELECT count(*) FROM notifications),
		(SELECT count(*) FROM notification_log), (SELECT count(*) FROM audit)`).Scan(&c.Indicators, &c.Areas, &c.Series,
		&c.Imports, &c.Revisions, &c.Current, &c.Alerts, &c.Transitions, &c.Acks, &c.Silences, &c.Notifications,
		&c.LogItems, &c.Audit)
	return c, err
}

// Counts counts what the database holds.
func (db *DB) Counts(ctx context.Context) (Counts, error) {
	var c Counts
	err := db.snapshot(ctx, func(tx pgx.Tx) error {
		var err error
		c, err = countRows(ctx, tx)
		return err
	})
	return c, err
}

func copyImports(ctx context.Context, tx pgx.Tx, src Source) error {
	recs, err := src.Imports(ctx, 0)
	if err != nil {
		return err
	}
	var batch pgx.Batch
	for _, r := range recs {
		batch.Queue(`INSERT INTO imports(id, source, started_at, finished_at, added, revised, unchanged, first_id, last_id)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING`,
			r.ID, r.Source, r.StartedAt.UnixNano(), r.FinishedAt, r.Added, r.Revised, r.Unchanged, r.FirstID, r.LastID)
	}
	return sendBatch(ctx, tx, &batch, func(i int) string { return fmt.Sprintf("import %d", recs[i].ID) })
}

// copyObservations streams every revision into a temporary table with
// COPY, then writes the new ones with their previous revisions linked,
// and the current figure of each cell.
func copyObservations(ctx context.Context, tx pgx.Tx, src Source) error {
	im := &importer{ctx: ctx, tx: tx, series: map[[2]int32]int32{}}
	var err error
	if im.indicators, err = codeIDs(ctx, tx, `SELECT code, id FROM indicators`); err != nil {
		return err
	}
	if im.areas, err = codeIDs(ctx, tx, `SELECT code, id FROM areas`); err != nil {
		return err
	}
	if im.sources, err = loadNumbering(ctx, tx, `SELECT name, id FROM sources`); err != nil {
		return err
	}
	if im.methods, err = loadNumbering(ctx, tx, `SELECT name, id FROM methods`); err != nil {
		return err
	}
	if err := im.loadSeries(); err != nil {
		return err
	}
	spans, err := importSpans(ctx, tx)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE copied (
		id bigint NOT NULL, series integer NOT NULL, period integer NOT NULL, revision integer NOT NULL,
		value double precision NOT NULL, qualifier smallint NOT NULL, raw text, source_id integer NOT NULL,
		reported_on bigint, method_id integer NOT NULL, ingested_at bigint NOT NULL, import_id bigint NOT NULL
	) ON COMMIT DROP`); err != nil {
		return err
	}
	c := &copier{im: im, spans: spans}
	if _, err := src.Scan(ctx, 0, true, c.add); err != nil {
		return err
	}
	if err := c.flush(); err != nil {
		return err
	}
	if err := im.writeNames(); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `ANALYZE copied`); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO observations(id, series_id, period, revision, prev_id, value, qualifier, raw,
			source_id, reported_on, method_id, ingested_at, import_id)
		SELECT id, series, period, revision, lag(id) OVER (PARTITION BY series, period ORDER BY id), value, qualifier, raw,
			source_id, reported_on, method_id, ingested_at, import_id FROM copied
		ON CONFLICT (id) DO NOTHING`); err != nil {
		return fmt.Errorf("write revisions: %w", err)
	}
	// a revision already here under the same id must be the same one (a
	// second run): other figures under the same ids are another database's
	var differ int64
	var first *int64
	if err := tx.QueryRow(ctx, `SELECT count(*), min(c.id) FROM copied c JOIN observations o ON o.id = c.id
		WHERE (o.series_id, o.period, o.revision, o.value, o.qualifier, o.raw, o.source_id, o.reported_on, o.method_id,
			o.ingested_at, o.import_id)
		IS DISTINCT FROM (c.series, c.period, c.revision, c.value, c.qualifier, c.raw, c.source_id, c.reported_on, c.method_id,
			c.ingested_at, c.import_id)`).Scan(&differ, &first); err != nil {
		return fmt.Errorf("compare revisions: %w", err)
	}
	if differ > 0 {
		return fmt.Errorf("the target already holds %d revisions under the source's ids with other figures (the first, id %d): "+
			"it holds another database's data; nothing was stored", differ, *first)
	}
	_, err = tx.Exec(ctx, `INSERT INTO current AS c (series_id, period, obs_id, revision, value, qualifier, source_id, method_id)
		SELECT DISTINCT ON (series, period) series, period, id, revision, value, qualifier, source_id, method_id
		FROM copied ORDER BY series, period, id DESC
		ON CONFLICT (series_id, period) DO UPDATE SET obs_id = excluded.obs_id, revision = excluded.revision,
			value = excluded.value, qualifier = excluded.qualifier, source_id = excluded.source_id, method_id = excluded.method_id
		WHERE c.obs_id < excluded.obs_id`)
	if err != nil {
		return fmt.Errorf("write current figures: %w", err)
	}
	return nil
}

// importSpans reads the ids each import wrote, by first id.
func importSpans(ctx context.Context, tx pgx.Tx) ([][3]int64, error) {
	rows, err := tx.Query(ctx, `SELECT first_id, last_id, id FROM imports WHERE first_id > 0 ORDER BY first_id`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) ([3]int64, error) {
		var s [3]int64
		err := r.Scan(&s[0], &s[1], &s[2])
		return s, err
	})
}

// copier buffers scanned revisions for COPY.
type copier struct {
	im    *importer
	spans [][3]int64 // first id, last id, import id
	rows  [][]any
}

func (c *copier) add(o chiso.Observation) error {
	ind, okI := c.im.indicators[o.Indicator]
	area, okA := c.im.areas[o.Area]
	if !okI || !okA {
		return fmt.Errorf("observation %d: %s %s not in the catalogue", o.ID, o.Indicator, o.Area)
	}
	for len(c.spans) > 0 && c.spans[0][1] < o.ID {
		c.spans = c.spans[1:]
	}
	var importID int64
	if len(c.spans) > 0 && c.spans[0][0] <= o.ID {
		importID = c.spans[0][2]
	}
	var raw, reported any
	if o.Raw != "" {
		raw = o.Raw
	}
	if !o.ReportedOn.IsZero() {
		reported = o.ReportedOn.Unix()
	}
	source := int32(0)
	if o.Source != "" {
		source = c.im.sourceNamed(o.Source)
	}
	c.rows = append(c.rows, []any{o.ID, c.im.seriesID(ind, area), o.Period.Key(), int32(o.Revision), o.Value,
		int16(o.Qualifier), raw, source, reported, c.im.method(o.Method), o.IngestedAt.UnixNano(), importID})
	if len(c.rows) == copyBatch {
		return c.flush()
	}
	return nil
}

func (c *copier) flush() error {
	if len(c.rows) == 0 {
		return nil
	}
	_, err := c.im.tx.CopyFrom(c.im.ctx, pgx.Identifier{"copied"}, []string{"id", "series", "period", "revision", "value",
		"qualifier", "raw", "source_id", "reported_on", "method_id", "ingested_at", "import_id"}, pgx.CopyFromRows(c.rows))
	c.rows = c.rows[:0]
	return err
}

// sourceNamed returns the id of a source name, numbering a new one.
func (im *importer) sourceNamed(name string) int32 {
	saved := im.opts.Source
	defer func() { im.opts.Source = saved }()
	im.opts.Source = ""
	return im.source(name)
}

// copyAlerts copies the alerts (upserted by fingerprint), their
// transitions (by id) and acknowledgements (those not here yet).
func copyAlerts(ctx context.Context, tx pgx.Tx, src Source) error {
	alerts, err := src.LoadAlerts(ctx)
	if err != nil {
		return err
	}
	var batch pgx.Batch
	for i := range alerts {
		batch.Queue(upsertAlertSQL, alertArgs(&alerts[i])...)
	}
	events, err := src.AlertHistory(ctx, alerting.HistoryFilter{Limit: allRows})
	if err != nil {
		return err
	}
	for i := range events {
		e := &events[i]
		batch.Queue(`INSERT INTO alert_transitions(id, fingerprint, at, kind, from_state, to_state, alertname, area,
			indicator, labels, value, data_id, note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
			ON CONFLICT (id) DO NOTHING`,
			append([]any{e.ID}, store.EventValues(e, mapJSON(e.Labels))...)...)
	}
	acks, err := src.Acknowledgements(ctx, "")
	if err != nil {
		return err
	}
	slices.Reverse(acks) // oldest first, so that ids keep their order
	for i := range acks {
		batch.Queue(`INSERT INTO acknowledgements(fingerprint, kind, by_whom, at, comment, data_id)
			SELECT $1, $2, $3, $4, $5, $6 WHERE NOT EXISTS (SELECT 1 FROM acknowledgements WHERE fingerprint = $1
				AND kind = $2 AND by_whom = $3 AND at = $4 AND comment = $5 AND data_id = $6)`, store.AckValues(&acks[i])...)
	}
	if err := sendBatch(ctx, tx, &batch, func(i int) string { return fmt.Sprintf("row %d", i+1) }); err != nil {
		return err
	}
	return resetIdentity(ctx, tx, "alert_transitions")
}

func copySilences(ctx context.Context, tx pgx.Tx, src Source) error {
	silences, err := src.Silences(ctx)
	if err != nil {
		return err
	}
	var batch pgx.Batch
	for i := range silences {
		batch.Queue(`INSERT INTO silences(id, matchers, starts_at, ends_at, created_by, comment, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO UPDATE SET matchers = excluded.matchers,
			starts_at = excluded.starts_at, ends_at = excluded.ends_at, created_by = excluded.created_by,
			comment = excluded.comment, created_at = excluded.created_at, updated_at = excluded.updated_at`,
			append([]any{silences[i].ID}, store.SilenceValues(&silences[i])...)...)
	}
	if err := sendBatch(ctx, tx, &batch, func(i int) string { return fmt.Sprintf("silence %d", silences[i].ID) }); err != nil {
		return err
	}
	return resetIdentity(ctx, tx, "silences")
}

// copyOutbox copies the outbox by id, the delivery's idempotency key, so
// that a receiver recognises a notification sent again after the move;
// and the notification log.
func copyOutbox(ctx context.Context, tx pgx.Tx, src Source) error {
	outbox, err := src.Notifications(ctx, store.OutboxFilter{Limit: allRows})
	if err != nil {
		return err
	}
	var batch pgx.Batch
	for _, e := range outbox {
		batch.Queue(`INSERT INTO notifications(id, receiver, integration, group_key, reason, payload, attempts,
			next_attempt, status, last_error, created_at, sent_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
			ON CONFLICT (id) DO UPDATE SET attempts = excluded.attempts, next_attempt = excluded.next_attempt,
			status = excluded.status, last_error = excluded.last_error, sent_at = excluded.sent_at`,
			e.ID, e.Receiver, e.Integration, e.GroupKey, string(e.Reason), string(e.Payload), e.Attempts,
			store.AlertTime(e.NextAttempt), string(e.Status), e.LastError, store.AlertTime(e.CreatedAt), store.AlertTime(e.SentAt))
	}
	log, err := src.NotificationLog(ctx)
	if err != nil {
		return err
	}
	for i := range log {
		batch.Queue(`INSERT INTO notification_log(receiver, group_key, firing, resolved, at, sent_at)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (receiver, group_key) DO UPDATE SET
			firing = excluded.firing, resolved = excluded.resolved, at = excluded.at, sent_at = excluded.sent_at`,
			store.LogValues(&log[i])...)
	}
	if err := sendBatch(ctx, tx, &batch, func(i int) string { return fmt.Sprintf("row %d", i+1) }); err != nil {
		return err
	}
	return resetIdentity(ctx, tx, "notifications")
}

// copyAudit copies the audit log by id.
func copyAudit(ctx context.Context, tx pgx.Tx, src Source) error {
	entries, err := src.AuditEntries(ctx, chiso.AuditFilter{})
	if err != nil {
		return err
	}
	var batch pgx.Batch
	for i := range entries {
		batch.Queue(`INSERT INTO audit(id, at, token, remote, action, target, areas, outcome, detail)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING`,
			append([]any{entries[i].ID}, store.AuditValues(&entries[i])...)...)
	}
	if err := sendBatch(ctx, tx, &batch, func(i int) string { return fmt.Sprintf("audit entry %d", entries[i].ID) }); err != nil {
		return err
	}
	return resetIdentity(ctx, tx, "audit")
}

// resetIdentity moves a table's id sequence past the ids copied in.
func resetIdentity(ctx context.Context, tx pgx.Tx, table string) error {
	_, err := tx.Exec(ctx, `SELECT setval(pg_get_serial_sequence($1, 'id'), max(id)) FROM `+pgx.Identifier{table}.Sanitize()+
		` HAVING max(id) IS NOT NULL`, table)
	return err
}
