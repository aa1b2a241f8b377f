package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/chiso-vn/chiso"
)

// obsColumns are the observation columns every read selects, in the order
// rowScanner scans them.
const obsColumns = `o.id, o.series_id, o.period, o.revision, o.value, o.qualifier, o.raw, o.source_id,
	o.reported_on, o.method, o.ingested_at`

// The scan queries. A full scan of current figures walks current in key order
// (series, then period) and fetches each revision by id; an incremental one
// walks only the revisions after the caller's last id and keeps those that
// are current.
const (
	scanCurrentAll   = `SELECT ` + obsColumns + ` FROM current c JOIN observations o ON o.id = c.obs_id WHERE ? = 0`
	scanCurrentAfter = `SELECT ` + obsColumns + ` FROM observations o WHERE o.id > ?
		AND o.id = (SELECT c.obs_id FROM current c WHERE c.series_id = o.series_id AND c.period = o.period) ORDER BY o.id`
	scanRevisions = `SELECT ` + obsColumns + ` FROM observations o WHERE o.id > ? ORDER BY o.id`
)

// Scan streams observations to fn: the current revision of every cell, or
// every revision when allRevisions is set. With afterID > 0 it streams only
// those whose id is greater: what changed since a caller last looked. It
// returns the largest id in the database when the scan began, to pass as
// afterID next time. The scan reads one consistent snapshot; an error from
// fn stops it and is returned.
func (db *DB) Scan(ctx context.Context, afterID int64, allRevisions bool, fn func(chiso.Observation) error) (lastID int64, err error) {
	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return 0, fmt.Errorf("scan: %w", err)
	}
	defer tx.Rollback()
	if lastID, err = maxID(ctx, tx); err != nil {
		return 0, fmt.Errorf("scan: %w", err)
	}
	query := scanCurrentAll
	switch {
	case allRevisions:
		query = scanRevisions
	case afterID > 0:
		query = scanCurrentAfter
	}
	if err := db.stream(ctx, tx, fn, query, afterID); err != nil {
		return 0, fmt.Errorf("scan: %w", err)
	}
	return max(lastID, afterID), nil
}

// stream runs query and hands each observation to fn.
func (db *DB) stream(ctx context.Context, tx *sql.Tx, fn func(chiso.Observation) error, query string, args ...any) error {
	series, sources, err := db.names.load(ctx, tx)
	if err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	sc := rowScanner{series: series, sources: sources, methods: map[string]string{}}
	for rows.Next() {
		o, err := sc.scan(rows)
		if err != nil {
			return err
		}
		if err := fn(o); err != nil {
			return err
		}
	}
	return rows.Err()
}

// rowScanner turns rows into observations with reused scan variables and
// shared code strings, so that a row costs no allocation unless it carries
// raw text.
type rowScanner struct {
	series  []seriesName
	sources []string
	methods map[string]string

	id, seriesID, ingested int64
	period, revision, qual int64
	value                  float64
	raw, method            sql.RawBytes
	source, reported       sql.NullInt64
}

func (s *rowScanner) scan(rows *sql.Rows) (chiso.Observation, error) {
	if err := rows.Scan(&s.id, &s.seriesID, &s.period, &s.revision, &s.value, &s.qual, &s.raw,
		&s.source, &s.reported, &s.method, &s.ingested); err != nil {
		return chiso.Observation{}, err
	}
	if s.seriesID <= 0 || s.seriesID >= int64(len(s.series)) {
		return chiso.Observation{}, fmt.Errorf("observation %d: unknown series %d", s.id, s.seriesID)
	}
	name := s.series[s.seriesID]
	p, _ := chiso.PeriodFromKey(int32(s.period))
	o := chiso.Observation{Indicator: name.indicator, Area: name.area, Period: p, Value: s.value,
		Qualifier: chiso.Qualifier(s.qual), Revision: int(s.revision), ID: s.id,
		IngestedAt: time.Unix(0, s.ingested).UTC(), Method: s.intern(s.method)}
	if len(s.raw) > 0 {
		o.Raw = string(s.raw)
	}
	if s.source.Valid && s.source.Int64 < int64(len(s.sources)) {
		o.Source = s.sources[s.source.Int64]
	}
	if s.reported.Valid {
		o.ReportedOn = time.Unix(s.reported.Int64, 0).UTC()
	}
	return o, nil
}

// intern returns one shared string per distinct method tag.
func (s *rowScanner) intern(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if v, ok := s.methods[string(b)]; ok {
		return v
	}
	v := string(b)
	s.methods[v] = v
	return v
}

// maxID returns the largest observation id, 0 for an empty store.
func maxID(ctx context.Context, q queryer) (int64, error) {
	var id int64
	err := q.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM observations`).Scan(&id)
	return id, err
}

// LastID returns the largest observation id: the sequence number of the
// newest revision, 0 for an empty store.
func (db *DB) LastID(ctx context.Context) (int64, error) {
	id, err := maxID(ctx, db.read)
	if err != nil {
		return 0, fmt.Errorf("last id: %w", err)
	}
	return id, nil
}
