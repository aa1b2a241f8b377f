package store

import (
	"context"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/internal/synth"
)

// scanAll collects what Scan streams.
func scanAll(t *testing.T, db *DB, after int64, all bool) ([]chiso.Observation, int64) {
	t.Helper()
	var out []chiso.Observation
	last, err := db.Scan(context.Background(), after, all, func(o chiso.Observation) error {
		out = append(out, o)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out, last
}

func TestScanStreamsCurrentThenOnlyWhatChanged(t *testing.T) {
	db := openTest(t, 3, 2)
	base := synth.Grid(3, 2, 4, 0)
	base[5].Raw, base[5].Method, base[5].ReportedOn = "gần 1.900", "mic", time.Date(2024, 11, 27, 0, 0, 0, 0, time.UTC)
	mustImport(t, db, base)
	got, last := scanAll(t, db, 0, false)
	if len(got) != len(base) || last != int64(len(base)) {
		t.Fatalf("full scan: %d observations up to id %d, want %d up to %d", len(got), last, len(base), len(base))
	}
	byID := map[int64]chiso.Observation{}
	for _, o := range got {
		byID[o.ID] = o
	}
	want := base[5]
	want.Revision, want.ID, want.IngestedAt = 1, 6, t0
	if o := byID[6]; !reflect.DeepEqual(o, want) {
		t.Errorf("observation 6 = %+v, want %+v", o, want)
	}

	// Revise two cells, one of them twice, and add one.
	rev := []chiso.Observation{base[0], base[1], base[1]}
	rev[0].Value, rev[1].Value, rev[2].Value = -1, -2, -3
	extra := chiso.Observation{Indicator: base[0].Indicator, Area: base[0].Area, Period: synth.FirstPeriod.Prev(), Value: 9}
	mustImport(t, db, append(rev, extra))
	changed, last2 := scanAll(t, db, last, false)
	if last2 != last+4 {
		t.Errorf("incremental scan returned last id %d, want %d", last2, last+4)
	}
	values := map[float64]bool{}
	for _, o := range changed {
		values[o.Value] = true
	}
	if len(changed) != 3 || !values[-1] || !values[-3] || !values[9] {
		t.Errorf("incremental scan = %+v, want the current values -1, -3 and 9", changed)
	}
	if again, last3 := scanAll(t, db, last2, false); len(again) != 0 || last3 != last2 {
		t.Errorf("scan after the last id returned %d observations, last id %d", len(again), last3)
	}
	if all, _ := scanAll(t, db, 0, true); len(all) != len(base)+4 {
		t.Errorf("scan of all revisions returned %d, want %d", len(all), len(base)+4)
	}
}

func TestScanStopsOnCallbackError(t *testing.T) {
	db := openTest(t, 2, 2)
	mustImport(t, db, synth.Grid(2, 2, 2, 0))
	stop := context.Canceled
	n := 0
	_, err := db.Scan(context.Background(), 0, false, func(chiso.Observation) error {
		n++
		return stop
	})
	if n != 1 || err == nil {
		t.Errorf("callback ran %d times, err %v; want once and an error", n, err)
	}
}

func TestCurrentFilters(t *testing.T) {
	db := openTest(t, 3, 2)
	mustImport(t, db, synth.Grid(3, 2, 6, 0))
	year := chiso.Observation{Indicator: synth.IndicatorCode(0), Area: synth.AreaCode(0), Period: chiso.Period{Kind: chiso.Year, Year: 2020}, Value: 1}
	mustImport(t, db, []chiso.Observation{year})
	m := func(n int) chiso.Period { return chiso.Period{Kind: chiso.Month, Year: 2020, N: n} }
	tests := []struct {
		name string
		f    Filter
		want int
	}{
		{"everything", Filter{}, 3*2*6 + 1},
		{"one indicator", Filter{Indicators: []string{synth.IndicatorCode(1)}}, 3 * 6},
		{"two areas", Filter{Areas: []string{synth.AreaCode(0), synth.AreaCode(2)}}, 2*2*6 + 1},
		{"unknown area", Filter{Areas: []string{"nowhere"}}, 0},
		{"from March", Filter{From: m(3)}, 3*2*4 + 1}, // the year ends after March
		{"up to February", Filter{To: m(2)}, 3 * 2 * 2},
		{"months 2 to 4 of one series", Filter{Indicators: []string{synth.IndicatorCode(0)}, Areas: []string{synth.AreaCode(1)}, From: m(2), To: m(4)}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := db.Current(context.Background(), tt.f)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tt.want {
				t.Fatalf("%d observations, want %d", len(got), tt.want)
			}
			for i := 1; i < len(got); i++ {
				a, b := got[i-1], got[i]
				if a.Indicator > b.Indicator || a.Indicator == b.Indicator && (a.Area > b.Area || a.Area == b.Area && !a.Period.Before(b.Period)) {
					t.Errorf("out of order: %v %v %v before %v %v %v", a.Indicator, a.Area, a.Period, b.Indicator, b.Area, b.Period)
				}
			}
		})
	}
}

func TestHistoryOfAnUnknownSeriesIsEmpty(t *testing.T) {
	db := openTest(t, 1, 1)
	h, err := db.History(context.Background(), "nope", "nowhere")
	if err != nil || len(h) != 0 {
		t.Errorf("History = %v, %v; want nothing", h, err)
	}
}

func TestCatalogueRoundTripAndChanges(t *testing.T) {
	db, ctx := openTest(t, 0, 0), context.Background()
	d := func(s string) time.Time { t, _ := time.Parse(time.DateOnly, s); return t }
	cat := &chiso.Catalogue{
		Indicators: []chiso.Indicator{
			{Code: "bts_sites", NameVI: "Số vị trí trạm BTS", NameEN: "BTS sites", Unit: "site", Kind: chiso.KindCount, Additive: true, Min: 0, Max: math.NaN(), Concept: "bts"},
			{Code: "digital_economy_share", NameVI: "Tỷ trọng kinh tế số", Unit: "percent", Kind: chiso.KindPercent, Min: 0, Max: 100, Method: "mic"},
		},
		Areas: []chiso.Area{
			{Code: "PT", Name: "Phú Thọ", Level: chiso.LevelProvince, Parent: "VN", GSOCode: "25", ValidFrom: d("1997-01-01"), ValidTo: d("2025-06-30")},
			{Code: "PT25", Name: "Phú Thọ", Level: chiso.LevelProvince, Parent: "VN", ValidFrom: d("2025-07-01")},
			{Code: "VN", Name: "Việt Nam", Level: chiso.LevelCountry},
		},
		Lineage: []chiso.Lineage{{From: "PT", To: "PT25", Effective: d("2025-07-01"), Kind: chiso.Merge}},
		Targets: []chiso.Target{{Indicator: "digital_economy_share", Area: chiso.AnyArea, Period: chiso.MustParsePeriod("2025"), Op: chiso.OpGE, Value: 20, Source: "749/QĐ-TTg"}},
	}
	changed, err := db.ImportCatalogue(ctx, cat)
	if err != nil || changed != 7 {
		t.Fatalf("first import: changed %d, err %v; want 7", changed, err)
	}
	got, err := db.Catalogue(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(got.Indicators[0].Max) {
		t.Errorf("unbounded max came back as %v", got.Indicators[0].Max)
	}
	got.Indicators[0].Max, cat.Indicators[0].Max = 0, 0
	if !reflect.DeepEqual(got, cat) {
		t.Errorf("catalogue round trip:\n got %+v\nwant %+v", got, cat)
	}
	cat.Indicators[0].Max = math.NaN()
	if changed, err := db.ImportCatalogue(ctx, cat); err != nil || changed != 0 {
		t.Errorf("same catalogue again: changed %d, err %v; want 0", changed, err)
	}
	cat.Areas[1].Name = "Phú Thọ (mới)"
	cat.Targets[0].Value = 30
	if changed, err := db.ImportCatalogue(ctx, cat); err != nil || changed != 2 {
		t.Errorf("two edits: changed %d, err %v; want 2", changed, err)
	}
	var versions int
	db.read.QueryRow(`SELECT count(*) FROM catalogue_versions`).Scan(&versions)
	if versions != 2 {
		t.Errorf("%d catalogue versions, want 2 (the unchanged import adds none)", versions)
	}
}

func TestImportCatalogueReportsEveryInvalidEntry(t *testing.T) {
	db := openTest(t, 0, 0)
	cat := &chiso.Catalogue{
		Indicators: []chiso.Indicator{{Code: "x", Unit: "u", Kind: "weird", Min: math.NaN(), Max: math.NaN()}},
		Areas:      []chiso.Area{{Code: "A", Level: "galaxy"}},
		Targets:    []chiso.Target{{Indicator: "x", Area: "*", Op: "=>"}},
	}
	_, err := db.ImportCatalogue(context.Background(), cat)
	if err == nil {
		t.Fatal("invalid catalogue imported")
	}
	for _, w := range []string{`"weird"`, `"galaxy"`, "invalid period", `"=>"`} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not mention %s", err, w)
		}
	}
}
