package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"
)

// seriesName is the indicator and area code of one series.
type seriesName struct{ indicator, area string }

// nameCache maps the integer ids that observations carry back to codes and
// names. Series and sources are append-only and an indicator or area keeps its
// id for ever, so the cache only grows: a read loads the ids it has not seen.
// Every code string is shared, so a scan allocates none per row.
type nameCache struct {
	mu      sync.Mutex
	series  []seriesName // by series id; index 0 unused
	sources []string     // by source id; index 0 is "" (none)
	imports []importSpan // imports that wrote revisions, by first id
	strs    map[string]string
	// Indicator and area codes by id, read as series name ids not yet
	// seen; a code never changes its id.
	indicators, areas codesByID
}

// codesByID is catalogue codes by id; known tells an entry read from an
// empty slot.
type codesByID struct {
	codes []string
	known []bool
}

// names is what a read needs to turn ids into codes, as of its snapshot.
// The slices are shared with the cache and must not be modified.
type names struct {
	series  []seriesName
	sources []string
	imports []importSpan
}

// importSpan is the range of revision ids an import wrote and when it
// started, which is the ingestion time of each of them.
type importSpan struct {
	first, last int64
	started     time.Time
}

// ingested returns the ingestion time of the revision with the id.
func (nm names) ingested(id int64) time.Time {
	i := sort.Search(len(nm.imports), func(i int) bool { return nm.imports[i].last >= id })
	if i < len(nm.imports) && nm.imports[i].first <= id {
		return nm.imports[i].started
	}
	return time.Time{}
}

func newNameCache() *nameCache {
	return &nameCache{series: make([]seriesName, 1), sources: make([]string, 1), strs: map[string]string{}}
}

// queryer is what a pool and a transaction share.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// load returns the names as of q's snapshot, reading only the ids the cache
// has not seen.
func (c *nameCache) load(ctx context.Context, q queryer) (names, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.loadSeries(ctx, q); err != nil {
		return names{}, fmt.Errorf("load series names: %w", err)
	}
	if err := c.loadSources(ctx, q); err != nil {
		return names{}, fmt.Errorf("load source names: %w", err)
	}
	if err := c.loadImports(ctx, q); err != nil {
		return names{}, fmt.Errorf("load imports: %w", err)
	}
	return names{c.series, c.sources, c.imports}, nil
}

func (c *nameCache) loadImports(ctx context.Context, q queryer) error {
	after := int64(0)
	if n := len(c.imports); n > 0 {
		after = c.imports[n-1].last
	}
	rows, err := q.QueryContext(ctx, `SELECT first_id, last_id, started_at FROM imports
		WHERE first_id > ? ORDER BY first_id`, after)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var span importSpan
		var started int64
		if err := rows.Scan(&span.first, &span.last, &started); err != nil {
			return err
		}
		span.started = time.Unix(0, started).UTC()
		c.imports = append(c.imports, span)
	}
	return rows.Err()
}

// loadSeries reads the series added since the last load. It reads their
// indicator and area ids, which cost less than their codes, and the codes
// of ids not seen before from the catalogue tables.
func (c *nameCache) loadSeries(ctx context.Context, q queryer) error {
	// Sized first: growing these by appending cost more than reading them
	// on large stores (fresh memory is slow to touch).
	var last int64
	if err := q.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM series`).Scan(&last); err != nil {
		return err
	}
	if last < int64(len(c.series)) {
		return nil
	}
	c.series = slices.Grow(c.series, int(last)+1-len(c.series))
	rows, err := q.QueryContext(ctx, `SELECT id, indicator_id, area_id FROM series WHERE id >= ? ORDER BY id`, len(c.series))
	if err != nil {
		return err
	}
	defer rows.Close()
	type ids struct{ series, ind, area int64 }
	added := make([]ids, 0, int(last)+1-len(c.series))
	for rows.Next() {
		var r ids
		if err := rows.Scan(&r.series, &r.ind, &r.area); err != nil {
			return err
		}
		added = append(added, r)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows.Close()
	for _, r := range added {
		ind, err := c.code(ctx, q, &c.indicators, `SELECT id, code FROM indicators WHERE id >= ?`, r.ind)
		if err != nil {
			return err
		}
		area, err := c.code(ctx, q, &c.areas, `SELECT id, code FROM areas WHERE id >= ?`, r.area)
		if err != nil {
			return err
		}
		for int64(len(c.series)) <= r.series {
			c.series = append(c.series, seriesName{})
		}
		c.series[r.series] = seriesName{ind, area}
	}
	return nil
}

// code returns the code with the id, first reading with query the codes of
// ids from the lowest it may lack; an id the table lacks is an error.
func (c *nameCache) code(ctx context.Context, q queryer, t *codesByID, query string, id int64) (string, error) {
	if id >= 0 && id < int64(len(t.known)) && t.known[id] {
		return t.codes[id], nil
	}
	rows, err := q.QueryContext(ctx, query, min(id, int64(len(t.known))))
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var rid int64
	var code sql.RawBytes
	for rows.Next() {
		if err := rows.Scan(&rid, &code); err != nil {
			return "", err
		}
		for int64(len(t.known)) <= rid {
			t.codes, t.known = append(t.codes, ""), append(t.known, false)
		}
		t.codes[rid], t.known[rid] = c.intern(code), true
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	if id < 0 || id >= int64(len(t.known)) || !t.known[id] {
		return "", fmt.Errorf("no catalogue entry %d", id)
	}
	return t.codes[id], nil
}

func (c *nameCache) loadSources(ctx context.Context, q queryer) error {
	rows, err := q.QueryContext(ctx, `SELECT id, name FROM sources WHERE id >= ? ORDER BY id`, len(c.sources))
	if err != nil {
		return err
	}
	defer rows.Close()
	var id int64
	var name sql.RawBytes
	for rows.Next() {
		if err := rows.Scan(&id, &name); err != nil {
			return err
		}
		for int64(len(c.sources)) <= id {
			c.sources = append(c.sources, "")
		}
		c.sources[id] = c.intern(name)
	}
	return rows.Err()
}

// intern returns one shared string per distinct code.
func (c *nameCache) intern(b []byte) string {
	if s, ok := c.strs[string(b)]; ok {
		return s
	}
	s := string(b)
	c.strs[s] = s
	return s
}
