package pgstore

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/store"
)

// Catalogue returns the stored indicators, areas, lineage, targets, bounds
// and described sources, each list ordered by code, read in one snapshot.
func (db *DB) Catalogue(ctx context.Context) (*chiso.Catalogue, error) {
	cat := &chiso.Catalogue{}
	err := db.snapshot(ctx, func(tx pgx.Tx) error {
		for _, step := range []func(context.Context, pgx.Tx, *chiso.Catalogue) error{
			readIndicators, readAreas, readLineage, readTargets, readBounds, readSources,
		} {
			if err := step(ctx, tx, cat); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read catalogue: %w", err)
	}
	return cat, nil
}

func readIndicators(ctx context.Context, tx pgx.Tx, cat *chiso.Catalogue) error {
	rows, err := tx.Query(ctx, `SELECT code, name_vi, name_en, unit, kind, additive, min, max,
		method, concept, description, aliases, integral FROM indicators ORDER BY code`)
	if err != nil {
		return err
	}
	var ind chiso.Indicator
	var kind, aliases string
	var lo, hi *float64
	_, err = pgx.ForEachRow(rows, []any{&ind.Code, &ind.NameVI, &ind.NameEN, &ind.Unit, &kind, &ind.Additive,
		&lo, &hi, &ind.Method, &ind.Concept, &ind.Description, &aliases, &ind.Integral}, func() error {
		i := ind
		i.Kind, i.Min, i.Max = chiso.IndicatorKind(kind), fromNull(lo), fromNull(hi)
		var err error
		if i.Aliases, err = store.ParseList(aliases); err != nil {
			return fmt.Errorf("indicator %s aliases: %w", i.Code, err)
		}
		cat.Indicators = append(cat.Indicators, i)
		return nil
	})
	return err
}

func readAreas(ctx context.Context, tx pgx.Tx, cat *chiso.Catalogue) error {
	rows, err := tx.Query(ctx, `SELECT code, name, level, parent, gso_code, valid_from, valid_to, aliases
		FROM areas ORDER BY code`)
	if err != nil {
		return err
	}
	var a chiso.Area
	var level, aliases string
	var from, to *string
	_, err = pgx.ForEachRow(rows, []any{&a.Code, &a.Name, &level, &a.Parent, &a.GSOCode, &from, &to, &aliases}, func() error {
		x := a
		x.Level = chiso.AreaLevel(level)
		var err error
		if x.Aliases, err = store.ParseList(aliases); err != nil {
			return fmt.Errorf("area %s aliases: %w", x.Code, err)
		}
		if x.ValidFrom, err = parseDate(from); err != nil {
			return fmt.Errorf("area %s valid_from: %w", x.Code, err)
		}
		if x.ValidTo, err = parseDate(to); err != nil {
			return fmt.Errorf("area %s valid_to: %w", x.Code, err)
		}
		cat.Areas = append(cat.Areas, x)
		return nil
	})
	return err
}

func readLineage(ctx context.Context, tx pgx.Tx, cat *chiso.Catalogue) error {
	rows, err := tx.Query(ctx, `SELECT from_code, to_code, effective, kind FROM lineage ORDER BY from_code, to_code`)
	if err != nil {
		return err
	}
	var l chiso.Lineage
	var eff *string
	var kind string
	_, err = pgx.ForEachRow(rows, []any{&l.From, &l.To, &eff, &kind}, func() error {
		x := l
		x.Kind = chiso.LineageKind(kind)
		var err error
		if x.Effective, err = parseDate(eff); err != nil {
			return fmt.Errorf("lineage %s→%s effective: %w", x.From, x.To, err)
		}
		cat.Lineage = append(cat.Lineage, x)
		return nil
	})
	return err
}

func readTargets(ctx context.Context, tx pgx.Tx, cat *chiso.Catalogue) error {
	rows, err := tx.Query(ctx, `SELECT indicator, area, period, op, value, source, description_vi, description_en,
		valid_from, valid_to FROM targets ORDER BY indicator, area, period`)
	if err != nil {
		return err
	}
	var t chiso.Target
	var key int32
	var op string
	var from, to *string
	_, err = pgx.ForEachRow(rows, []any{&t.Indicator, &t.Area, &key, &op, &t.Value, &t.Source, &t.DescriptionVI,
		&t.DescriptionEN, &from, &to}, func() error {
		x := t
		x.Op = chiso.Op(op)
		x.Period, _ = chiso.PeriodFromKey(key)
		var err error
		if x.ValidFrom, err = parseDate(from); err != nil {
			return fmt.Errorf("target %s %s %s valid_from: %w", x.Indicator, x.Area, x.Period, err)
		}
		if x.ValidTo, err = parseDate(to); err != nil {
			return fmt.Errorf("target %s %s %s valid_to: %w", x.Indicator, x.Area, x.Period, err)
		}
		cat.Targets = append(cat.Targets, x)
		return nil
	})
	return err
}

func readBounds(ctx context.Context, tx pgx.Tx, cat *chiso.Catalogue) error {
	rows, err := tx.Query(ctx, `SELECT indicator, valid_from, valid_to, min, max FROM bounds ORDER BY indicator, valid_from`)
	if err != nil {
		return err
	}
	var b chiso.DatedRange
	var from, to *string
	var lo, hi *float64
	_, err = pgx.ForEachRow(rows, []any{&b.Indicator, &from, &to, &lo, &hi}, func() error {
		x := b
		x.Min, x.Max = fromNull(lo), fromNull(hi)
		var err error
		if x.ValidFrom, err = parseDate(from); err != nil {
			return fmt.Errorf("bounds of %s valid_from: %w", x.Indicator, err)
		}
		if x.ValidTo, err = parseDate(to); err != nil {
			return fmt.Errorf("bounds of %s valid_to: %w", x.Indicator, err)
		}
		cat.Bounds = append(cat.Bounds, x)
		return nil
	})
	return err
}

func readSources(ctx context.Context, tx pgx.Tx, cat *chiso.Catalogue) error {
	rows, err := tx.Query(ctx, `SELECT name, title, publisher, published, url FROM sources
		WHERE described ORDER BY name`)
	if err != nil {
		return err
	}
	var s chiso.Source
	var published *string
	_, err = pgx.ForEachRow(rows, []any{&s.ID, &s.Title, &s.Publisher, &published, &s.URL}, func() error {
		x := s
		var err error
		if x.Published, err = parseDate(published); err != nil {
			return fmt.Errorf("source %s published: %w", x.ID, err)
		}
		cat.Sources = append(cat.Sources, x)
		return nil
	})
	return err
}

// ImportCatalogue upserts a catalogue by code in one transaction and
// returns how many entries it inserted or changed; a catalogue that fails
// validation, or whose dated bounds overlap, stores nothing.
func (db *DB) ImportCatalogue(ctx context.Context, cat *chiso.Catalogue) (changed int, err error) {
	if err := store.ValidateCatalogue(cat); err != nil {
		return 0, fmt.Errorf("import catalogue: %w", err)
	}
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return 0, fmt.Errorf("import catalogue: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if err := lockWriters(ctx, tx); err != nil {
		return 0, fmt.Errorf("import catalogue: %w", err)
	}
	if changed, err = importCatalogue(ctx, tx, cat); err != nil || changed == 0 {
		return 0, err // nothing changed: no new catalogue version
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, fmt.Errorf("import catalogue: %w", err)
	}
	return changed, nil
}

// importCatalogue upserts a valid catalogue in the transaction, which
// holds the writer lock, under a new catalogue version.
func importCatalogue(ctx context.Context, tx pgx.Tx, cat *chiso.Catalogue) (changed int, err error) {
	var version int64
	if err := tx.QueryRow(ctx, `INSERT INTO catalogue_versions(version, changed)
		VALUES ((SELECT coalesce(max(version), 0) + 1 FROM catalogue_versions), 0) RETURNING version`).Scan(&version); err != nil {
		return 0, fmt.Errorf("import catalogue: %w", err)
	}
	if changed, err = upsertCatalogue(ctx, tx, cat, version); err != nil {
		return 0, fmt.Errorf("import catalogue: %w", err)
	}
	if err := overlappingBounds(ctx, tx); err != nil {
		return 0, fmt.Errorf("import catalogue: %w", err)
	}
	if changed == 0 {
		_, err := tx.Exec(ctx, `DELETE FROM catalogue_versions WHERE version = $1`, version)
		return 0, err
	}
	if _, err := tx.Exec(ctx, `UPDATE catalogue_versions SET changed = $1 WHERE version = $2`, changed, version); err != nil {
		return 0, fmt.Errorf("import catalogue: %w", err)
	}
	return changed, nil
}

// The upserts change a row only when a column differs, so that the count
// of changed rows says what the catalogue changed.
const (
	upsertIndicator = `INSERT INTO indicators AS t (id, code, name_vi, name_en, unit, kind, additive, min, max, method, concept,
			description, aliases, integral, version)
		VALUES ((SELECT coalesce(max(id), 0) + 1 FROM indicators), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
		ON CONFLICT (code) DO UPDATE SET name_vi = excluded.name_vi, name_en = excluded.name_en, unit = excluded.unit,
			kind = excluded.kind, additive = excluded.additive, min = excluded.min, max = excluded.max,
			method = excluded.method, concept = excluded.concept, description = excluded.description,
			aliases = excluded.aliases, integral = excluded.integral, version = excluded.version
		WHERE (t.name_vi, t.name_en, t.unit, t.kind, t.additive, t.min, t.max, t.method, t.concept, t.description, t.aliases, t.integral)
			IS DISTINCT FROM (excluded.name_vi, excluded.name_en, excluded.unit, excluded.kind, excluded.additive, excluded.min,
			excluded.max, excluded.method, excluded.concept, excluded.description, excluded.aliases, excluded.integral)`
	upsertArea = `INSERT INTO areas AS t (id, code, name, level, parent, gso_code, valid_from, valid_to, aliases, version)
		VALUES ((SELECT coalesce(max(id), 0) + 1 FROM areas), $1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level, parent = excluded.parent,
			gso_code = excluded.gso_code, valid_from = excluded.valid_from, valid_to = excluded.valid_to,
			aliases = excluded.aliases, version = excluded.version
		WHERE (t.name, t.level, t.parent, t.gso_code, t.valid_from, t.valid_to, t.aliases) IS DISTINCT FROM
			(excluded.name, excluded.level, excluded.parent, excluded.gso_code, excluded.valid_from, excluded.valid_to, excluded.aliases)`
	upsertLineage = `INSERT INTO lineage AS t (from_code, to_code, effective, kind, version) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (from_code, to_code) DO UPDATE SET effective = excluded.effective, kind = excluded.kind, version = excluded.version
		WHERE (t.effective, t.kind) IS DISTINCT FROM (excluded.effective, excluded.kind)`
	upsertTarget = `INSERT INTO targets AS t (indicator, area, period, op, value, source, description_vi, description_en,
			valid_from, valid_to, version)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		ON CONFLICT (indicator, area, period) DO UPDATE SET op = excluded.op, value = excluded.value, source = excluded.source,
			description_vi = excluded.description_vi, description_en = excluded.description_en,
			valid_from = excluded.valid_from, valid_to = excluded.valid_to, version = excluded.version
		WHERE (t.op, t.value, t.source, t.description_vi, t.description_en, t.valid_from, t.valid_to) IS DISTINCT FROM
			(excluded.op, excluded.value, excluded.source, excluded.description_vi, excluded.description_en,
			excluded.valid_from, excluded.valid_to)`
	upsertBounds = `INSERT INTO bounds AS t (indicator, valid_from, valid_to, min, max, version) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (indicator, valid_from) DO UPDATE SET valid_to = excluded.valid_to, min = excluded.min, max = excluded.max,
			version = excluded.version
		WHERE (t.valid_to, t.min, t.max) IS DISTINCT FROM (excluded.valid_to, excluded.min, excluded.max)`
	upsertSource = `INSERT INTO sources AS t (id, name, title, publisher, published, url, described)
		VALUES ((SELECT coalesce(max(id), 0) + 1 FROM sources), $1, $2, $3, $4, $5, true)
		ON CONFLICT (name) DO UPDATE SET title = excluded.title, publisher = excluded.publisher,
			published = excluded.published, url = excluded.url, described = true
		WHERE (t.title, t.publisher, t.published, t.url, t.described) IS DISTINCT FROM
			(excluded.title, excluded.publisher, excluded.published, excluded.url, true)`
)

// upserts holds the upsert of each table store.CatalogueRows names.
var upserts = map[string]string{
	"indicators": upsertIndicator, "areas": upsertArea, "lineage": upsertLineage,
	"targets": upsertTarget, "bounds": upsertBounds, "sources": upsertSource,
}

// upsertCatalogue writes every entry and counts the rows it changed.
func upsertCatalogue(ctx context.Context, tx pgx.Tx, cat *chiso.Catalogue, version int64) (int, error) {
	changed := 0
	err := store.CatalogueRows(cat, version, func(table, what string, args []any) error {
		tag, err := tx.Exec(ctx, upserts[table], args...)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		changed += int(tag.RowsAffected())
		return nil
	})
	if err != nil {
		return 0, err
	}
	return changed, nil
}

// overlappingBounds refuses dated bounds of one indicator that overlap.
func overlappingBounds(ctx context.Context, tx pgx.Tx) error {
	rows, err := tx.Query(ctx, `SELECT a.indicator, a.valid_from, coalesce(a.valid_to, ''), b.valid_from
		FROM bounds a JOIN bounds b ON a.indicator = b.indicator AND a.valid_from < b.valid_from
			AND (a.valid_to IS NULL OR a.valid_to >= b.valid_from)
		ORDER BY a.indicator, a.valid_from, b.valid_from LIMIT 20`)
	if err != nil {
		return err
	}
	var p store.Problems
	var ind, from, to, next string
	if _, err := pgx.ForEachRow(rows, []any{&ind, &from, &to, &next}, func() error {
		p.Addf("bounds of %s: the range valid from %s to %s overlaps the one from %s; end the first the day before the second starts",
			ind, cmp.Or(from, "always"), cmp.Or(to, "now"), next)
		return nil
	}); err != nil {
		return err
	}
	return p.Err()
}

func fromNull(f *float64) float64 {
	if f == nil {
		return math.NaN()
	}
	return *f
}

func parseDate(s *string) (time.Time, error) {
	if s == nil || *s == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.DateOnly, *s)
}
