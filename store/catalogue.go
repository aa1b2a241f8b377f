package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/chiso-vn/chiso"
)

// Catalogue returns the stored indicators, areas, lineage and targets, each
// ordered by code.
func (db *DB) Catalogue(ctx context.Context) (*chiso.Catalogue, error) {
	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("read catalogue: %w", err)
	}
	defer tx.Rollback()
	cat := &chiso.Catalogue{}
	for _, step := range []func(context.Context, *sql.Tx, *chiso.Catalogue) error{
		readIndicators, readAreas, readLineage, readTargets, readBounds, readSources,
	} {
		if err := step(ctx, tx, cat); err != nil {
			return nil, fmt.Errorf("read catalogue: %w", err)
		}
	}
	return cat, nil
}

func readIndicators(ctx context.Context, tx *sql.Tx, cat *chiso.Catalogue) error {
	rows, err := tx.QueryContext(ctx, `SELECT code, name_vi, name_en, unit, kind, additive, min, max,
		method, concept, description, aliases, integral FROM indicators ORDER BY code`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var ind chiso.Indicator
		var lo, hi sql.NullFloat64
		var aliases string
		if err := rows.Scan(&ind.Code, &ind.NameVI, &ind.NameEN, &ind.Unit, &ind.Kind, &ind.Additive,
			&lo, &hi, &ind.Method, &ind.Concept, &ind.Description, &aliases, &ind.Integral); err != nil {
			return err
		}
		ind.Min, ind.Max = fromNullFloat(lo), fromNullFloat(hi)
		if ind.Aliases, err = ParseList(aliases); err != nil {
			return fmt.Errorf("indicator %s aliases: %w", ind.Code, err)
		}
		cat.Indicators = append(cat.Indicators, ind)
	}
	return rows.Err()
}

func readAreas(ctx context.Context, tx *sql.Tx, cat *chiso.Catalogue) error {
	rows, err := tx.QueryContext(ctx, `SELECT code, name, level, parent, gso_code, valid_from, valid_to, aliases
		FROM areas ORDER BY code`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var a chiso.Area
		var from, to sql.NullString
		var aliases string
		if err := rows.Scan(&a.Code, &a.Name, &a.Level, &a.Parent, &a.GSOCode, &from, &to, &aliases); err != nil {
			return err
		}
		if a.Aliases, err = ParseList(aliases); err != nil {
			return fmt.Errorf("area %s aliases: %w", a.Code, err)
		}
		if a.ValidFrom, err = parseDate(from); err != nil {
			return fmt.Errorf("area %s valid_from: %w", a.Code, err)
		}
		if a.ValidTo, err = parseDate(to); err != nil {
			return fmt.Errorf("area %s valid_to: %w", a.Code, err)
		}
		cat.Areas = append(cat.Areas, a)
	}
	return rows.Err()
}

func readLineage(ctx context.Context, tx *sql.Tx, cat *chiso.Catalogue) error {
	rows, err := tx.QueryContext(ctx, `SELECT from_code, to_code, effective, kind FROM lineage ORDER BY from_code, to_code`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var l chiso.Lineage
		var eff sql.NullString
		if err := rows.Scan(&l.From, &l.To, &eff, &l.Kind); err != nil {
			return err
		}
		if l.Effective, err = parseDate(eff); err != nil {
			return fmt.Errorf("lineage %s→%s effective: %w", l.From, l.To, err)
		}
		cat.Lineage = append(cat.Lineage, l)
	}
	return rows.Err()
}

func readTargets(ctx context.Context, tx *sql.Tx, cat *chiso.Catalogue) error {
	rows, err := tx.QueryContext(ctx, `SELECT indicator, area, period, op, value, source, description_vi, description_en,
		valid_from, valid_to FROM targets ORDER BY indicator, area, period`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var t chiso.Target
		var key int32
		var from, to sql.NullString
		if err := rows.Scan(&t.Indicator, &t.Area, &key, &t.Op, &t.Value, &t.Source, &t.DescriptionVI, &t.DescriptionEN, &from, &to); err != nil {
			return err
		}
		t.Period, _ = chiso.PeriodFromKey(key)
		if t.ValidFrom, err = parseDate(from); err != nil {
			return fmt.Errorf("target %s %s %s valid_from: %w", t.Indicator, t.Area, t.Period, err)
		}
		if t.ValidTo, err = parseDate(to); err != nil {
			return fmt.Errorf("target %s %s %s valid_to: %w", t.Indicator, t.Area, t.Period, err)
		}
		cat.Targets = append(cat.Targets, t)
	}
	return rows.Err()
}

func readBounds(ctx context.Context, tx *sql.Tx, cat *chiso.Catalogue) error {
	rows, err := tx.QueryContext(ctx, `SELECT indicator, valid_from, valid_to, min, max FROM bounds ORDER BY indicator, valid_from`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var b chiso.DatedRange
		var from, to sql.NullString
		var lo, hi sql.NullFloat64
		if err := rows.Scan(&b.Indicator, &from, &to, &lo, &hi); err != nil {
			return err
		}
		b.Min, b.Max = fromNullFloat(lo), fromNullFloat(hi)
		if b.ValidFrom, err = parseDate(from); err != nil {
			return fmt.Errorf("bounds of %s valid_from: %w", b.Indicator, err)
		}
		if b.ValidTo, err = parseDate(to); err != nil {
			return fmt.Errorf("bounds of %s valid_to: %w", b.Indicator, err)
		}
		cat.Bounds = append(cat.Bounds, b)
	}
	return rows.Err()
}

func readSources(ctx context.Context, tx *sql.Tx, cat *chiso.Catalogue) error {
	rows, err := tx.QueryContext(ctx, `SELECT name, title, publisher, published, url FROM sources
		WHERE described = 1 ORDER BY name`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var s chiso.Source
		var published sql.NullString
		if err := rows.Scan(&s.ID, &s.Title, &s.Publisher, &published, &s.URL); err != nil {
			return err
		}
		if s.Published, err = parseDate(published); err != nil {
			return fmt.Errorf("source %s published: %w", s.ID, err)
		}
		cat.Sources = append(cat.Sources, s)
	}
	return rows.Err()
}

// overlappingBounds refuses two stored ranges of one indicator valid on the
// same day, however they came: a new range that overlaps one imported
// earlier must replace it (same valid_from) or end before it. valid_from is
// ” for always and valid_to NULL for still, so the dates compare as text.
func overlappingBounds(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT a.indicator, a.valid_from, coalesce(a.valid_to, ''), b.valid_from
		FROM bounds a JOIN bounds b ON a.indicator = b.indicator AND a.valid_from < b.valid_from
			AND (a.valid_to IS NULL OR a.valid_to >= b.valid_from)
		ORDER BY a.indicator, a.valid_from, b.valid_from LIMIT 20`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var p Problems
	for rows.Next() {
		var ind, from, to, next string
		if err := rows.Scan(&ind, &from, &to, &next); err != nil {
			return err
		}
		p.Addf("bounds of %s: the range valid from %s to %s overlaps the one from %s; end the first the day before the second starts",
			ind, cmp.Or(from, "always"), cmp.Or(to, "now"), next)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return p.Err()
}

// ImportCatalogue upserts every entry of cat by its code (lineage by from
// and to, targets by indicator, area and deadline) in one transaction and
// returns how many rows it inserted or changed. Entries missing from cat are
// kept: the store never deletes an indicator or an area. Every entry is
// validated first and all problems are reported at once.
func (db *DB) ImportCatalogue(ctx context.Context, cat *chiso.Catalogue) (changed int, err error) {
	if err := ValidateCatalogue(cat); err != nil {
		return 0, fmt.Errorf("import catalogue: %w", err)
	}
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("import catalogue: %w", err)
	}
	defer tx.Rollback()
	var version int64
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) + 1 FROM catalogue_versions`).Scan(&version); err != nil {
		return 0, fmt.Errorf("import catalogue: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO catalogue_versions(version, changed) VALUES (?, 0)`, version); err != nil {
		return 0, fmt.Errorf("import catalogue: %w", err)
	}
	if changed, err = upsertCatalogue(ctx, tx, cat, version); err != nil {
		return 0, fmt.Errorf("import catalogue: %w", err)
	}
	if err := overlappingBounds(ctx, tx); err != nil {
		return 0, fmt.Errorf("import catalogue: %w", err)
	}
	if changed == 0 {
		return 0, nil // nothing changed: no new catalogue version
	}
	if _, err := tx.ExecContext(ctx, `UPDATE catalogue_versions SET changed = ? WHERE version = ?`, changed, version); err != nil {
		return 0, fmt.Errorf("import catalogue: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("import catalogue: %w", err)
	}
	return changed, nil
}

// Each upsert changes a row only when a column differs, so that the number
// of changes SQLite reports is the number of entries that really changed.
const (
	upsertIndicator = `INSERT INTO indicators(code, name_vi, name_en, unit, kind, additive, min, max, method, concept, description, aliases, integral, version)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT(code) DO UPDATE SET name_vi = excluded.name_vi, name_en = excluded.name_en, unit = excluded.unit,
			kind = excluded.kind, additive = excluded.additive, min = excluded.min, max = excluded.max,
			method = excluded.method, concept = excluded.concept, description = excluded.description,
			aliases = excluded.aliases, integral = excluded.integral, version = excluded.version
		WHERE (name_vi, name_en, unit, kind, additive, method, concept, description, aliases, integral) IS NOT
			(excluded.name_vi, excluded.name_en, excluded.unit, excluded.kind, excluded.additive, excluded.method, excluded.concept,
			excluded.description, excluded.aliases, excluded.integral)
			OR min IS NOT excluded.min OR max IS NOT excluded.max`
	upsertArea = `INSERT INTO areas(code, name, level, parent, gso_code, valid_from, valid_to, aliases, version)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT(code) DO UPDATE SET name = excluded.name, level = excluded.level, parent = excluded.parent,
			gso_code = excluded.gso_code, valid_from = excluded.valid_from, valid_to = excluded.valid_to,
			aliases = excluded.aliases, version = excluded.version
		WHERE name IS NOT excluded.name OR level IS NOT excluded.level OR parent IS NOT excluded.parent
			OR gso_code IS NOT excluded.gso_code OR valid_from IS NOT excluded.valid_from OR valid_to IS NOT excluded.valid_to
			OR aliases IS NOT excluded.aliases`
	upsertLineage = `INSERT INTO lineage(from_code, to_code, effective, kind, version) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT(from_code, to_code) DO UPDATE SET effective = excluded.effective, kind = excluded.kind, version = excluded.version
		WHERE effective IS NOT excluded.effective OR kind IS NOT excluded.kind`
	upsertTarget = `INSERT INTO targets(indicator, area, period, op, value, source, description_vi, description_en, valid_from, valid_to, version)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT(indicator, area, period) DO UPDATE SET op = excluded.op, value = excluded.value, source = excluded.source,
			description_vi = excluded.description_vi, description_en = excluded.description_en,
			valid_from = excluded.valid_from, valid_to = excluded.valid_to, version = excluded.version
		WHERE op IS NOT excluded.op OR value IS NOT excluded.value OR source IS NOT excluded.source
			OR description_vi IS NOT excluded.description_vi OR description_en IS NOT excluded.description_en
			OR valid_from IS NOT excluded.valid_from OR valid_to IS NOT excluded.valid_to`
	upsertBounds = `INSERT INTO bounds(indicator, valid_from, valid_to, min, max, version) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT(indicator, valid_from) DO UPDATE SET valid_to = excluded.valid_to, min = excluded.min, max = excluded.max,
			version = excluded.version
		WHERE valid_to IS NOT excluded.valid_to OR min IS NOT excluded.min OR max IS NOT excluded.max`
	upsertSource = `INSERT INTO sources(name, title, publisher, published, url, described) VALUES (?, ?, ?, ?, ?, 1)
		ON CONFLICT(name) DO UPDATE SET title = excluded.title, publisher = excluded.publisher,
			published = excluded.published, url = excluded.url, described = 1
		WHERE title IS NOT excluded.title OR publisher IS NOT excluded.publisher
			OR published IS NOT excluded.published OR url IS NOT excluded.url OR described IS NOT 1`
)

// upserts holds the upsert of each table CatalogueRows names.
var upserts = map[string]string{
	"indicators": upsertIndicator, "areas": upsertArea, "lineage": upsertLineage,
	"targets": upsertTarget, "bounds": upsertBounds, "sources": upsertSource,
}

// upsertCatalogue writes every entry and counts the rows that changed.
func upsertCatalogue(ctx context.Context, tx *sql.Tx, cat *chiso.Catalogue, version int64) (int, error) {
	changed := 0
	err := CatalogueRows(cat, version, func(table, what string, args []any) error {
		res, err := tx.ExecContext(ctx, upserts[table], args...)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		n, _ := res.RowsAffected()
		changed += int(n)
		return nil
	})
	if err != nil {
		return 0, err
	}
	return changed, nil
}

// CatalogueRows calls row for each entry of cat, in the order both stores
// write them: indicators, areas, lineage, targets, bounds, then sources.
// table names the table the entry goes to, what names the entry for an
// error, and args are the values of the table's upsert in column order,
// version last (but for sources, which have none). An unbounded minimum or
// maximum (NaN) and a missing date are a nil any, which database/sql and
// pgx both store as NULL. CatalogueRows stops at the first error row
// returns, and returns it.
func CatalogueRows(cat *chiso.Catalogue, version int64, row func(table, what string, args []any) error) error {
	for _, i := range cat.Indicators {
		if err := row("indicators", "indicator "+i.Code, []any{i.Code, i.NameVI, i.NameEN, i.Unit, string(i.Kind), i.Additive,
			nullFloat(i.Min), nullFloat(i.Max), i.Method, i.Concept, i.Description, formatList(i.Aliases), i.Integral, version}); err != nil {
			return err
		}
	}
	for _, a := range cat.Areas {
		if err := row("areas", "area "+a.Code, []any{a.Code, a.Name, string(a.Level), a.Parent, a.GSOCode,
			nullDate(a.ValidFrom), nullDate(a.ValidTo), formatList(a.Aliases), version}); err != nil {
			return err
		}
	}
	for _, l := range cat.Lineage {
		if err := row("lineage", "lineage "+l.From+"→"+l.To, []any{l.From, l.To, nullDate(l.Effective), string(l.Kind), version}); err != nil {
			return err
		}
	}
	for _, t := range cat.Targets {
		if err := row("targets", "target "+t.Indicator+" "+t.Area+" "+t.Period.String(), []any{
			t.Indicator, t.Area, t.Period.Key(), string(t.Op), t.Value, t.Source, t.DescriptionVI, t.DescriptionEN,
			nullDate(t.ValidFrom), nullDate(t.ValidTo), version}); err != nil {
			return err
		}
	}
	for _, b := range cat.Bounds {
		from := "" // the key: '' for a range valid since always
		if !b.ValidFrom.IsZero() {
			from = b.ValidFrom.Format(time.DateOnly)
		}
		if err := row("bounds", "bounds of "+b.Indicator+" from "+from, []any{b.Indicator, from, nullDate(b.ValidTo),
			nullFloat(b.Min), nullFloat(b.Max), version}); err != nil {
			return err
		}
	}
	for _, src := range cat.Sources {
		if err := row("sources", "source "+src.ID, []any{src.ID, src.Title, src.Publisher, nullDate(src.Published), src.URL}); err != nil {
			return err
		}
	}
	return nil
}

// nullFloat is f, or nil (NULL) for NaN: no bound.
func nullFloat(f float64) any {
	if math.IsNaN(f) {
		return nil
	}
	return f
}

// nullDate is t as YYYY-MM-DD, or nil (NULL) for the zero time.
func nullDate(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.Format(time.DateOnly)
}

// ValidateCatalogue reports every invalid entry of cat, all at once, for
// both stores to refuse before they write anything.
func ValidateCatalogue(cat *chiso.Catalogue) error {
	var p Problems
	for i, ind := range cat.Indicators {
		if err := ind.Validate(); err != nil {
			p.Addf("indicators[%d]: %v", i, err)
		}
	}
	for i, a := range cat.Areas {
		if err := a.Validate(); err != nil {
			p.Addf("areas[%d]: %v", i, err)
		}
	}
	for i, b := range cat.Bounds {
		if err := b.Validate(); err != nil {
			p.Addf("bounds[%d]: %v", i, err)
		}
	}
	for i, t := range cat.Targets {
		if !t.Period.Valid() {
			p.Addf("targets[%d] %s %s: invalid period", i, t.Indicator, t.Area)
		}
		if _, err := chiso.ParseOp(string(t.Op)); err != nil {
			p.Addf("targets[%d] %s %s: %v", i, t.Indicator, t.Area, err)
		}
	}
	return p.Err()
}

func fromNullFloat(f sql.NullFloat64) float64 {
	if !f.Valid {
		return math.NaN()
	}
	return f.Float64
}

// formatList stores a list of codes or names (an indicator's aliases, an
// audit entry's areas) as a JSON array, [] for none.
func formatList(list []string) string {
	if len(list) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(list) // a []string always marshals
	return string(b)
}

// ParseList reads a list formatList stored, in either store: nil for none.
func ParseList(s string) ([]string, error) {
	var out []string
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

func parseDate(s sql.NullString) (time.Time, error) {
	if !s.Valid || s.String == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.DateOnly, s.String)
}
