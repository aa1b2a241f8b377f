package pgstore

import (
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/chiso-vn/chiso"
)

// decideSequential decides, in the order they were read, the staged
// figures of the cells where a figure names a revision (an export with
// every revision, imported again): such a figure changes nothing when the
// stored revision it names holds that very figure, so whether a later
// figure of the cell is a revision depends on what came before. These
// cells are few; their decisions go to seqdecide for writeSQL.
func (im *importer) decideSequential() error {
	if len(im.sequential) == 0 {
		return nil
	}
	keys := make([][]any, 0, len(im.sequential))
	for k := range im.sequential {
		keys = append(keys, []any{int32(k >> 32), int32(uint32(k))})
	}
	if _, err := im.tx.Exec(im.ctx, `CREATE TEMP TABLE seqcells (series integer, period integer) ON COMMIT DROP`); err != nil {
		return fmt.Errorf("decide revisions: %w", err)
	}
	if _, err := im.tx.CopyFrom(im.ctx, pgx.Identifier{"seqcells"}, []string{"series", "period"}, pgx.CopyFromRows(keys)); err != nil {
		return fmt.Errorf("decide revisions: %w", err)
	}
	chains, err := im.storedChains()
	if err != nil {
		return fmt.Errorf("decide revisions: %w", err)
	}
	rows, err := im.tx.Query(im.ctx, `SELECT st.seq, st.series, st.period, st.rev, st.value, st.qualifier, st.method_id
		FROM stage st JOIN seqcells k ON k.series = st.series AND k.period = st.period ORDER BY st.seq`)
	if err != nil {
		return fmt.Errorf("decide revisions: %w", err)
	}
	var decided [][]any
	var seq int64
	var series, period, rev int32
	var f figure
	_, err = pgx.ForEachRow(rows, []any{&seq, &series, &period, &rev, &f.value, &f.qualifier, &f.method}, func() error {
		c := chains[cellKey(series, period)]
		if c == nil {
			c = &chain{}
			chains[cellKey(series, period)] = c
		}
		decided = append(decided, []any{seq, c.apply(rev, f)})
		return nil
	})
	if err != nil {
		return fmt.Errorf("decide revisions: %w", err)
	}
	if _, err := im.tx.CopyFrom(im.ctx, pgx.Identifier{"seqdecide"}, []string{"seq", "write"}, pgx.CopyFromRows(decided)); err != nil {
		return fmt.Errorf("decide revisions: %w", err)
	}
	return nil
}

// chain is every revision of one cell, index 0 being revision 1.
type chain struct{ revisions []figure }

// apply decides one figure that names revision rev (0: none) and returns
// whether it is written, as the next revision.
func (c *chain) apply(rev int32, f figure) bool {
	n := int32(len(c.revisions))
	if n > 0 && c.revisions[n-1] == f {
		return false // the current figure
	}
	if rev > 0 && rev < n && c.revisions[rev-1] == f {
		return false // the very revision it names
	}
	c.revisions = append(c.revisions, f)
	return true
}

// storedChains reads every stored revision of the cells in seqcells,
// following each current figure back through prev_id.
func (im *importer) storedChains() (map[uint64]*chain, error) {
	rows, err := im.tx.Query(im.ctx, `WITH RECURSIVE ch AS (
			SELECT o.id, o.prev_id, o.series_id, o.period, o.revision, o.value, o.qualifier, o.method_id
			FROM seqcells k JOIN current c ON c.series_id = k.series AND c.period = k.period
			JOIN observations o ON o.id = c.obs_id
			UNION ALL
			SELECT o.id, o.prev_id, o.series_id, o.period, o.revision, o.value, o.qualifier, o.method_id
			FROM ch JOIN observations o ON o.id = ch.prev_id)
		SELECT series_id, period, revision, value, qualifier, method_id FROM ch`)
	if err != nil {
		return nil, err
	}
	out := map[uint64]*chain{}
	var series, period, rev int32
	var f figure
	_, err = pgx.ForEachRow(rows, []any{&series, &period, &rev, &f.value, &f.qualifier, &f.method}, func() error {
		c := out[cellKey(series, period)]
		if c == nil {
			c = &chain{}
			out[cellKey(series, period)] = c
		}
		for int32(len(c.revisions)) < rev {
			c.revisions = append(c.revisions, figure{value: -1, qualifier: chiso.Qualifier(255)})
		}
		c.revisions[rev-1] = f
		return nil
	})
	return out, err
}
