package ingest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chiso-vn/chiso"
)

func sampleCat(t testing.TB) *chiso.Catalogue {
	t.Helper()
	cat, err := sampleCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// readAll reads a file's observations and its error, as text.
func readAll(t *testing.T, name, text string, opts Options) ([]chiso.Observation, string) {
	t.Helper()
	if opts.Catalogue == nil {
		opts.Catalogue = sampleCat(t)
	}
	if opts.Lang == "" {
		opts.Lang = "en"
	}
	var got []chiso.Observation
	err := Read(strings.NewReader(text), name, opts, func(o chiso.Observation) error {
		got = append(got, o)
		return nil
	})
	if err == nil {
		return got, ""
	}
	var list *ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("Read(%s) returned %T %v, want *ErrorList", name, err, err)
	}
	return got, err.Error()
}

// brief prints observations one per line for comparison.
func brief(obs []chiso.Observation) string {
	var b strings.Builder
	for _, o := range obs {
		fmt.Fprintf(&b, "%s %s %s %v %s raw=%q src=%s\n", o.Indicator, o.Area, o.Period, o.Value, o.Qualifier, o.Raw, o.Source)
	}
	return b.String()
}

func TestReadSeedObservations(t *testing.T) {
	var got []chiso.Observation
	err := readSample(sampleCat(t), func(o chiso.Observation) error {
		got = append(got, o)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"ict_revenue VP 2022":         "183001 exact",
		"ict_revenue VP 2010":         "1307.44 exact",
		"bts_stations PT 2016":        "1931 derived",
		"online_dossier_rate PT 2024": "81.7 over",
	}
	for _, o := range got {
		key := o.Indicator + " " + o.Area + " " + o.Period.String()
		if w, ok := want[key]; ok {
			if g := fmt.Sprintf("%v %s", o.Value, o.Qualifier); g != w {
				t.Errorf("%s = %s, want %s", key, g, w)
			}
			delete(want, key)
		}
		if o.Source == "" || o.Raw == "" {
			t.Errorf("%s: source %q raw %q, want both", key, o.Source, o.Raw)
		}
	}
	if len(got) != 59 || len(want) > 0 {
		t.Errorf("read %d observations, want 59; missing %v", len(got), want)
	}
}

func TestReadPrintedLongCSV(t *testing.T) {
	text := "indicator,period,area,value,source\n" +
		"bts_stations,2017,PT,2.500 trạm,bao-cao.pdf\n" +
		"ict_revenue,2022,VP,\"183.001 tỷ đồng\",\n" +
		"ict_revenue,2010,VP,\"1.307,44\",\n" +
		"online_dossier_rate,2024,PT,\"đạt trên 81,7%\",\n" +
		"electronics_export_value,2024,PT,\"ước đạt 8,6 tỷ USD\",\n" +
		"books_published_copies,2017,PT,\"3,5 triệu bản\",\n"
	got, errs := readAll(t, "so-lieu.csv", text, Options{})
	want := `bts_stations PT 2017 2500 exact raw="2.500 trạm" src=bao-cao.pdf
ict_revenue VP 2022 183001 exact raw="183.001 tỷ đồng" src=so-lieu.csv
ict_revenue VP 2010 1307.44 exact raw="1.307,44" src=so-lieu.csv
online_dossier_rate PT 2024 81.7 over raw="đạt trên 81,7%" src=so-lieu.csv
electronics_export_value PT 2024 8.6 estimate raw="ước đạt 8,6 tỷ USD" src=so-lieu.csv
books_published_copies PT 2017 3.5e+06 exact raw="3,5 triệu bản" src=so-lieu.csv
`
	if errs != "" || brief(got) != want {
		t.Errorf("got\n%s%s\nwant\n%s", brief(got), errs, want)
	}
}

func TestReadEnglishLocale(t *testing.T) {
	text := "indicator,area,period,value\nict_revenue,VP,2022,\"183.0010 billion VND\"\nict_revenue,VP,2010,\"1,307.44\"\n"
	got, errs := readAll(t, "en.csv", text, Options{Locale: English})
	if errs != "" || len(got) != 2 || got[0].Value != 183.001 || got[1].Value != 1307.44 {
		t.Errorf("got\n%s%s", brief(got), errs)
	}
	// 183.001 read in English would be the Vietnamese 183001 a thousand
	// times smaller: refused with both ways to write it.
	text = "indicator,area,period,value\nict_revenue,VP,2022,\"183.001 billion VND\"\nict_revenue,VP,2010,\"1,307.44\"\n"
	got, errs = readAll(t, "en.csv", text, Options{Locale: English})
	if len(got) != 1 || !strings.Contains(errs, `ambiguous number: 183.001 is 183.001 in English but 183001 in Vietnamese; write 183,001 for 183001, or 183.0010 for 183.001`) {
		t.Errorf("got\n%s%s", brief(got), errs)
	}
}

func TestReadWideCSV(t *testing.T) {
	text := "indicator;area;name_vi;2022;2023;2023-H1\n" +
		"bts_stations;VP;Số trạm BTS;2.800;3.000;\n" +
		"ict_revenue;VP;Doanh thu;183.001;;96.875\n"
	got, errs := readAll(t, "wide.csv", text, Options{})
	want := `bts_stations VP 2022 2800 exact raw="2.800" src=wide.csv
bts_stations VP 2023 3000 exact raw="3.000" src=wide.csv
ict_revenue VP 2022 183001 exact raw="183.001" src=wide.csv
ict_revenue VP 2023-H1 96875 exact raw="96.875" src=wide.csv
`
	if errs != "" || brief(got) != want {
		t.Errorf("got\n%s%s\nwant\n%s", brief(got), errs, want)
	}
}

func TestReadJSON(t *testing.T) {
	text := `[
  {"indicator": "ict_revenue", "area": "VP", "period": "2022", "value": "183.001 tỷ đồng"},
  {"indicator": "ict_revenue", "area": "VP", "period": "2010", "value": 1307.44},
  {"indicator": "bts_stations", "area": "PT", "period": "2016", "value": 1931, "qualifier": "derived",
   "raw": "2.500 trạm, tăng 29,46% so với năm 2016", "reported_on": "2018-01-16"},
  {"indicator": "bts_stations", "area": "PT", "period": "2017", "value": "2.500", "qualifier": ""},
  {"indicator": "bts_stations", "area": "XX", "period": "2017", "value": 1, "colour": "red"}
]`
	got, errs := readAll(t, "obs.json", text, Options{})
	want := `ict_revenue VP 2022 183001 exact raw="183.001 tỷ đồng" src=obs.json
ict_revenue VP 2010 1307.44 exact raw="" src=obs.json
bts_stations PT 2016 1931 derived raw="2.500 trạm, tăng 29,46% so với năm 2016" src=obs.json
`
	wantErrs := []string{
		`obs.json:6: value "2.500": canonical files hold plain numbers without trailing zeros`,
		`obs.json:7: colour "\"red\"": unknown key`,
	}
	if brief(got) != want {
		t.Errorf("got\n%s\nwant\n%s", brief(got), want)
	}
	for _, w := range wantErrs {
		if !strings.Contains(errs, w) {
			t.Errorf("errors\n%s\nwant one containing %s", errs, w)
		}
	}
}

// TestReadAllErrorsAtOnce checks that every problem of a file is listed,
// each with its line, column and text, and that good rows still arrive.
func TestReadAllErrorsAtOnce(t *testing.T) {
	text := "indicator,area,period,value,qualifier,raw,reported_on\n" +
		"bts_stations,PT,2017,2500,,2.500 trạm,2018-01-16\n" + // good
		"bts_statons,PT,2017,2500,,,\n" +
		"bts_stations,QQ,2017,2500,,,\n" +
		"bts_stations,PT,2017-13,2500,,,\n" +
		"bts_stations,PT25,2020,2500,,,\n" +
		"bts_stations,PT,2017,\"1.307,44\",,,\n" +
		"bts_stations,PT,2017,2500,roughly,,\n" +
		"bts_stations,PT,2017,2500,,,16/01/2018\n" +
		"bts_stations,PT,2017,2.5,,2.500 trạm,\n" +
		"bts_stations,PT,2017,,,,\n" +
		"bts_stations,PT,2017\n" +
		"ict_revenue,VP,2022,183001,,183.001 tỷ đồng,\n" // good
	got, errs := readAll(t, "obs.csv", text, Options{Lang: "en"})
	want := []string{
		`obs.csv:3:1: indicator "bts_statons": unknown indicator`,
		`obs.csv:4:2: area "QQ": unknown area`,
		`obs.csv:5:3: period "2017-13": want YYYY`,
		`obs.csv:6:3: period "2020": PT25 (Phú Thọ) exists from 2025-07-01: a figure for 2020 belongs to the area that exists at the period's end, PT (Phú Thọ), VP (Vĩnh Phúc), HB (Hòa Bình)`,
		`obs.csv:7:4: value "1.307,44": canonical files (those with a qualifier column) hold plain numbers`,
		`obs.csv:8:5: qualifier "roughly": want one of exact`,
		`obs.csv:9:7: reported_on "16/01/2018": want a date YYYY-MM-DD`,
		`obs.csv:10:4: value "2.5": raw "2.500 trạm" reads as 2500 in Vietnamese`,
		`obs.csv:11:4: value "": missing value`,
		`obs.csv:12: wrong number of fields`,
	}
	lines := strings.Split(errs, "\n")
	if len(lines) != len(want) {
		t.Errorf("got %d errors, want %d:\n%s", len(lines), len(want), errs)
	}
	for i := 0; i < len(want) && i < len(lines); i++ {
		if !strings.HasPrefix(lines[i], want[i]) {
			t.Errorf("error %d = %s\nwant prefix  %s", i, lines[i], want[i])
		}
	}
	if len(got) != 2 || got[0].Value != 2500 || got[1].Value != 183001 {
		t.Errorf("good rows:\n%s", brief(got))
	}
}

func TestReadHeaderErrors(t *testing.T) {
	tests := []struct{ text, want string }{
		{"indicator,area,period,value,colour\n", `h.csv:1:5: column "colour": unknown column`},
		{"indicator,area,value,value\n", `h.csv:1:4: column "value": duplicate column`},
		{"indicator,area,period\n", `h.csv:1: header "indicator,area,period": neither long`},
		{"indicator,period,value\n", `h.csv:1: header "indicator,period,value": no area column`},
		{"indicator,area,2024,total\n", `h.csv:1:4: column "total": neither a period`},
		{"", `h.csv:1: empty file`},
	}
	for _, tt := range tests {
		_, errs := readAll(t, "h.csv", tt.text, Options{Lang: "en"})
		if !strings.Contains(errs, tt.want) {
			t.Errorf("%q: error %q, want one starting %q", tt.text, errs, tt.want)
		}
	}
}

func TestReadErrorCap(t *testing.T) {
	var b strings.Builder
	b.WriteString("indicator,area,period,value\n")
	for range MaxErrors + 5 {
		b.WriteString("nope,PT,2017,1\n")
	}
	_, errs := readAll(t, "many.csv", b.String(), Options{Lang: "en"})
	lines := strings.Split(errs, "\n")
	if len(lines) != MaxErrors+1 || !strings.HasPrefix(lines[MaxErrors], "and 5 more: 5 × unknown indicator") {
		t.Errorf("got %d lines, last %q", len(lines), lines[len(lines)-1])
	}
}

func TestReadEmitErrorStops(t *testing.T) {
	stop := errors.New("store full")
	calls := 0
	text := "indicator,area,period,value\nbts_stations,PT,2017,1\nbts_stations,PT,2016,1\n"
	err := Read(strings.NewReader(text), "x.csv", Options{Catalogue: sampleCat(t)}, func(chiso.Observation) error {
		calls++
		return stop
	})
	if err != stop || calls != 1 {
		t.Errorf("Read = %v after %d calls, want the emit error after 1", err, calls)
	}
}

func TestReadFileAndFormat(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "data.txt")
	if err := os.WriteFile(path, []byte("indicator,area,period,value\nbts_stations,PT,2017,2.500\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cat := sampleCat(t)
	if err := ReadFile(path, Options{Catalogue: cat}, func(chiso.Observation) error { return nil }); err == nil || !strings.Contains(err.Error(), `unknown format "txt"`) {
		t.Errorf("ReadFile(.txt) = %v, want unknown format", err)
	}
	var got []chiso.Observation
	err := ReadFile(path, Options{Catalogue: cat, Format: "csv", Source: "Sở KH&CN"}, func(o chiso.Observation) error {
		got = append(got, o)
		return nil
	})
	if err != nil || len(got) != 1 || got[0].Value != 2500 || got[0].Source != "Sở KH&CN" {
		t.Errorf("ReadFile = %v, %v", brief(got), err)
	}
}
