package checks

import (
	"encoding/csv"
	"io/fs"
	"math"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/sample"
)

// fakeData is an in-memory Data over a catalogue and observations, for
// tests of the check kinds (the engine's index is the real one).
type fakeData struct {
	cat    chiso.Catalogue
	obs    map[chiso.SeriesKey][]chiso.Observation
	series map[chiso.SeriesKey]Series // built once, as the engine's index does
}

func newFake(cat chiso.Catalogue, obs []chiso.Observation) *fakeData {
	d := &fakeData{cat: cat, obs: map[chiso.SeriesKey][]chiso.Observation{}}
	for i, o := range obs {
		if o.ID == 0 {
			o.ID = int64(i + 1)
		}
		d.obs[o.Key()] = append(d.obs[o.Key()], o)
	}
	d.series = map[chiso.SeriesKey]Series{}
	for k, s := range d.obs {
		sort.SliceStable(s, func(i, j int) bool { return s[i].Period.Before(s[j].Period) })
		d.series[k] = d.build(k.Indicator, k.Area)
	}
	return d
}

func (d *fakeData) Series(ind, area string) Series {
	if s, ok := d.series[chiso.SeriesKey{Indicator: ind, Area: area}]; ok {
		return s
	}
	return NewSeries(ind, area, SeriesColumns{})
}

func (d *fakeData) Indicator(code string) (chiso.Indicator, bool) { return d.cat.Indicator(code) }
func (d *fakeData) Area(code string) (chiso.Area, bool)           { return d.cat.Area(code) }
func (d *fakeData) Areas() []chiso.Area                           { return d.cat.Areas }
func (d *fakeData) Predecessors(area string) []chiso.Lineage      { return d.cat.Predecessors(area) }
func (d *fakeData) Targets(ind, area string) []chiso.Target       { return d.cat.TargetsFor(ind, area) }

func (d *fakeData) build(ind, area string) Series {
	c := SeriesColumns{Strings: []string{""}}
	intern := func(s string) int {
		for i, x := range c.Strings {
			if x == s {
				return i
			}
		}
		c.Strings = append(c.Strings, s)
		return len(c.Strings) - 1
	}
	for _, o := range d.obs[chiso.SeriesKey{Indicator: ind, Area: area}] {
		c.Keys = append(c.Keys, o.Period.Key())
		c.Values = append(c.Values, o.Value)
		c.Qualifiers = append(c.Qualifiers, o.Qualifier)
		c.Methods = append(c.Methods, uint16(intern(o.Method)))
		c.Sources = append(c.Sources, uint32(intern(o.Source)))
		c.IDs = append(c.IDs, o.ID)
	}
	return NewSeries(ind, area, c)
}

func (d *fakeData) AreasWith(ind string) []string {
	var out []string
	for k := range d.obs {
		if k.Indicator == ind {
			out = append(out, k.Area)
		}
	}
	sort.Strings(out)
	return out
}

// ict is Vietnam's time zone.
var ict = time.FixedZone("ICT", 7*3600)

// evalTime is the evaluation time of the sample cases: 2026-11-23.
var evalTime = time.Date(2026, 11, 23, 9, 0, 0, 0, ict)

// sampleData loads the bundled sample: catalogue and observations.
func sampleData(t testing.TB) *fakeData {
	t.Helper()
	fsys := sample.FS()
	var cat chiso.Catalogue
	for _, r := range readCSV(t, fsys, sample.Indicators) {
		cat.Indicators = append(cat.Indicators, chiso.Indicator{Code: r["code"], NameVI: r["name_vi"], NameEN: r["name_en"],
			Unit: r["unit"], Kind: chiso.IndicatorKind(r["kind"]), Additive: r["additive"] == "true",
			Min: parseOpt(t, r["min"]), Max: parseOpt(t, r["max"])})
	}
	for _, r := range readCSV(t, fsys, sample.Areas) {
		cat.Areas = append(cat.Areas, chiso.Area{Code: r["code"], Name: r["name_vi"], Level: chiso.AreaLevel(r["level"]),
			Parent: r["parent"], ValidFrom: parseDate(t, r["valid_from"]), ValidTo: parseDate(t, r["valid_to"])})
	}
	for _, r := range readCSV(t, fsys, sample.Lineage) {
		cat.Lineage = append(cat.Lineage, chiso.Lineage{From: r["from"], To: r["to"],
			Effective: parseDate(t, r["effective"]), Kind: chiso.LineageKind(r["kind"])})
	}
	for _, r := range readCSV(t, fsys, sample.Targets) {
		op, err := chiso.ParseOp(r["op"])
		if err != nil {
			t.Fatal(err)
		}
		cat.Targets = append(cat.Targets, chiso.Target{Indicator: r["indicator"], Area: r["area"],
			Period: chiso.MustParsePeriod(r["period"]), Op: op, Value: parseOpt(t, r["value"]), Source: r["source"],
			DescriptionVI: r["description_vi"], DescriptionEN: r["description_en"]})
	}
	var obs []chiso.Observation
	for _, r := range readCSV(t, fsys, sample.Observations) {
		q, err := chiso.ParseQualifier(r["qualifier"])
		if err != nil {
			t.Fatal(err)
		}
		obs = append(obs, chiso.Observation{Indicator: r["indicator"], Area: r["area"], Period: chiso.MustParsePeriod(r["period"]),
			Value: parseOpt(t, r["value"]), Qualifier: q, Raw: r["raw"], Source: r["source"]})
	}
	return newFake(cat, obs)
}

func readCSV(t testing.TB, fsys fs.FS, name string) []map[string]string {
	t.Helper()
	f, err := fsys.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var out []map[string]string
	for _, row := range rows[1:] {
		m := map[string]string{}
		for i, h := range rows[0] {
			m[h] = row[i]
		}
		out = append(out, m)
	}
	return out
}

func parseOpt(t testing.TB, s string) float64 {
	if s == "" {
		return math.NaN()
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func parseDate(t testing.TB, s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// sampleEnv is an evaluation of the sample data at evalTime.
func sampleEnv(t testing.TB, lang string) Env {
	return Env{Data: sampleData(t), Now: evalTime, Location: ict, Lang: lang, Skips: &Skips{}}
}

// allAreas returns every area code of the data.
func allAreas(d Data) []string {
	var out []string
	for _, a := range d.Areas() {
		out = append(out, a.Code)
	}
	return out
}

// smallCatalogue is a catalogue for synthetic tests: a count, an additive
// money, a percent; the old provinces PT, VP, HB merged into PT25 on
// 2025-07-01; and areas A1…A9 for cross-sectional tests.
func smallCatalogue() chiso.Catalogue {
	nan := math.NaN()
	cat := chiso.Catalogue{
		Indicators: []chiso.Indicator{
			{Code: "stations", NameVI: "Số trạm BTS", NameEN: "BTS stations", Unit: "station", Kind: chiso.KindCount, Additive: true, Min: 0, Max: nan},
			{Code: "sites", NameVI: "Số vị trí trạm BTS", NameEN: "BTS sites", Unit: "site", Kind: chiso.KindCount, Additive: true, Min: 0, Max: nan},
			{Code: "revenue", NameVI: "Doanh thu", NameEN: "Revenue", Unit: "billion_vnd", Kind: chiso.KindMoney, Additive: true, Min: 0, Max: nan},
			{Code: "rate", NameVI: "Tỷ lệ", NameEN: "Rate", Unit: "percent", Kind: chiso.KindPercent, Min: 0, Max: 100},
		},
		Lineage: []chiso.Lineage{
			{From: "PT", To: "PT25", Effective: day(2025, 7, 1), Kind: chiso.Merge},
			{From: "VP", To: "PT25", Effective: day(2025, 7, 1), Kind: chiso.Merge},
			{From: "HB", To: "PT25", Effective: day(2025, 7, 1), Kind: chiso.Merge},
		},
	}
	for _, c := range []string{"PT", "VP", "HB"} {
		cat.Areas = append(cat.Areas, chiso.Area{Code: c, Name: c, Level: chiso.LevelProvince, ValidTo: day(2025, 6, 30)})
	}
	cat.Areas = append(cat.Areas, chiso.Area{Code: "PT25", Name: "Phú Thọ", Level: chiso.LevelProvince, ValidFrom: day(2025, 7, 1)})
	for i := 1; i <= 9; i++ {
		c := "A" + strconv.Itoa(i)
		cat.Areas = append(cat.Areas, chiso.Area{Code: c, Name: c, Level: chiso.LevelProvince})
	}
	return cat
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// ob makes an observation; q is the qualifier's name.
func ob(ind, area, period string, v float64, q string) chiso.Observation {
	qual, err := chiso.ParseQualifier(q)
	if err != nil {
		panic(err)
	}
	return chiso.Observation{Indicator: ind, Area: area, Period: chiso.MustParsePeriod(period), Value: v, Qualifier: qual, Source: "src-" + area}
}

// synthEnv is an evaluation of synthetic observations over smallCatalogue.
func synthEnv(obs ...chiso.Observation) Env {
	return Env{Data: newFake(smallCatalogue(), obs), Now: evalTime, Location: ict, Lang: "en", Skips: &Skips{}}
}

// ptr returns a pointer to v, for optional parameters.
func ptr(v float64) *float64 { return &v }

// only returns the findings for the area and indicator.
func only(fs []chiso.Finding, area, ind string) []chiso.Finding {
	var out []chiso.Finding
	for _, f := range fs {
		if f.Area == area && f.Indicator == ind {
			out = append(out, f)
		}
	}
	return out
}

// evaluate prepares p and evaluates it, as rule loading and the engine
// do; a failure to prepare or to run panics, failing the test.
func evaluate(p Evaluator, env Env, scope Scope) []chiso.Finding {
	if err := p.Prepare(); err != nil {
		panic(err)
	}
	fs, err := p.Evaluate(env, scope)
	if err != nil {
		panic(err)
	}
	return fs
}
