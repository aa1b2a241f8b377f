package ingest

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/xuri/excelize/v2"
)

// styled is a cell with a number format: a built-in format's id, or a
// custom code.
type styled struct {
	v      any
	numFmt int
	custom string
}

// setStyled writes a styled cell.
func setStyled(t *testing.T, f *excelize.File, sheet, cell string, s styled) {
	t.Helper()
	if err := f.SetCellValue(sheet, cell, s.v); err != nil {
		t.Fatal(err)
	}
	st := &excelize.Style{NumFmt: s.numFmt}
	if s.custom != "" {
		st.CustomNumFmt = &s.custom
	}
	id, err := f.NewStyle(st)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.SetCellStyle(sheet, cell, cell, id); err != nil {
		t.Fatal(err)
	}
}

// writeWorkbook builds a workbook: each sheet's rows, cell by cell, where
// a float64 is a number cell, a string a text cell and a styled a cell
// with a number format.
func writeWorkbook(t *testing.T, sheets map[string][][]any, order []string) *excelize.File {
	t.Helper()
	f := excelize.NewFile()
	for i, name := range order {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				t.Fatal(err)
			}
		} else if _, err := f.NewSheet(name); err != nil {
			t.Fatal(err)
		}
		for r, cells := range sheets[name] {
			for c, v := range cells {
				if v == nil {
					continue
				}
				cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
				if st, ok := v.(styled); ok {
					setStyled(t, f, name, cell, st)
					continue
				}
				if err := f.SetCellValue(name, cell, v); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	return f
}

func TestReadXLSX(t *testing.T) {
	f := writeWorkbook(t, map[string][][]any{
		"Dài": {
			{"indicator", "area", "period", "value"},
			{"ict_revenue", "VP", "2022", 183.001},         // a number cell is a number
			{"ict_revenue", "VP", "2010", 1307.44},         // whatever the locale
			{"ict_revenue", "VP", "2015", "3.560 tỷ đồng"}, // a text cell is printed
			{},
			{"ict_revenue", "VP", "2004", "183.001"}, // text: Vietnamese thousands
			{"bts_stations", "PT", "2017", "1.5"},    // text: ambiguous
			{"ict_revenue", "PT", "2016", 0.0015},
		},
		"Rộng": {
			{"indicator", "area", "2022", "2023"},
			{"bts_stations", "VP", 2800.0, "3.000"},
			{"nope", "VP", 1.0, nil},
		},
	}, []string{"Dài", "Rộng"})
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	got, errs := readAll(t, "so-lieu.xlsx", buf.String(), Options{Lang: "en"})
	// A number cell's raw text is the cell as a Vietnamese spreadsheet
	// shows it: 183.001 in the general format shows as 183,001.
	want := `ict_revenue VP 2022 183.001 exact raw="183,001" src=so-lieu.xlsx
ict_revenue VP 2010 1307.44 exact raw="1307,44" src=so-lieu.xlsx
ict_revenue VP 2015 3560 exact raw="3.560 tỷ đồng" src=so-lieu.xlsx
ict_revenue VP 2004 183001 exact raw="183.001" src=so-lieu.xlsx
ict_revenue PT 2016 0.0015 exact raw="0,0015" src=so-lieu.xlsx
bts_stations VP 2022 2800 exact raw="2800" src=so-lieu.xlsx
bts_stations VP 2023 3000 exact raw="3.000" src=so-lieu.xlsx
`
	wantErrs := "so-lieu.xlsx:Dài!D7: value \"1.5\": ambiguous number" + "|" +
		"so-lieu.xlsx:Rộng!A3: indicator \"nope\": unknown indicator"
	if brief(got) != want {
		t.Errorf("got\n%s\nwant\n%s", brief(got), want)
	}
	for _, w := range strings.Split(wantErrs, "|") {
		if !strings.Contains(errs, w) {
			t.Errorf("errors\n%s\nwant one containing %s", errs, w)
		}
	}
	if n := strings.Count(errs, "\n") + 1; n != 2 {
		t.Errorf("%d errors, want 2:\n%s", n, errs)
	}
}

func TestReadXLSXFileSheet(t *testing.T) {
	f := writeWorkbook(t, map[string][][]any{
		"Ghi chú": {{"not", "data"}},
		"Số liệu": {
			{"indicator", "area", "period", "value", "qualifier"},
			{"online_dossier_rate", "PT", "2024", 81.7, "over"},
			{"online_dossier_rate", "PT", "2023", "80,5", "exact"},
		},
	}, []string{"Ghi chú", "Số liệu"})
	path := filepath.Join(t.TempDir(), "book.xlsx")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	var got []chiso.Observation
	err := ReadFile(path, Options{Catalogue: sampleCat(t), Sheet: "Số liệu", Lang: "en"}, func(o chiso.Observation) error {
		got = append(got, o)
		return nil
	})
	if err == nil || !strings.Contains(err.Error(), `book.xlsx:Số liệu!D3: value "80,5": canonical files`) {
		t.Errorf("ReadFile error = %v", err)
	}
	if len(got) != 1 || got[0].Value != 81.7 || got[0].Qualifier != chiso.Over {
		t.Errorf("got %s", brief(got))
	}
	err = ReadFile(path, Options{Catalogue: sampleCat(t), Sheet: "Sheet9", Lang: "en"}, func(chiso.Observation) error { return nil })
	if err == nil || !strings.Contains(err.Error(), `no sheet "Sheet9"`) {
		t.Errorf("missing sheet error = %v", err)
	}
}

func TestReadXLSXDates(t *testing.T) {
	f := writeWorkbook(t, map[string][][]any{
		"Sheet1": {
			{"indicator", "area", "period", "value", "reported_on"},
			{"bts_stations", "PT", "2017", 2500.0, time.Date(2018, 1, 16, 0, 0, 0, 0, time.UTC)},
			{"bts_stations", "PT", 45505.0, 2500.0, "2018-01-16"},
		},
	}, []string{"Sheet1"})
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	got, errs := readAll(t, "d.xlsx", buf.String(), Options{Lang: "en"})
	if len(got) != 1 || !got[0].ReportedOn.Equal(time.Date(2018, 1, 16, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("got %+v", got)
	}
	if !strings.Contains(errs, `d.xlsx:Sheet1!C3: period "45505": want YYYY, YYYY-H1, YYYY-Q1 or YYYY-MM; the spreadsheet holds a number`) {
		t.Errorf("errors = %s", errs)
	}
}
