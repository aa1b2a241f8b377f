package ingest

import (
	"bytes"
	"encoding/csv"
	"strconv"
	"strings"
	"testing"
)

// TestReadHeaders reads the same tables as CSV and as XLSX: headers as a
// department types them map to chiso's columns, and the rest are refused
// saying what is accepted.
func TestReadHeaders(t *testing.T) {
	tests := []struct {
		name string
		rows [][]string
		want string // brief of the observations, or an error's text after its location
	}{
		{"issue", [][]string{
			{"Chỉ tiêu", "Tỉnh", "Đơn vị", "Năm 2022", "6 tháng đầu năm 2024"},
			{"Số trạm BTS", "Điện Biên", "trạm", "1.234", "1.300"},
		}, "bts_stations DB 2022 1234\nbts_stations DB 2024-H1 1300\n"},
		{"wide words", [][]string{
			{"STT", "Tên chỉ tiêu", "Tỉnh/thành phố", "ĐVT", "Quý III/2024", "Tháng 8/2024", "6 tháng cuối năm 2024", "Ghi chú", "Nguồn"},
			{"1", "Trạm BTS", "tỉnh điện biên", "trạm", "1.250", "1.240", "1.260", "ước", "Sở KH&CN"},
		}, "bts_stations DB 2024-Q3 1250 src=Sở KH&CN\nbts_stations DB 2024-08 1240 src=Sở KH&CN\nbts_stations DB 2024-H2 1260 src=Sở KH&CN\n"},
		{"wide capitals and canonical periods", [][]string{
			{"CHỈ TIÊU", "ĐỊA PHƯƠNG", "ĐƠN VỊ TÍNH", "2023", "2024-Q1", "Quý 2 năm 2024", "Tháng 08/2024", "Tháng 9 năm 2024"},
			{"bts_stations", "DB", "trạm", "1", "2", "3", "4", "5"},
		}, "bts_stations DB 2023 1\nbts_stations DB 2024-Q1 2\nbts_stations DB 2024-Q2 3\nbts_stations DB 2024-08 4\nbts_stations DB 2024-09 5\n"},
		{"long", [][]string{
			{"Chỉ tiêu", "Tỉnh/Thành phố", "Kỳ báo cáo", "Giá trị", "Nguồn số liệu", "Phương pháp"},
			{"Số trạm BTS", "Điện Biên", "Năm 2022", "1.234", "Báo cáo Sở", "gso"},
			{"bts_stations", "DB", "6 tháng đầu năm 2024", "1.300", "Báo cáo Sở", ""},
		}, "bts_stations DB 2022 1234 src=Báo cáo Sở\nbts_stations DB 2024-H1 1300 src=Báo cáo Sở\n"},
		{"long with a code and a name column", [][]string{
			{"Mã chỉ tiêu", "Tên chỉ tiêu", "Địa bàn", "Năm", "Số liệu"},
			{"bts_stations", "Số trạm BTS", "DB", "2022", "5"},
		}, "bts_stations DB 2022 5\n"},
		{"unknown period header", [][]string{
			{"Chỉ tiêu", "Tỉnh", "Năm 2022", "Cả năm"},
			{"bts_stations", "DB", "1", "2"},
		}, `column "Cả năm": neither a period (2024, Năm 2024, 2024-H1, 6 tháng đầu năm 2024, Quý III/2024, Tháng 8/2024) nor a column chiso knows`},
		{"two code columns", [][]string{
			{"Mã chỉ tiêu", "indicator", "Tỉnh", "2022"},
		}, `column "indicator": duplicate column: a second indicator column (the first is field 1)`},
		{"no area", [][]string{
			{"Chỉ tiêu", "Năm 2022"},
		}, `header "Chỉ tiêu,Năm 2022": no area column (headed area, or in Vietnamese Địa bàn, Tỉnh, Tỉnh/Thành phố)`},
		{"long note", [][]string{
			{"Chỉ tiêu", "Tỉnh", "Kỳ", "Giá trị", "Ghi chú"},
		}, `column "Ghi chú": unknown column (want indicator, area, period, value`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var csvText bytes.Buffer
			w := csv.NewWriter(&csvText)
			w.WriteAll(tt.rows)
			sheet := make([][]any, len(tt.rows))
			for i, r := range tt.rows {
				for _, c := range r {
					sheet[i] = append(sheet[i], c)
				}
			}
			var book bytes.Buffer
			if _, err := writeWorkbook(t, map[string][][]any{"Số liệu": sheet}, []string{"Số liệu"}).WriteTo(&book); err != nil {
				t.Fatal(err)
			}
			for name, text := range map[string]string{"bang.csv": csvText.String(), "bang.xlsx": book.String()} {
				got, errs := readAll(t, name, text, Options{Lang: "en"})
				var b strings.Builder
				for _, o := range got {
					b.WriteString(o.Indicator + " " + o.Area + " " + o.Period.String() + " " + strconv.FormatFloat(o.Value, 'f', -1, 64))
					if o.Source != name {
						b.WriteString(" src=" + o.Source)
					}
					b.WriteByte('\n')
				}
				if errs != "" {
					if !strings.Contains(errs, tt.want) {
						t.Errorf("%s: errors\n%s\nwant one containing\n%s", name, errs, tt.want)
					}
				} else if b.String() != tt.want {
					t.Errorf("%s: got\n%s\nwant\n%s", name, b.String(), tt.want)
				}
			}
		})
	}
}

func TestHeaderAliasesCanonical(t *testing.T) {
	for _, h := range headerAliases {
		if indexOf(longNames[:], h.canonical) < 0 && !contains(wideIgnored, h.canonical) {
			t.Errorf("alias of %q, which is neither a long column nor ignored in the wide layout", h.canonical)
		}
	}
	got := canonicalHeaders(plainHeaders([]string{"\ufeffChỉ tiêu", " TỈNH/THÀNH PHỐ ", "Đơn vị tính", "Năm", "Nguồn", "Tên chỉ tiêu", "Mã chỉ tiêu", "2024"}))
	want := []string{"", "area", "unit", "period", "source", "", "indicator", "2024"} // the name columns give way to the code column
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("canonicalHeaders = %q, want %q", got, want)
	}
}
