package store

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/internal/synth"
)

// figuresAsObservations collects what ScanFigures hands over, as the
// observations Scan would stream without Raw, ReportedOn and IngestedAt.
func figuresAsObservations(t *testing.T, db *DB) ([]chiso.Observation, int64) {
	t.Helper()
	var out []chiso.Observation
	last, err := db.ScanFigures(context.Background(), func(f *SeriesFigures) error {
		if !slices.IsSorted(f.Periods) {
			t.Errorf("%s %s: periods %v not sorted", f.Indicator, f.Area, f.Periods)
		}
		for i := range f.Len() {
			p, _ := chiso.PeriodFromKey(f.Periods[i])
			out = append(out, chiso.Observation{Indicator: f.Indicator, Area: f.Area, Period: p, Value: f.Values[i],
				Qualifier: f.Qualifiers[i], Revision: int(f.Revisions[i]), ID: f.IDs[i],
				Source: f.SourceNames[f.Sources[i]], Method: f.MethodNames[f.Methods[i]]})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(out, func(a, b chiso.Observation) int { return int(a.ID - b.ID) })
	return out, last
}

// sameAsScan fails the test unless ScanFigures hands over what Scan streams.
func sameAsScan(t *testing.T, db *DB) int {
	t.Helper()
	rows, last := scanAll(t, db, 0, false)
	figs, lastF := figuresAsObservations(t, db)
	if last != lastF {
		t.Errorf("ScanFigures returned last id %d, Scan %d", lastF, last)
	}
	if len(rows) != len(figs) {
		t.Fatalf("ScanFigures handed over %d figures, Scan %d", len(figs), len(rows))
	}
	for i := range rows {
		o := rows[i]
		o.Raw, o.ReportedOn, o.IngestedAt = "", figs[i].ReportedOn, figs[i].IngestedAt
		if o != figs[i] {
			t.Errorf("figure %d = %+v, want %+v", i, figs[i], o)
		}
	}
	return len(rows)
}

func TestScanFiguresMatchesScan(t *testing.T) {
	db := openTest(t, 4, 3)
	base := synth.Grid(4, 3, 6, 0)
	for i := range base {
		switch i % 5 {
		case 1:
			base[i].Method = "survey"
		case 2:
			base[i].Source, base[i].Qualifier = "other.csv", chiso.About
		case 3:
			base[i].Method, base[i].Raw = "census", "khoảng 5"
		}
	}
	// Periods of several kinds in one series.
	base = append(base, chiso.Observation{Indicator: base[0].Indicator, Area: base[0].Area, Period: chiso.MustParsePeriod("2020"), Value: 1},
		chiso.Observation{Indicator: base[0].Indicator, Area: base[0].Area, Period: chiso.MustParsePeriod("2021-Q3"), Value: -0.5})
	mustImport(t, db, base)
	// Revisions: a value, a qualifier, a method; one cell twice, so that its
	// second revision is superseded; the same figure again.
	rev := []chiso.Observation{base[0], base[7], base[8], base[8], base[9]}
	rev[0].Value = math.Pi
	rev[1].Qualifier = chiso.Over
	rev[2].Method = "model"
	rev[3].Method, rev[3].Value = "model", 1e300
	mustImport(t, db, rev)
	if n := sameAsScan(t, db); n != len(base) {
		t.Errorf("%d current figures, want %d", n, len(base))
	}
	var methods int
	db.read.QueryRow(`SELECT count(*) FROM methods`).Scan(&methods)
	if methods != 3 {
		t.Errorf("%d methods stored, want 3 (survey, census, model)", methods)
	}
	st, err := db.Stats(context.Background())
	if err != nil || st.Observations != int64(len(base)) || st.Revisions != int64(len(base)+4) {
		t.Errorf("stats = %+v, %v; want %d current figures of %d revisions", st, err, len(base), len(base)+4)
	}
	// Re-importing the current figures changes nothing.
	res := mustImport(t, db, []chiso.Observation{rev[0], rev[1], rev[3], rev[4]})
	if res.Added+res.Revised != 0 || res.Unchanged != 4 {
		t.Errorf("re-import: %+v, want 4 unchanged", res.Counts)
	}
}

func TestScanFiguresStopsOnCallbackError(t *testing.T) {
	db := openTest(t, 3, 2)
	mustImport(t, db, synth.Grid(3, 2, 4, 0))
	stop := errors.New("stop")
	n := 0
	_, err := db.ScanFigures(context.Background(), func(*SeriesFigures) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("ScanFigures returned %v after %d series, want stop after 1", err, n)
	}
}

func TestFiguresBlobRoundTripAndMalformed(t *testing.T) {
	cs := cells{
		{period: 2020000, revision: 1, id: 7, value: 1.5, source: 2},
		{period: 2021103, revision: 3, id: 4, value: math.Inf(-1), qualifier: chiso.Nearly, method: 1, source: 2},
		{period: 2021204, revision: 1, id: 900000000000, value: -0, source: 2},
	}
	b := appendCells(nil, cs)
	var f figureColumns
	got, err := decodeCells(nil, b, &f)
	if err != nil || !slices.Equal(got, cs) {
		t.Fatalf("decode = %+v, %v; want %+v", got, err, cs)
	}
	if got, err := decodeCells(nil, appendCells(nil, nil), &f); err != nil || len(got) != 0 {
		t.Errorf("empty series: %+v, %v", got, err)
	}
	for n := range len(b) {
		if _, err := decodeCells(nil, b[:n], &f); !errors.Is(err, errCells) {
			t.Errorf("blob cut to %d of %d bytes: err = %v, want a malformed-figures error", n, len(b), err)
		}
	}
	if _, err := decodeCells(nil, append(slices.Clone(b), 0), &f); !errors.Is(err, errCells) {
		t.Errorf("a byte too many: err = %v", err)
	}
	unsorted := appendCells(nil, cells{cs[1], cs[0]})
	if _, err := decodeCells(nil, unsorted, &f); !errors.Is(err, errCells) {
		t.Errorf("periods out of order: err = %v", err)
	}
	bad := slices.Clone(b)
	bad[0] = 9
	if _, err := decodeCells(nil, bad, &f); !errors.Is(err, errCells) {
		t.Errorf("unknown format: err = %v", err)
	}
}

func TestMigrationFillsSeriesFigures(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "chiso.db")
	// A version-4 database: series_cells holds (period, id) pairs.
	w := openAtVersion(t, path, 4)
	pairs := func(kv ...int64) []byte {
		var b []byte
		for i := 0; i < len(kv); i += 2 {
			b = append(b, byte(kv[i]), byte(kv[i]>>8), byte(kv[i]>>16), byte(kv[i]>>24))
			for s := 0; s < 64; s += 8 {
				b = append(b, byte(kv[i+1]>>s))
			}
		}
		return b
	}
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO catalogue_versions(version, changed) VALUES (1, 3)`, nil},
		{`INSERT INTO indicators VALUES (1, 'x', '', '', 'u', 'count', 1, 0, NULL, '', '', '', 1)`, nil},
		{`INSERT INTO areas VALUES (1, 'A', 'A', 'province', '', '', NULL, NULL, 1), (2, 'B', 'B', 'province', '', '', NULL, NULL, 1)`, nil},
		{`INSERT INTO series VALUES (1, 1, 1), (2, 1, 2)`, nil},
		{`INSERT INTO sources VALUES (1, 'a.csv'), (2, 'b.csv')`, nil},
		{`INSERT INTO imports(id, source, started_at, first_id, last_id) VALUES (1, 'old', 0, 1, 5)`, nil},
		{`INSERT INTO observations(id, series_id, period, revision, prev_id, value, qualifier, raw, source_id, method, ingested_at, import_id)
			VALUES (1, 1, 2024100, 1, NULL, 5, 0, NULL, 1, NULL, 0, 1), (2, 1, 2023100, 1, NULL, 4, 2, 'gần 4', 2, 'survey', 0, 1),
			(3, 1, 2024100, 2, 1, 6, 0, NULL, 1, 'census', 0, 1), (4, 2, 2024100, 1, NULL, 1, 0, NULL, NULL, NULL, 0, 1),
			(5, 1, 2024100, 3, 3, 7, 1, NULL, 2, 'survey', 0, 1)`, nil},
		{`INSERT INTO series_cells VALUES (1, ?), (2, ?)`, []any{pairs(2023100, 2, 2024100, 5), pairs(2024100, 4)}},
	} {
		if _, err := w.Exec(q.sql, q.args...); err != nil {
			t.Fatalf("%s: %v", q.sql, err)
		}
	}
	w.Close()
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n := sameAsScan(t, db); n != 3 {
		t.Errorf("%d current figures after the migration, want 3", n)
	}
	figs, _ := figuresAsObservations(t, db)
	if o := figs[2]; o.ID != 5 || o.Value != 7 || o.Method != "survey" || o.Source != "b.csv" || o.Revision != 3 || o.Qualifier != chiso.Over {
		t.Errorf("figure of x A 2024 = %+v", o)
	}
	var n int
	db.read.QueryRow(`SELECT count(*) FROM sqlite_schema WHERE name = 'series_cells'`).Scan(&n)
	if n != 0 {
		t.Error("series_cells is still there")
	}
	// An import after the migration compares with the migrated figures.
	res := mustImport(t, db, []chiso.Observation{
		{Indicator: "x", Area: "A", Period: chiso.MustParsePeriod("2024"), Value: 7, Qualifier: chiso.Over, Method: "survey", Source: "b.csv"},
		{Indicator: "x", Area: "B", Period: chiso.MustParsePeriod("2024"), Value: 2},
	})
	if res.Unchanged != 1 || res.Revised != 1 {
		t.Errorf("import after the migration: %+v, want 1 unchanged and 1 revised", res.Counts)
	}
	sameAsScan(t, db)
}

func TestMigrationRefusesAMissingCurrentObservation(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "chiso.db")
	w := openAtVersion(t, path, 4)
	blob := []byte{0x84, 0xe4, 0x1e, 0, 9, 0, 0, 0, 0, 0, 0, 0} // period 2024580, observation 9
	if _, err := w.Exec(`INSERT INTO series_cells VALUES (1, ?)`, blob); err != nil {
		t.Fatal(err)
	}
	w.Close()
	if _, err := Open(ctx, path); err == nil || !strings.Contains(err.Error(), "observation 9 is missing") {
		t.Fatalf("Open = %v, want an error naming the missing observation", err)
	}
	// Nothing was changed: the database is still at version 4.
	w, err := openPool(path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	var v int
	w.QueryRow(`SELECT max(version) FROM schema_migrations`).Scan(&v)
	if v != 4 {
		t.Errorf("schema version %d after a failed migration, want 4", v)
	}
}

func TestNamesOfSeriesAddedLater(t *testing.T) {
	ctx := context.Background()
	db := openTest(t, 2, 1)
	mustImport(t, db, synth.Grid(2, 1, 2, 0))
	if n := sameAsScan(t, db); n != 4 {
		t.Fatalf("%d figures, want 4", n)
	}
	// New indicators and areas, then series of them: the name cache reads
	// the codes it has not seen.
	if _, err := db.ImportCatalogue(ctx, synth.Catalogue(4, 3)); err != nil {
		t.Fatal(err)
	}
	mustImport(t, db, synth.Grid(4, 3, 2, 1))
	got, _ := scanAll(t, db, 0, false)
	seen := map[string]bool{}
	for _, o := range got {
		seen[o.Indicator+" "+o.Area] = true
	}
	if len(got) != 24 || len(seen) != 12 || !seen[synth.IndicatorCode(2)+" "+synth.AreaCode(3)] {
		t.Errorf("%d figures in %d series after the catalogue grew, want 24 in 12", len(got), len(seen))
	}
	sameAsScan(t, db)
}

func TestScanFiguresStopsOnCancelAndMidway(t *testing.T) {
	db := openTest(t, 30, 10)
	mustImport(t, db, synth.Grid(30, 10, 3, 0))
	stop := errors.New("stop")
	n := 0
	_, err := db.ScanFigures(context.Background(), func(*SeriesFigures) error {
		if n++; n == 150 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 150 {
		t.Errorf("ScanFigures returned %v after %d series, want stop after 150", err, n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	n = 0
	_, err = db.ScanFigures(ctx, func(*SeriesFigures) error {
		if n++; n == 10 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) || n >= 300 {
		t.Errorf("ScanFigures returned %v after %d of 300 series once cancelled, want context.Canceled", err, n)
	}
	if got, _ := figuresAsObservations(t, db); len(got) != 900 {
		t.Errorf("a full scan handed over %d figures, want 900", len(got))
	}
}
