package synth

import (
	"bytes"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/ingest"
)

func TestWriteCSVIsDeterministic(t *testing.T) {
	var a, b, c bytes.Buffer
	for _, w := range []struct {
		buf  *bytes.Buffer
		seed int64
	}{{&a, 1}, {&b, 1}, {&c, 2}} {
		if err := WriteCSV(w.buf, 5, 4, 12, w.seed); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("the same seed gave different files")
	}
	if bytes.Equal(a.Bytes(), c.Bytes()) {
		t.Error("different seeds gave the same file")
	}
}

// readBack parses generated CSV with the importer, as chiso import would.
func readBack(t *testing.T, areas, indicators, periods int) []chiso.Observation {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteCSV(&buf, areas, indicators, periods, 7); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(buf.String(), "indicator,area,period,value,qualifier\n") {
		t.Fatalf("header: %q", strings.SplitN(buf.String(), "\n", 2)[0])
	}
	var obs []chiso.Observation
	opts := ingest.Options{Catalogue: Catalogue(areas, indicators)}
	err := ingest.Read(&buf, "observations.csv", opts, func(o chiso.Observation) error {
		obs = append(obs, o)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return obs
}

func TestWriteCSVCoversEveryCellOnce(t *testing.T) {
	const areas, indicators, periods = 6, 5, 14
	obs := readBack(t, areas, indicators, periods)
	if len(obs) != areas*indicators*periods {
		t.Fatalf("%d observations, want %d", len(obs), areas*indicators*periods)
	}
	type cell struct {
		ind, area string
		p         chiso.Period
	}
	seen := map[cell]bool{}
	for _, o := range obs {
		k := cell{o.Indicator, o.Area, o.Period}
		if seen[k] {
			t.Fatalf("cell %v twice", k)
		}
		seen[k] = true
		if o.Period.Before(FirstPeriod) || o.Period.Kind != chiso.Month {
			t.Errorf("period %v outside the generated months", o.Period)
		}
	}
}

func TestWriteCSVSeriesAreRealisticWithFewAnomalies(t *testing.T) {
	const areas, indicators, periods = 40, 6, 36
	obs := readBack(t, areas, indicators, periods)
	cat := Catalogue(areas, indicators)
	outside, up, pairs := 0, 0, 0
	prev := map[chiso.SeriesKey]float64{}
	for _, o := range obs {
		ind, _ := cat.Indicator(o.Indicator)
		if !ind.InRange(o.Value) {
			outside++
		}
		if p, ok := prev[o.Key()]; ok {
			pairs++
			if o.Value >= p {
				up++
			}
		}
		prev[o.Key()] = o.Value
	}
	// Anomalies are rare but present: about 0.05% out of range.
	if outside == 0 || outside > len(obs)/200 {
		t.Errorf("%d of %d values out of range, want a few", outside, len(obs))
	}
	// Series trend upwards: most steps go up.
	if share := float64(up) / float64(pairs); share < 0.6 {
		t.Errorf("only %.0f%% of steps go up", 100*share)
	}
}

func TestCatalogueFilesReadBackAsTheCatalogue(t *testing.T) {
	want := Catalogue(7, 5)
	var ind, area bytes.Buffer
	if err := WriteIndicatorsCSV(&ind, want); err != nil {
		t.Fatal(err)
	}
	if err := WriteAreasCSV(&area, want); err != nil {
		t.Fatal(err)
	}
	got := &chiso.Catalogue{}
	if err := ingest.ReadCatalogue("indicators.csv", &ind, got); err != nil {
		t.Fatal(err)
	}
	if err := ingest.ReadCatalogue("areas.csv", &area, got); err != nil {
		t.Fatal(err)
	}
	for i := range got.Indicators {
		if math.IsNaN(want.Indicators[i].Max) && math.IsNaN(got.Indicators[i].Max) {
			got.Indicators[i].Max, want.Indicators[i].Max = 0, 0
		}
	}
	if !reflect.DeepEqual(got.Indicators, want.Indicators) || !reflect.DeepEqual(got.Areas, want.Areas) {
		t.Errorf("catalogue files read back as\n%+v\nwant\n%+v", got, want)
	}
}

func TestWritePlainCSVReadsAsPrintedInEnglish(t *testing.T) {
	const areas, indicators, periods = 4, 6, 12
	want := readBack(t, areas, indicators, periods)
	var buf bytes.Buffer
	if err := WritePlainCSV(&buf, areas, indicators, periods, 7); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(buf.String(), "indicator,area,period,value\n") {
		t.Fatalf("header: %q", strings.SplitN(buf.String(), "\n", 2)[0])
	}
	var got []chiso.Observation
	opts := ingest.Options{Catalogue: Catalogue(areas, indicators), Locale: ingest.English}
	if err := ingest.Read(&buf, "plain.csv", opts, func(o chiso.Observation) error {
		got = append(got, o)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d observations, want %d", len(got), len(want))
	}
	for i, o := range got {
		w := want[i]
		if o.Key() != w.Key() || o.Period != w.Period || o.Value != w.Value || o.Raw == "" || o.Qualifier != chiso.Exact {
			t.Fatalf("row %d = %+v, want the value of %+v as printed, exact", i+1, o, w)
		}
	}
}

// TestPlantedMatchesTheData: Planted lists, deterministically, what the
// data shows: out-of-range values outside the bounds, slips about 1,000
// times the month before or after, first-year slips in about one series in
// firstYearSlipEvery.
func TestPlantedMatchesTheData(t *testing.T) {
	const areas, indicators, periods = 40, 12, 24
	planted := Planted(areas, indicators, periods, 7)
	if !reflect.DeepEqual(planted, Planted(areas, indicators, periods, 7)) {
		t.Fatal("the same arguments planted different anomalies")
	}
	obs := readBack(t, areas, indicators, periods)
	at := map[string]int{}
	for i, o := range obs {
		at[o.Indicator+" "+o.Area+" "+o.Period.String()] = i
	}
	cat := Catalogue(areas, indicators)
	firstYear := 0
	for _, a := range planted {
		i, ok := at[a.Indicator+" "+a.Area+" "+a.Period.String()]
		if !ok {
			t.Fatalf("%+v: no such figure", a)
		}
		ind, _ := cat.Indicator(a.Indicator)
		v := obs[i].Value
		switch a.Kind {
		case OutOfRange:
			if v >= ind.Min && !(v > ind.Max) {
				t.Errorf("%+v: %g is in range", a, v)
			}
		case UnitSlip:
			n := i + 1 // the neighbour in the same series
			if n == len(obs) || obs[n].Area != a.Area || obs[n].Indicator != a.Indicator {
				n = i - 1
			}
			if r := v / obs[n].Value; r < 500 || r > 2000 {
				t.Errorf("%+v: %g is ×%g its neighbour", a, v, r)
			}
			if a.FirstYear() {
				firstYear++
			}
		}
	}
	if want := areas * indicators / firstYearSlipEvery; firstYear < want/2 {
		t.Errorf("%d first-year slips planted, want about %d", firstYear, want)
	}
}
