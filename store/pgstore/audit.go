package pgstore

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/store"
)

// AddAudit appends an entry (its ID ignored) and returns the ID given to
// it, above every ID given before. e.At is required.
func (db *DB) AddAudit(ctx context.Context, e chiso.AuditEntry) (int64, error) {
	if e.At.IsZero() {
		return 0, fmt.Errorf("add audit entry: no time")
	}
	var id int64
	if err := db.pool.QueryRow(ctx, `INSERT INTO audit(at, token, remote, action, target, areas, outcome, detail)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, store.AuditValues(&e)...).Scan(&id); err != nil {
		return 0, fmt.Errorf("add audit entry: %w", err)
	}
	return id, nil
}

// AuditEntries returns the entries f selects, newest (highest ID) first,
// at most f.Limit when it is positive.
func (db *DB) AuditEntries(ctx context.Context, f chiso.AuditFilter) ([]chiso.AuditEntry, error) {
	w := store.AuditWhere(f)
	q := `SELECT id, at, token, remote, action, target, areas, outcome, detail FROM audit` + w.SQL(true) + " ORDER BY id DESC"
	if f.Limit > 0 {
		q += " LIMIT " + strconv.Itoa(f.Limit)
	}
	rows, err := db.pool.Query(ctx, q, w.Args...)
	if err != nil {
		return nil, fmt.Errorf("read audit log: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (chiso.AuditEntry, error) {
		var e chiso.AuditEntry
		var at *string
		var areas string
		if err := row.Scan(&e.ID, &at, &e.Token, &e.Remote, &e.Action, &e.Target, &areas, &e.Outcome, &e.Detail); err != nil {
			return e, err
		}
		var err error
		if e.At, err = store.AlertTimeOf(at); err != nil {
			return e, fmt.Errorf("audit entry %d: %w", e.ID, err)
		}
		if e.Areas, err = store.ParseList(areas); err != nil {
			return e, fmt.Errorf("audit entry %d areas: %w", e.ID, err)
		}
		return e, nil
	})
	if err != nil {
		return nil, fmt.Errorf("read audit log: %w", err)
	}
	return out, nil
}

// PruneAudit deletes the entries with At before before, and returns how
// many it deleted.
func (db *DB) PruneAudit(ctx context.Context, before time.Time) (int64, error) {
	tag, err := db.pool.Exec(ctx, `DELETE FROM audit WHERE at < $1`, store.AlertTime(before))
	if err != nil {
		return 0, fmt.Errorf("prune audit log: %w", err)
	}
	return tag.RowsAffected(), nil
}
