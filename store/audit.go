package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/chiso-vn/chiso"
)

// AddAudit appends an entry to the audit log and returns its id, which is
// above every id before it. The entry's At is required: the store never
// reads the clock.
func (db *DB) AddAudit(ctx context.Context, e chiso.AuditEntry) (int64, error) {
	if e.At.IsZero() {
		return 0, fmt.Errorf("add audit entry: no time")
	}
	res, err := db.write.ExecContext(ctx, `INSERT INTO audit(at, token, remote, action, target, areas, outcome, detail)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, AuditValues(&e)...)
	if err != nil {
		return 0, fmt.Errorf("add audit entry: %w", err)
	}
	return res.LastInsertId()
}

// AuditEntries returns the entries the filter selects, newest (highest id)
// first, at most f.Limit of them (all when it is zero or less).
func (db *DB) AuditEntries(ctx context.Context, f chiso.AuditFilter) ([]chiso.AuditEntry, error) {
	w := AuditWhere(f)
	q := `SELECT id, at, token, remote, action, target, areas, outcome, detail FROM audit` + w.SQL(false) + " ORDER BY id DESC"
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	rows, err := db.read.QueryContext(ctx, q, w.Args...)
	if err != nil {
		return nil, fmt.Errorf("read audit log: %w", err)
	}
	defer rows.Close()
	var out []chiso.AuditEntry
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// AuditValues are the values of an audit row but its id, for both stores:
// at, token, remote, action, target, areas, outcome, detail.
func AuditValues(e *chiso.AuditEntry) []any {
	return []any{AlertTime(e.At), e.Token, e.Remote, e.Action, e.Target, formatList(e.Areas), e.Outcome, e.Detail}
}

// AuditWhere returns the conditions of an audit filter, for both stores.
func AuditWhere(f chiso.AuditFilter) *Where {
	var w Where
	if !f.Since.IsZero() {
		w.Add("at >= ?", AlertTime(f.Since))
	}
	if !f.Until.IsZero() {
		w.Add("at < ?", AlertTime(f.Until))
	}
	for _, eq := range []struct{ col, v string }{{"token", f.Token}, {"action", f.Action}, {"outcome", f.Outcome}} {
		if eq.v != "" {
			w.Add(eq.col+" = ?", eq.v)
		}
	}
	if f.Before > 0 {
		w.Add("id < ?", f.Before)
	}
	return &w
}

func scanAudit(rows *sql.Rows) (chiso.AuditEntry, error) {
	var e chiso.AuditEntry
	var at sql.NullString
	var areas string
	if err := rows.Scan(&e.ID, &at, &e.Token, &e.Remote, &e.Action, &e.Target, &areas, &e.Outcome, &e.Detail); err != nil {
		return e, fmt.Errorf("read audit log: %w", err)
	}
	var err error
	if e.At, err = alertTimeOf(at); err != nil {
		return e, fmt.Errorf("audit entry %d: %w", e.ID, err)
	}
	if e.Areas, err = ParseList(areas); err != nil {
		return e, fmt.Errorf("audit entry %d areas: %w", e.ID, err)
	}
	return e, nil
}

// PruneAudit deletes the entries older than before and reports how many.
func (db *DB) PruneAudit(ctx context.Context, before time.Time) (int64, error) {
	res, err := db.write.ExecContext(ctx, `DELETE FROM audit WHERE at < ?`, AlertTime(before))
	if err != nil {
		return 0, fmt.Errorf("prune audit log: %w", err)
	}
	return res.RowsAffected()
}
