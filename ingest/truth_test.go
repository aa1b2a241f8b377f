package ingest

import (
	"bytes"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"unicode/utf8"
)

// truthCase is one value cell as a department types it, read in a long
// file with a unit column; want is the stored value, or err a part of the
// error.
type truthCase struct {
	ind, value, unit string
	loc              Locale
	want             float64
	err              string
}

func (tc truthCase) csv() string {
	return "indicator,area,period,value,unit\n" + tc.ind + ",PT,2017," + csvQuote(tc.value) + "," + csvQuote(tc.unit) + "\n"
}

func csvQuote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// xlsx returns the case as a workbook with text cells, as a department
// types figures into cells formatted as text.
func (tc truthCase) xlsx(t *testing.T) string {
	rows := [][]any{{"indicator", "area", "period", "value", "unit"}, {tc.ind, "PT", "2017", tc.value, tc.unit}}
	if tc.unit == "" {
		rows[1][4] = nil
	}
	f := writeWorkbook(t, map[string][][]any{"Số liệu": rows}, []string{"Số liệu"})
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// runTruth reads every case as a CSV file and as a workbook.
func runTruth(t *testing.T, cases []truthCase) {
	t.Helper()
	for _, tc := range cases {
		for _, format := range []string{"csv", "xlsx"} {
			text := tc.csv()
			if format == "xlsx" {
				if !utf8.ValidString(tc.value) {
					continue // a workbook holds only valid text
				}
				text = tc.xlsx(t)
			}
			got, errs := readAll(t, "t."+format, text, Options{Locale: tc.loc})
			switch {
			case tc.err != "" && !strings.Contains(errs, tc.err):
				t.Errorf("%s: %s %q unit %q (%s): errors %q, want one containing %q (got %s)", format, tc.ind, tc.value, tc.unit, tc.loc, errs, tc.err, brief(got))
			case tc.err == "" && (errs != "" || len(got) != 1 || !sameValue(got[0].Value, tc.want)):
				t.Errorf("%s: %s %q unit %q (%s) = %s %s, want %v", format, tc.ind, tc.value, tc.unit, tc.loc, brief(got), errs, tc.want)
			}
		}
	}
}

func TestSpacesGroupThousands(t *testing.T) {
	runTruth(t, []truthCase{
		{ind: "bts_stations", value: "530 100", want: 530100},
		{ind: "bts_stations", value: "1 310", want: 1310},
		{ind: "bts_stations", value: "1\u00a0310", want: 1310},
		{ind: "bts_stations", value: "1\u202f310\u202f000", want: 1310000},
		{ind: "bts_stations", value: "gần 1 900 trạm", want: 1900},
		{ind: "ict_revenue", value: "1 307,44 tỷ đồng", want: 1307.44},
		{ind: "ict_revenue", value: "1 307.44", loc: English, want: 1307.44},
		{ind: "bts_stations", value: "53 01", err: "only group thousands"},
		{ind: "bts_stations", value: "530 10", err: "only group thousands"},
		{ind: "bts_stations", value: "5301 000", err: "only group thousands"},
		{ind: "bts_stations", value: "1.310 000", err: "both spaces"},
		{ind: "bts_stations", value: "530  100", err: "only group thousands"},
	})
}

func TestCountsAreWhole(t *testing.T) {
	runTruth(t, []truthCase{
		{ind: "bts_stations", value: "1,310", err: "a count cannot be 1.31; in Vietnamese write 1.310 (or import the file with --locale en)"},
		{ind: "bts_stations", value: "2.500,5", err: "a count cannot be fractional (2,500.5)"},
		{ind: "bts_stations", value: "1.310", loc: English, err: "a count cannot be 1.31; in English write 1,310 (or import the file with --locale vi)"},
		{ind: "bts_stations", value: "1,310", loc: English, want: 1310},
		{ind: "bts_stations", value: "1,5 nghìn", want: 1500},
		{ind: "bts_stations", value: "1,5555 nghìn", err: "fractional"},
		{ind: "dti_digital_infrastructure_rank", value: "12,5", err: "a rank cannot be fractional"},
		{ind: "ict_revenue", value: "1,31", want: 1.31},
		{ind: "online_dossier_rate", value: "81,7%", want: 81.7},
	})
}

func TestGarbageNeverANumber(t *testing.T) {
	runTruth(t, []truthCase{
		{ind: "bts_stations", value: "1e-400", err: "exponent"},
		{ind: "bts_stations", value: "1E5", err: "exponent"},
		{ind: "ict_revenue", value: "2,5e3 tỷ đồng", err: "exponent"},
		{ind: "bts_stations", value: "1_000", err: "underscore"},
		{ind: "bts_stations", value: "\xff\xfe12", err: "UTF-8"},
		{ind: "bts_stations", value: "12\xc3", err: "UTF-8"},
		{ind: "bts_stations", value: "5G", err: "no number"},
	})
}

func TestUnitColumn(t *testing.T) {
	runTruth(t, []truthCase{
		{ind: "ict_revenue", value: "1.250.000", unit: "triệu đồng", want: 1250},
		{ind: "ict_revenue", value: "1,86", unit: "nghìn tỷ đồng", want: 1860},
		{ind: "ict_revenue", value: "183.001", unit: "tỷ đồng", want: 183001},
		{ind: "ict_revenue", value: "183.001", unit: "Tỷ đồng", want: 183001},
		{ind: "ict_revenue", value: "2.500.000.000", unit: "đồng", want: 2.5},
		{ind: "ict_revenue", value: "1.250.000", unit: "(Triệu đồng)", want: 1250},
		{ind: "ict_revenue", value: "5 tỷ đồng", unit: "triệu đồng", err: "write the unit in one place"},
		{ind: "ict_revenue", value: "5", unit: "triệu USD", err: "currency USD does not match"},
		{ind: "electronics_export_value", value: "8,6", unit: "tỷ USD", want: 8.6},
		{ind: "electronics_export_value", value: "860", unit: "triệu USD", want: 0.86},
		{ind: "bts_stations", value: "2.500", unit: "trạm", want: 2500},
		{ind: "bts_stations", value: "2,5", unit: "nghìn trạm", want: 2500},
		{ind: "bts_sites", value: "1.900", unit: "trạm", err: "counts stations, but bts_sites is in site"},
		{ind: "bts_sites", value: "1.900", unit: "vị trí", want: 1900},
		{ind: "mobile_subscribers", value: "1.310", unit: "nghìn thuê bao", want: 1310000},
		{ind: "online_dossier_rate", value: "81,7", unit: "%", want: 81.7},
		{ind: "online_dossier_rate", value: "81,7", unit: "Tỷ lệ (%)", want: 81.7},
		{ind: "bts_stations", value: "81,7", unit: "%", err: "% on a count"},
		{ind: "bts_stations", value: "12", unit: "con mèo", err: "unknown unit"},
		{ind: "dti_digital_infrastructure_rank", value: "12", unit: "hạng", want: 12},
	})
}

// TestUnitColumnCanonical reads a canonical file (a qualifier column) with
// a unit column: the plain number is in that unit.
func TestUnitColumnCanonical(t *testing.T) {
	text := "indicator,area,period,value,qualifier,unit\n" +
		"ict_revenue,VP,2022,1250000,exact,triệu đồng\n" +
		"ict_revenue,VP,2021,1.86,over,nghìn tỷ đồng\n" +
		"bts_stations,PT,2017,2.5,exact,nghìn trạm\n"
	got, errs := readAll(t, "c.csv", text, Options{})
	if errs != "" || len(got) != 3 || got[0].Value != 1250 || got[1].Value != 1860 || got[2].Value != 2500 {
		t.Errorf("got %s, errors %s", brief(got), errs)
	}
}

func TestUnitColumnWide(t *testing.T) {
	text := "indicator,area,unit,2022,2023\n" +
		"ict_revenue,VP,triệu đồng,\"1.250.000\",\"1.300.000\"\n" +
		"bts_stations,PT,trạm,2.500,2.600\n"
	got, errs := readAll(t, "w.csv", text, Options{})
	if errs != "" || len(got) != 4 || got[0].Value != 1250 || got[1].Value != 1300 || got[3].Value != 2600 {
		t.Errorf("got %s, errors %s", brief(got), errs)
	}
}

// TestFigureBelongsToTheAreaAtThePeriodsEnd: after the 2025 merger the new
// province reports the whole of 2025 and the dissolved one nothing ending
// after 2025-06-30.
func TestFigureBelongsToTheAreaAtThePeriodsEnd(t *testing.T) {
	tests := []struct {
		area, period, err string
	}{
		{"PY", "2025-H1", ""},
		{"PY", "2025-Q2", ""},
		{"PY", "2025-06", ""},
		{"PY", "2025", "PY (Phú Yên) ceased to exist after 2025-06-30: a figure for 2025 belongs to the area that exists at the period's end, DL25 (Đắk Lắk)"},
		{"PY", "2025-Q3", "DL25 (Đắk Lắk)"},
		{"PY", "2025-H2", "DL25 (Đắk Lắk)"},
		{"PT25", "2025", ""},
		{"PT25", "2025-H2", ""},
		{"PT25", "2025-H1", "PT25 (Phú Thọ) exists from 2025-07-01: a figure for 2025-H1 belongs to the area that exists at the period's end, PT (Phú Thọ), VP (Vĩnh Phúc), HB (Hòa Bình)"},
		{"PT25", "2024", "PT (Phú Thọ), VP (Vĩnh Phúc), HB (Hòa Bình)"},
		{"DB", "2025", ""},
		{"DB", "2003", "DB (Điện Biên) exists from 2004-01-01"},
	}
	for _, tt := range tests {
		for _, layout := range []string{
			"indicator,area,period,value\nbts_stations," + tt.area + "," + tt.period + ",2500\n",
			"indicator,area," + tt.period + "\nbts_stations," + tt.area + ",2500\n",
		} {
			got, errs := readAll(t, "v.csv", layout, Options{})
			switch {
			case tt.err == "" && (errs != "" || len(got) != 1):
				t.Errorf("%s %s: %s, errors %s", tt.area, tt.period, brief(got), errs)
			case tt.err != "" && (len(got) != 0 || !strings.Contains(errs, tt.err)):
				t.Errorf("%s %s: %s, errors %q, want %q", tt.area, tt.period, brief(got), errs, tt.err)
			}
		}
	}
}

// TestErrorsInVietnamese: errors are in Vietnamese unless English is asked
// for, and quote at most 80 characters of a cell.
func TestErrorsInVietnamese(t *testing.T) {
	long := strings.Repeat("x", 50_000)
	text := "indicator,area,period,value\nbts_stations,PY,2025,2500\nbts_stations,PT,2017,\"" + long + "\"\n"
	_, errs := readAll(t, "v.csv", text, Options{Lang: "vi"})
	for _, want := range []string{"không còn tồn tại sau 2025-06-30", `v.csv:3:4: value "` + strings.Repeat("x", 80) + `…": `} {
		if !strings.Contains(errs, want) {
			t.Errorf("errors %.300q, want %q", errs, want)
		}
	}
	if len(errs) > 1000 {
		t.Errorf("errors are %d bytes long", len(errs))
	}
}

// TestWholeFileInTheOtherLocale: a plain export from a spreadsheet program
// read as Vietnamese gives one error naming --locale en, not one per row.
func TestWholeFileInTheOtherLocale(t *testing.T) {
	var b strings.Builder
	b.WriteString("indicator,area,period,value\n")
	for i := range 1200 {
		fmt.Fprintf(&b, "ict_revenue,DB,%d-%02d,%d.25\n", 2004+i/12, i%12+1, i+1)
	}
	_, errs := readAll(t, "plain.csv", b.String(), Options{})
	want := `plain.csv: the numbers of this file are written in English (1,200 values, the first "1.25" at 2:4, read only that way): import it with --locale en`
	if errs != want {
		t.Errorf("errors:\n%.500s\nwant\n%s", errs, want)
	}
	// The other way round, with one other problem kept as it is.
	text := "indicator,area,period,value\nict_revenue,VP,2020,\"1,25\"\nict_revenue,VP,2021,\"3,5\"\nnope,VP,2022,1\n"
	_, errs = readAll(t, "vi.csv", text, Options{Locale: English})
	if !strings.HasPrefix(errs, "vi.csv: the numbers of this file are written in Vietnamese (2 values") || !strings.Contains(errs, "--locale vi") ||
		!strings.Contains(errs, `vi.csv:4:1: indicator "nope"`) || strings.Count(errs, "\n") != 1 {
		t.Errorf("errors:\n%s", errs)
	}
	// A file that mixes both, or holds a figure the flag would read
	// otherwise (2.500), keeps its errors per row.
	text = "indicator,area,period,value\nict_revenue,VP,2020,2.500\nict_revenue,VP,2021,3.5\n"
	_, errs = readAll(t, "differ.csv", text, Options{})
	if !strings.HasPrefix(errs, `differ.csv:3:4: value "3.5": ambiguous number`) {
		t.Errorf("errors:\n%s", errs)
	}
	text = "indicator,area,period,value\nict_revenue,VP,2020,\"1,25\"\nict_revenue,VP,2021,3.5\n"
	_, errs = readAll(t, "mixed.csv", text, Options{})
	if !strings.HasPrefix(errs, `mixed.csv:3:4: value "3.5": ambiguous number`) {
		t.Errorf("errors:\n%s", errs)
	}
}

func TestJSONStrict(t *testing.T) {
	tests := []struct{ text, err string }{
		{`[{"indicator":"bts_stations","area":"PT","period":"2017","value":2500}] [1]`, "unexpected data after the array"},
		{`[{"indicator":"bts_stations","area":"PT","period":"2017","value":2500}] x`, "unexpected data after the array"},
		{`[{"indicator":"bts_stations","area":"PT","period":"2017","value":2500,"value":2600}]`, `value "2600": key given twice`},
		{`[{"indicator":"bts_stations","area":"PT","period":"2017","value":2500}`, "want an array of objects"},
		{`[{"indicator":"bts_stations","area":"PT","period":"2017","value":2500}]` + "\n\n", ""},
	}
	for _, tt := range tests {
		got, errs := readAll(t, "o.json", tt.text, Options{})
		switch {
		case tt.err == "" && (errs != "" || len(got) != 1):
			t.Errorf("%s: %s %s", tt.text, brief(got), errs)
		case tt.err != "" && !strings.Contains(errs, tt.err):
			t.Errorf("%s: errors %q, want %q", tt.text, errs, tt.err)
		}
	}
}

// TestUnitInTheHeader: a unit in brackets after a value or period header
// applies to its column; a unit column that says otherwise is an error.
func TestUnitInTheHeader(t *testing.T) {
	text := "Chỉ tiêu,Tỉnh,Năm 2022 (triệu đồng),Năm 2023 (tỷ đồng)\nict_revenue,VP,\"1.250.000\",\"1.300\"\n"
	got, errs := readAll(t, "h.csv", text, Options{})
	if errs != "" || len(got) != 2 || got[0].Value != 1250 || got[1].Value != 1300 {
		t.Errorf("wide: %s %s", brief(got), errs)
	}
	text = "indicator,area,period,Giá trị (nghìn thuê bao)\nmobile_subscribers,VP,2022,\"1.310,5\"\n"
	got, errs = readAll(t, "h.csv", text, Options{})
	if errs != "" || len(got) != 1 || got[0].Value != 1310500 {
		t.Errorf("long: %s %s", brief(got), errs)
	}
	text = "indicator,area,period,Giá trị (triệu đồng),Đơn vị tính\nict_revenue,VP,2022,5,tỷ đồng\nict_revenue,VP,2021,5,Triệu đồng\n"
	got, errs = readAll(t, "h.csv", text, Options{})
	if !strings.Contains(errs, `h.csv:2:5: unit "tỷ đồng": the unit column says "tỷ đồng" but the header says "triệu đồng"`) || len(got) != 1 || got[0].Value != 0.005 {
		t.Errorf("both: %s %s", brief(got), errs)
	}
	text = "Chỉ tiêu (mã),Tỉnh,2022\nict_revenue,VP,5\n" // brackets without a unit stay part of the header
	if _, errs = readAll(t, "h.csv", text, Options{}); !strings.Contains(errs, `Chỉ tiêu (mã)`) {
		t.Errorf("brackets: %s", errs)
	}
}

// TestIntegralIndicator: an indicator the catalogue marks integral takes
// whole figures only, whatever its kind.
func TestIntegralIndicator(t *testing.T) {
	cat := sampleCat(t)
	text := "code,name_vi,name_en,unit,kind,additive,min,max,integral\nbroadband_ports_per_olt,Số cổng trên mỗi OLT,Ports per OLT,port,ratio,false,0,,true\n"
	if err := ReadCatalogue("ind.csv", strings.NewReader(text), cat); err != nil {
		t.Fatal(err)
	}
	got, errs := readAll(t, "i.csv", "indicator,area,period,value\nbroadband_ports_per_olt,DB,2022,\"12,5\"\nbroadband_ports_per_olt,DB,2023,16\n", Options{Catalogue: cat})
	if !strings.Contains(errs, `i.csv:2:4: value "12,5": broadband_ports_per_olt (whole numbers only) cannot be fractional (12.5)`) || len(got) != 1 {
		t.Errorf("%s %s", brief(got), errs)
	}
	bad := "code,name_vi,name_en,unit,kind,additive,min,max,integral\nx,X,X,port,ratio,false,0,,maybe\n"
	if err := ReadCatalogue("ind.csv", strings.NewReader(bad), cat); err == nil || !strings.Contains(err.Error(), "integral") {
		t.Errorf("bad integral: %v", err)
	}
}

// TestXLSXNumberCellsInUnits: a number cell is converted from its row's
// unit and refused when a count comes out fractional, like a text cell.
func TestXLSXNumberCellsInUnits(t *testing.T) {
	rows := [][]any{
		{"indicator", "area", "period", "value", "Đơn vị tính"},
		{"ict_revenue", "VP", "2022", 1250000.0, "triệu đồng"},
		{"mobile_subscribers", "VP", "2022", 1310.5, "nghìn thuê bao"},
		{"bts_stations", "VP", "2022", 1.31, nil},
		{"bts_stations", "VP", "2021", 2500.0, "trạm"},
	}
	f := writeWorkbook(t, map[string][][]any{"S": rows}, []string{"S"})
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	got, errs := readAll(t, "u.xlsx", buf.String(), Options{})
	if len(got) != 3 || got[0].Value != 1250 || got[1].Value != 1310500 || got[2].Value != 2500 ||
		!strings.Contains(errs, `u.xlsx:S!D4: value "1.31": a count cannot be fractional (1.31)`) {
		t.Errorf("got %s, errors %s", brief(got), errs)
	}
}

// TestValueCellHoldsOneFigure: around the figure of a value cell there is
// only a qualifier, scale words, a unit and punctuation; anything else is
// refused, never skipped.
func TestValueCellHoldsOneFigure(t *testing.T) {
	runTruth(t, []truthCase{
		{ind: "bts_stations", value: ",5", err: "cannot start with a decimal mark: write 0,5"},
		{ind: "online_dossier_rate", value: ".5%", loc: English, err: "cannot start with a decimal mark"},
		{ind: "online_dossier_rate", value: "80-85%", err: "unexpected"},
		{ind: "online_dossier_rate", value: "80–85%", err: "unexpected"},
		{ind: "online_dossier_rate", value: "từ 80 đến 85%", err: "more than one figure"},
		{ind: "online_dossier_rate", value: "6/63", err: "unexpected"},
		{ind: "bts_stations", value: "6/63", err: "unexpected"},
		{ind: "bts_stations", value: "01/08/2024", err: "unexpected"},
		{ind: "bts_stations", value: "²500", err: "digits other than 0–9"},
		{ind: "bts_stations", value: "１２３", err: "digits other than 0–9"},
		{ind: "bts_stations", value: "٢٥٠٠", err: "digits other than 0–9"},
		{ind: "bts_stations", value: "(2.500)", err: "unexpected"},
		{ind: "bts_stations", value: "- 2.500", err: "unexpected"},
		{ind: "dti_digital_infrastructure_rank", value: "25-", err: "unexpected"},
		{ind: "online_dossier_rate", value: "giảm 5%", err: "unexpected"},
		{ind: "online_dossier_rate", value: "tăng 5%", err: "unexpected"},
		{ind: "online_dossier_rate", value: "dưới 80%", err: "unexpected"},
		{ind: "online_dossier_rate", value: "<80%", err: "unexpected"},
		{ind: "online_dossier_rate", value: "≥ 80%", err: "unexpected"},
		{ind: "online_dossier_rate", value: "80%+", err: "unexpected"},
		{ind: "online_dossier_rate", value: "~80%", err: "unexpected"},
		{ind: "online_dossier_rate", value: "81,7‰", err: "unexpected"},
		{ind: "ict_revenue", value: "5 tỷ đồng/tháng", err: "unexpected"},
		{ind: "bts_stations", value: "2500 🎉", err: "unexpected"},
		{ind: "bts_stations", value: "2.500*", err: "unexpected"},
		{ind: "bts_stations", value: "năm 2019: 2.500", err: "unexpected"},
		{ind: "bts_stations", value: "2500\x07", err: "unexpected"},
		{ind: "bts_stations", value: strings.Repeat("trên ", 300) + "1", err: "more than 1,000 characters"},
		{ind: "bts_stations", value: "trên trên 1", err: "unexpected"},
		{ind: "bts_stations", value: "2.500 trạm, tăng 29,46% so với năm 2016", err: "unexpected"},
		{ind: "bts_stations", value: "đạt 2.500 trạm.", want: 2500},
		{ind: "online_dossier_rate", value: "đạt trên 81,7%", want: 81.7},
	})
}

// TestScaleWordsAndUnaccentedWords: stacked scale words multiply when the
// larger comes last, trăm and chục are scales, and qualifiers, scales and
// currencies typed without diacritics are read; unknown words are refused.
func TestScaleWordsAndUnaccentedWords(t *testing.T) {
	runTruth(t, []truthCase{
		{ind: "bts_sites", value: "2 trăm", want: 200},
		{ind: "bts_sites", value: "25 chục", want: 250},
		{ind: "ict_revenue", value: "5 trăm tỷ", want: 500},
		{ind: "ict_revenue", value: "5 chục tỷ đồng", want: 50},
		{ind: "ict_revenue", value: "5 nghìn triệu đồng", want: 5},
		{ind: "ict_revenue", value: "5 trăm nghìn tỷ", want: 500000},
		{ind: "ict_revenue", value: "5 triệu triệu", err: "scale words"},
		{ind: "ict_revenue", value: "5 nghìn nghìn", err: "scale words"},
		{ind: "ict_revenue", value: "5 tỷ tỷ", err: "scale words"},
		{ind: "ict_revenue", value: "5 triệu tỷ tỷ", err: "scale words"},
		{ind: "ict_revenue", value: "5 trieu dong", want: 0.005},
		{ind: "ict_revenue", value: "5 nghin ty", want: 5000},
		{ind: "bts_stations", value: "tren 2.500", want: 2500},
		{ind: "online_dossier_rate", value: "gan 80%", want: 80},
		{ind: "ict_revenue", value: "5 triệuđồng", err: "unexpected"},
		{ind: "ict_revenue", value: "5 tr đồng", err: "unexpected"},
		{ind: "ict_revenue", value: "5 EUR", err: "unexpected"},
		{ind: "ict_revenue", value: "5 yên", err: "unexpected"},
		{ind: "bts_sites", value: "2500 tr", err: "unexpected"},
	})
}

// TestCountedThingsInTheCell: what a cell says it counts must be what the
// indicator counts, and agree with the unit column.
func TestCountedThingsInTheCell(t *testing.T) {
	runTruth(t, []truthCase{
		{ind: "bts_sites", value: "2.500 trạm", err: "the cell counts stations, but bts_sites is in site"},
		{ind: "bts_stations", value: "2.500 vị trí", err: "counts sites"},
		{ind: "bts_stations", value: "2.500 người", err: "counts persons"},
		{ind: "bts_sites", value: "2.500 xe máy", err: "unexpected"},
		{ind: "bts_stations", value: "1.200 vị trí", unit: "trạm", err: "the cell counts sites but the unit says"},
		{ind: "bts_stations", value: "2.500 trạm", want: 2500},
		{ind: "bts_sites", value: "gần 1.900 vị trí", want: 1900},
		{ind: "mobile_subscribers", value: "1,3 triệu thuê bao", want: 1300000},
	})
}

// TestOneGroupInTheOtherLocale: a number with only a decimal mark and three
// digits after it reads a thousand times larger in the other locale, so
// (outside counts, which refuse it as fractional) it is refused.
func TestOneGroupInTheOtherLocale(t *testing.T) {
	runTruth(t, []truthCase{
		{ind: "ict_revenue", value: "183,001 tỷ đồng", err: "ambiguous number: 183,001 is 183.001 in Vietnamese but 183001 in English; write 183.001 for 183001, or 183,0010 for 183.001"},
		{ind: "ict_revenue", value: "183,0010", want: 183.001},
		{ind: "ict_revenue", value: "183.001", want: 183001},
		{ind: "ict_revenue", value: "0,125", want: 0.125},
		{ind: "ict_revenue", value: "1.183,001", want: 1183.001},
		{ind: "ict_revenue", value: "2.500", loc: English, err: "ambiguous number: 2.500 is 2.500 in English but 2500 in Vietnamese"},
		{ind: "ict_revenue", value: "2,500.5", loc: English, want: 2500.5},
		{ind: "online_dossier_rate", value: "81,725%", err: "ambiguous number"},
	})
}

// TestPrecisionNeverLost: a figure with more significant digits than a
// float keeps, or too small to keep, is refused rather than rounded.
func TestPrecisionNeverLost(t *testing.T) {
	runTruth(t, []truthCase{
		{ind: "bts_stations", value: "9007199254740993", err: "more significant digits"},
		{ind: "ict_revenue", value: "12345678901234567890123", err: "more significant digits"},
		{ind: "ict_revenue", value: "1,000000000000000000000000000001", err: "more significant digits"},
		{ind: "ict_revenue", value: "0," + strings.Repeat("0", 400) + "1", err: "more significant digits"},
		{ind: "ict_revenue", value: "0,30000000000000004", want: 0.30000000000000004},
		{ind: "bts_stations", value: "9007199254740992", want: 9007199254740992},
		{ind: "ict_revenue", value: "1" + strings.Repeat("0", 300), want: 1e300},
	})
}

// TestCanonicalQualifierAgreesWithRaw: a canonical row whose raw text
// states another qualifier than its qualifier column is refused.
func TestCanonicalQualifierAgreesWithRaw(t *testing.T) {
	text := "indicator,area,period,value,qualifier,raw\n" +
		"bts_stations,DB,2019,2500,over,khoảng 2.500\n" +
		"bts_stations,DB,2020,2500,exact,trên 2.500\n" +
		"bts_stations,DB,2021,2500,over,trên 2.500\n" +
		"bts_stations,DB,2022,2500,over,2.500\n"
	got, errs := readAll(t, "q.csv", text, Options{})
	if len(got) != 2 || !strings.Contains(errs, `q.csv:2:5: qualifier "over": raw "khoảng 2.500" says about, but the qualifier column says over`) ||
		!strings.Contains(errs, `q.csv:3:5: qualifier "exact": raw "trên 2.500" says over`) {
		t.Errorf("got %s, errors %s", brief(got), errs)
	}
}

// TestNameColumnsAgreeWithCodes: a name column beside a code column must
// name the same entry; a name chiso does not know is description.
func TestNameColumnsAgreeWithCodes(t *testing.T) {
	text := "Mã chỉ tiêu,Chỉ tiêu,Mã địa bàn,Tỉnh,Năm 2019\n" +
		"bts_stations,Số vị trí trạm BTS,DB,Điện Biên,1.200\n" +
		"bts_stations,Số trạm BTS,DB,Phú Yên,1.300\n" +
		"bts_stations,Trạm phát sóng (tự đặt tên),DB,Tỉnh Điện Biên,1.400\n"
	got, errs := readAll(t, "m.csv", text, Options{})
	if len(got) != 1 || got[0].Value != 1400 ||
		!strings.Contains(errs, `m.csv:2:2: indicator "Số vị trí trạm BTS": the name is bts_sites's but the code beside it is bts_stations`) ||
		!strings.Contains(errs, `m.csv:3:4: area "Phú Yên": the name is PY's but the code beside it is DB`) {
		t.Errorf("got %s, errors %s", brief(got), errs)
	}
}

// TestHeaderAndBOMOddities: two columns for one period are refused; a JSON
// file with a byte-order mark reads as without one.
func TestHeaderAndBOMOddities(t *testing.T) {
	_, errs := readAll(t, "d.csv", "Chỉ tiêu,Tỉnh,Năm 2019,2019\nbts_stations,DB,1.200,1.300\n", Options{})
	if !strings.Contains(errs, `d.csv:1:4: column "2019": a second column for 2019 (the first is "Năm 2019", field 3)`) {
		t.Errorf("errors %s", errs)
	}
	got, errs := readAll(t, "b.json", "\ufeff"+`[{"indicator":"bts_stations","area":"DB","period":"2019","value":"1.200"}]`, Options{})
	if errs != "" || len(got) != 1 || got[0].Value != 1200 {
		t.Errorf("got %s, errors %s", brief(got), errs)
	}
}

// TestLongLinesAndObjects: a CSV line or a JSON object longer than 1 MiB
// is refused before it is held whole (a 50 MB cell does not cost 50 MB
// several times over).
func TestLongLinesAndObjects(t *testing.T) {
	big := strings.Repeat("9", 3<<20)
	_, errs := readAll(t, "l.csv", "indicator,area,period,value\nbts_stations,DB,2019,2500\nbts_stations,DB,2020,\""+big+"\"\n", Options{})
	if !strings.Contains(errs, "l.csv:3: a line longer than 1 MiB") || len(errs) > 1000 {
		t.Errorf("errors %.300s", errs)
	}
	_, errs = readAll(t, "o.json", `[{"indicator":"bts_stations","area":"DB","period":"2019","value":"`+big+`"}]`, Options{})
	if !strings.Contains(errs, "an object longer than 1 MiB") || len(errs) > 1000 {
		t.Errorf("errors %.300s", errs)
	}
	header := strings.Repeat(big, 10) // a 30 MB header line
	var m1, m2 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m1)
	readAll(t, "h.csv", header, Options{})
	runtime.ReadMemStats(&m2)
	if grew := m2.TotalAlloc - m1.TotalAlloc; grew > 12<<20 {
		t.Errorf("reading a 30 MB line allocated %d MB", grew>>20)
	}
}
