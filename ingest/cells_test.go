package ingest

import (
	"archive/zip"
	"bytes"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/xuri/excelize/v2"
)

// rawCell is a cell written into the sheet's XML as it stands, for the
// types excelize does not write: t="e" (a formula's error) and t="d" (an
// ISO 8601 date).
type rawCell struct{ typ, v string }

// bookBytes saves a workbook, writing its rawCells into the worksheets'
// XML.
func bookBytes(t *testing.T, sheets map[string][][]any, order []string) []byte {
	t.Helper()
	raws := map[string]rawCell{}
	for _, rows := range sheets {
		for r, cells := range rows {
			for c, v := range cells {
				if rc, ok := v.(rawCell); ok {
					ref, _ := excelize.CoordinatesToCellName(c+1, r+1)
					raws[ref] = rc
					cells[c] = "placeholder"
				}
			}
		}
	}
	var buf bytes.Buffer
	if _, err := writeWorkbook(t, sheets, order).WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	if len(raws) == 0 {
		return buf.Bytes()
	}
	return rewriteParts(t, buf.Bytes(), func(name string, b []byte) []byte {
		if !strings.HasPrefix(name, "xl/worksheets/") {
			return b
		}
		for ref, rc := range raws {
			re := regexp.MustCompile(`<c r="` + ref + `"[^>]*>.*?</c>`)
			b = re.ReplaceAll(b, []byte(`<c r="`+ref+`" t="`+rc.typ+`"><v>`+rc.v+`</v></c>`))
		}
		return b
	})
}

// rewriteParts copies a zip archive, passing each part through edit.
func rewriteParts(t *testing.T, data []byte, edit func(name string, b []byte) []byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		w, err := zw.Create(f.Name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(edit(f.Name, b)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// TestReadXLSXCells reads value cells of every kind in a printed file: a
// number by its number and format, a text through the locale's reading.
func TestReadXLSXCells(t *testing.T) {
	const (
		count   = "bts_stations"        // station
		money   = "ict_revenue"         // billion_vnd
		percent = "online_dossier_rate" // percent
	)
	tests := []struct {
		name  string
		ind   string
		cell  any
		loc   Locale
		value float64
		q     chiso.Qualifier
		raw   string
		err   string // a part of the only error, in English; empty for none
	}{
		{name: "general number is itself", ind: money, cell: 1.25, value: 1.25, raw: "1,25"},
		{name: "general number in English", ind: money, cell: 1.25, loc: English, value: 1.25, raw: "1.25"},
		{name: "general 183.001 is not 183001", ind: money, cell: 183.001, value: 183.001, raw: "183,001"},
		{name: "thousands format", ind: count, cell: styled{v: 1250.0, numFmt: 3}, value: 1250, raw: "1.250"},
		{name: "thousands format in English", ind: count, cell: styled{v: 1250.0, numFmt: 3}, loc: English, value: 1250, raw: "1,250"},
		{name: "thousands with decimals", ind: money, cell: styled{v: 1307.44, numFmt: 4}, value: 1307.44, raw: "1.307,44"},
		{name: "custom thousands", ind: count, cell: styled{v: 530100.0, custom: "#,##0"}, value: 530100, raw: "530.100"},
		{name: "custom format with text", ind: money, cell: styled{v: 3560.0, custom: `#,##0 "tỷ đồng"`}, value: 3560, raw: "3.560 tỷ đồng"},
		{name: "custom text with h is no time", ind: count, cell: styled{v: 12.0, custom: `0 "tháng"`}, value: 12, raw: "12 tháng"},
		{name: "percent 0%", ind: percent, cell: styled{v: 0.93, numFmt: 9}, value: 93, raw: "93%"},
		{name: "percent 0.00%", ind: percent, cell: styled{v: 0.817, numFmt: 10}, value: 81.7, raw: "81,70%"},
		{name: "percent custom 0.0% exactly", ind: percent, cell: styled{v: 0.075, custom: "0.0%"}, value: 7.5, raw: "7,5%"},
		{name: "percent formula result", ind: percent, cell: styled{v: 108.0 / 129, numFmt: 10}, value: 83.7209302325581, raw: "83,72%"}, // excelize stores 15 digits
		{name: "percent indicator, general 93", ind: percent, cell: 93.0, value: 93, raw: "93"},
		{name: "percent indicator, general 0.93 as is", ind: percent, cell: 0.93, value: 0.93, raw: "0,93"},
		{name: "percent cell into a count", ind: count, cell: styled{v: 0.5, numFmt: 9}, err: `Số liệu!D2: value "50%": the cell is formatted as a percentage, but bts_stations is measured in station`},
		{name: "percent cell into money", ind: money, cell: styled{v: 0.5, custom: "0.0%"}, err: `value "50,0%": the cell is formatted as a percentage`},
		{name: "date cell", ind: count, cell: styled{v: 45505.0, numFmt: 14}, err: `Số liệu!D2: value "2024-08-01": the cell is a date, not a figure`},
		{name: "custom date", ind: count, cell: styled{v: 45505.0, custom: "dd/mm/yyyy"}, err: `value "2024-08-01": the cell is a date`},
		{name: "date time", ind: count, cell: styled{v: 45505.5, numFmt: 22}, err: `value "2024-08-01 12:00:00": the cell is a date`},
		{name: "elapsed time", ind: count, cell: styled{v: 1.5, custom: "[h]:mm"}, err: "the cell is a date"},
		{name: "time.Time cell", ind: count, cell: time.Date(2024, 8, 1, 0, 0, 0, 0, time.UTC), err: `value "2024-08-01": the cell is a date`},
		{name: "ISO date cell", ind: count, cell: rawCell{"d", "2024-08-01T00:00:00"}, err: `value "2024-08-01T00:00:00": the cell is a date`},
		{name: "boolean", ind: count, cell: true, err: `Số liệu!D2: value "TRUE": the cell holds a yes/no value`},
		{name: "formula error", ind: count, cell: rawCell{"e", "#DIV/0!"}, err: `Số liệu!D2: value "#DIV/0!": the cell holds a formula's error`},
		{name: "text Vietnamese decimal", ind: money, cell: "1.307,44", value: 1307.44, raw: "1.307,44"},
		{name: "text Vietnamese thousands", ind: money, cell: "183.001", value: 183001, raw: "183.001"},
		{name: "text qualifier and percent", ind: percent, cell: "trên 81,7%", value: 81.7, q: chiso.Over, raw: "trên 81,7%"},
		{name: "text ambiguous: alone in its file, a file in English", ind: count, cell: "1.5", err: `the numbers of this file are written in English (the value "1.5" at Số liệu!D2 reads only that way)`},
		{name: "text ambiguous", ind: count, cell: "1.5 trạm, 2.500", err: `Số liệu!D2: value "1.5 trạm, 2.500": ambiguous number`},
		{name: "text with scale", ind: money, cell: "3.560 tỷ đồng", value: 3560, raw: "3.560 tỷ đồng"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := bookBytes(t, map[string][][]any{"Số liệu": {
				{"indicator", "area", "period", "value"},
				{tt.ind, "PT", "2024", tt.cell},
			}}, []string{"Số liệu"})
			got, errs := readAll(t, "b.xlsx", string(data), Options{Locale: tt.loc, Lang: "en"})
			if tt.err != "" {
				if len(got) != 0 || !strings.Contains(errs, tt.err) || strings.Contains(errs, "\n") {
					t.Errorf("got %s, errors\n%s\nwant only one containing %s", brief(got), errs, tt.err)
				}
				return
			}
			if errs != "" || len(got) != 1 {
				t.Fatalf("got %s, errors %s", brief(got), errs)
			}
			o := got[0]
			if o.Value != tt.value || o.Qualifier != tt.q || o.Raw != tt.raw {
				t.Errorf("got %v %s raw %q, want %v %s raw %q", o.Value, o.Qualifier, o.Raw, tt.value, tt.q, tt.raw)
			}
		})
	}
}

// TestReadXLSXTextLikeCSV checks that a text cell is read exactly as the
// same text in a CSV file, whatever the text parser makes of it.
func TestReadXLSXTextLikeCSV(t *testing.T) {
	for _, text := range []string{"530 100", "1.307,44", "trên 81,7%", "gần 1.900 vị trí", "1,86 triệu tỷ đồng", "2.500"} {
		for _, ind := range []string{"bts_stations", "online_dossier_rate", "ict_revenue"} {
			data := bookBytes(t, map[string][][]any{"S": {{"indicator", "area", "period", "value"}, {ind, "PT", "2024", text}}}, []string{"S"})
			gotX, errX := readAll(t, "b.xlsx", string(data), Options{Source: "s"})
			gotC, errC := readAll(t, "b.csv", "indicator,area,period,value\n"+ind+",PT,2024,\""+text+"\"\n", Options{Source: "s"})
			errX = strings.ReplaceAll(errX, "b.xlsx:S!D2", "b.csv:2:4")
			if brief(gotX) != brief(gotC) || errX != errC {
				t.Errorf("%s %q: XLSX %s %s, CSV %s %s", ind, text, brief(gotX), errX, brief(gotC), errC)
			}
		}
	}
}

// TestReadXLSXCanonicalCells reads value cells of a canonical file (one
// with a qualifier column): a number cell is its number, a percent cell
// its percentage, and the raw text comes from the raw column only.
func TestReadXLSXCanonicalCells(t *testing.T) {
	data := bookBytes(t, map[string][][]any{"S": {
		{"indicator", "area", "period", "value", "qualifier", "raw"},
		{"online_dossier_rate", "PT", "2024", styled{v: 0.817, numFmt: 10}, "over", "trên 81,7%"},
		{"online_dossier_rate", "PT", "2023", styled{v: 0.93, numFmt: 9}, "exact"},
		{"ict_revenue", "VP", "2022", 183.001, "exact"},
		{"ict_revenue", "VP", "2021", styled{v: 1307.44, numFmt: 4}, "estimate", "ước 1.307,44 tỷ đồng"},
		{"bts_stations", "PT", "2022", styled{v: 0.5, numFmt: 9}, "exact"},
		{"bts_stations", "PT", "2021", styled{v: 45505.0, numFmt: 14}, "exact"},
		{"bts_stations", "PT", "2020", rawCell{"e", "#N/A"}, "exact"},
		{"ict_revenue", "VP", "2020", styled{v: 2.5, numFmt: 4}, "exact", "2.500 tỷ đồng"},
	}}, []string{"S"})
	got, errs := readAll(t, "c.xlsx", string(data), Options{Lang: "en"})
	want := `online_dossier_rate PT 2024 81.7 over raw="trên 81,7%" src=c.xlsx
online_dossier_rate PT 2023 93 exact raw="" src=c.xlsx
ict_revenue VP 2022 183.001 exact raw="" src=c.xlsx
ict_revenue VP 2021 1307.44 estimate raw="ước 1.307,44 tỷ đồng" src=c.xlsx
`
	if brief(got) != want {
		t.Errorf("got\n%s\nwant\n%s", brief(got), want)
	}
	for _, w := range []string{
		`c.xlsx:S!D6: value "50%": the cell is formatted as a percentage`,
		`c.xlsx:S!D7: value "2024-08-01": the cell is a date`,
		`c.xlsx:S!D8: value "#N/A": the cell holds a formula's error`,
		`c.xlsx:S!D9: value "2.5": raw "2.500 tỷ đồng" reads as 2500`,
	} {
		if !strings.Contains(errs, w) {
			t.Errorf("errors\n%s\nwant one containing %s", errs, w)
		}
	}
	if n := strings.Count(errs, "\n") + 1; n != 4 {
		t.Errorf("%d errors, want 4:\n%s", n, errs)
	}
}

// TestReadXLSXWideCells reads the period cells of a wide sheet as cells.
func TestReadXLSXWideCells(t *testing.T) {
	data := bookBytes(t, map[string][][]any{"Rộng": {
		{"indicator", "area", "2022", "2023", "2024"},
		{"bts_stations", "VP", styled{v: 2800.0, numFmt: 3}, "3.000", styled{v: 45505.0, numFmt: 14}},
		{"online_dossier_rate", "VP", styled{v: 0.805, numFmt: 10}, "trên 81,7%", 0.9},
	}}, []string{"Rộng"})
	got, errs := readAll(t, "w.xlsx", string(data), Options{Lang: "en"})
	want := `bts_stations VP 2022 2800 exact raw="2.800" src=w.xlsx
bts_stations VP 2023 3000 exact raw="3.000" src=w.xlsx
online_dossier_rate VP 2022 80.5 exact raw="80,50%" src=w.xlsx
online_dossier_rate VP 2023 81.7 over raw="trên 81,7%" src=w.xlsx
online_dossier_rate VP 2024 0.9 exact raw="0,9" src=w.xlsx
`
	if brief(got) != want {
		t.Errorf("got\n%s\nwant\n%s", brief(got), want)
	}
	if w := `w.xlsx:Rộng!E2: 2024 "2024-08-01": the cell is a date`; !strings.Contains(errs, w) || strings.Contains(errs, "\n") {
		t.Errorf("errors\n%s\nwant only one containing %s", errs, w)
	}
}

// TestReadXLSXPeriodCells explains period cells that the spreadsheet made
// numbers or dates of, and reads a year typed as a number.
func TestReadXLSXPeriodCells(t *testing.T) {
	data := bookBytes(t, map[string][][]any{"S": {
		{"indicator", "area", "period", "value"},
		{"bts_stations", "PT", 2024.0, 2500.0},
		{"bts_stations", "PT", styled{v: 45505.0, numFmt: 17}, 2500.0},
		{"bts_stations", "PT", 45505.0, 2500.0},
	}}, []string{"S"})
	for _, lang := range []string{"en", "vi"} {
		got, errs := readAll(t, "p.xlsx", string(data), Options{Lang: lang})
		if len(got) != 1 || got[0].Period.String() != "2024" {
			t.Errorf("got %s", brief(got))
		}
		want := map[string][]string{
			"en": {`p.xlsx:S!C3: period "45505": want YYYY, YYYY-H1, YYYY-Q1 or YYYY-MM; the spreadsheet made this cell a date ("2024-08-01")`,
				`p.xlsx:S!C4: period "45505": want YYYY, YYYY-H1, YYYY-Q1 or YYYY-MM; the spreadsheet holds a number here`},
			"vi": {`p.xlsx:S!C3: period "45505": cần dạng YYYY, YYYY-H1, YYYY-Q1 hoặc YYYY-MM; bảng tính đã tự đổi ô này thành ngày tháng ("2024-08-01")`,
				`p.xlsx:S!C4: period "45505": cần dạng YYYY, YYYY-H1, YYYY-Q1 hoặc YYYY-MM; ô này chứa một số`},
		}[lang]
		for _, w := range want {
			if !strings.Contains(errs, w) {
				t.Errorf("errors\n%s\nwant one containing %s", errs, w)
			}
		}
	}
}

func TestCustomKind(t *testing.T) {
	tests := []struct {
		code string
		want cellKind
	}{
		{"#,##0", cellNumber},
		{"#,##0.00;[Red]-#,##0.00", cellNumber},
		{`0 "tháng"`, cellNumber},
		{`#,##0\h`, cellNumber},
		{`[$-42A]#,##0`, cellNumber},
		{`_(* #,##0_);_(* (#,##0);_(* "-"_);_(@_)`, cellNumber},
		{"General", cellNumber},
		{"0.00E+00", cellNumber},
		{"0%", cellPercent},
		{"0.0%", cellPercent},
		{`#,##0.0%;[Red]-#,##0.0%`, cellPercent},
		{`0"%"`, cellNumber},
		{"dd/mm/yyyy", cellDate},
		{"[$-42A]dd/mm/yyyy", cellDate},
		{"mmm-yy", cellDate},
		{"h:mm AM/PM", cellDate},
		{"[h]:mm:ss", cellDate},
		{"[mm]:ss", cellDate},
		{`yyyy"-Q"q`, cellDate},
	}
	for _, tt := range tests {
		if got := customKind(tt.code); got != tt.want {
			t.Errorf("customKind(%q) = %d, want %d", tt.code, got, tt.want)
		}
	}
}

func TestPercentOf(t *testing.T) {
	for v, want := range map[float64]float64{0.93: 93, 0.075: 7.5, 0.817: 81.7, 1: 100, 0: 0, -0.012: -1.2, 1e-9: 1e-7} {
		if got := percentOf(v); got != want {
			t.Errorf("percentOf(%v) = %v, want %v", v, got, want)
		}
	}
}

func TestLocalMarks(t *testing.T) {
	for s, want := range map[string]string{
		"1,307.44":          "1.307,44",
		"93.00%":            "93,00%",
		"1,250 tr. đồng":    "1.250 tr. đồng",
		"0.0000001":         "0,0000001",
		"Tháng 1, năm 2024": "Tháng 1, năm 2024",
	} {
		if got := localMarks(s, Vietnamese); got != want {
			t.Errorf("localMarks(%q) = %q, want %q", s, got, want)
		}
		if got := localMarks(s, English); got != s {
			t.Errorf("localMarks(%q, English) = %q", s, got)
		}
	}
}

// TestPlainFormat checks that the usual formats, formatted without
// excelize, show numbers as excelize does.
func TestPlainFormat(t *testing.T) {
	bk := newBook(excelize.NewFile(), English)
	formats := []struct {
		id     int
		custom string
	}{{1, ""}, {2, ""}, {3, ""}, {4, ""}, {9, ""}, {10, ""}, {0, "#,##0.000"}, {0, "0.0%"}, {0, "#,##0.0%"}, {0, "0.0"}}
	values := []float64{0, 1, -1, 0.5, 1.5, 2.5, -2.5, 0.075, 0.005, 0.0049, 0.93, 0.817, 1250, 1307.44, 183.001, 999.995, 9999.5,
		-1307.445, 123456789.987654, 0.1 + 0.2, 1e-7, 45505.5, 99.99999, 530100, -0.0001}
	for _, f := range formats {
		p := plainFormat(f.id, f.custom)
		if p == nil {
			t.Fatalf("plainFormat(%d, %q) = nil", f.id, f.custom)
		}
		sf := &styleFmt{numFmt: &excelize.Style{NumFmt: f.id}}
		if f.custom != "" {
			sf.numFmt.CustomNumFmt = &f.custom
		}
		for _, v := range values {
			if got, want := p.format(v), bk.scratchFormat(v, sf); got != want {
				t.Errorf("format %d %q of %v = %q, excelize %q", f.id, f.custom, v, got, want)
			}
		}
	}
	for _, code := range []string{"0.0#", "#,##0 \"đ\"", "0.00E+00", "#,##0;(#,##0)", "00", "0."} {
		if p := plainFormat(0, code); p != nil {
			t.Errorf("plainFormat(%q) = %+v, want nil", code, p)
		}
	}
}
