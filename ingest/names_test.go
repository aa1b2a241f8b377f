package ingest

import (
	"strings"
	"testing"

	"github.com/chiso-vn/chiso"
	"golang.org/x/text/unicode/norm"
)

func TestFold(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Số trạm BTS", "sotrambts"},
		{"  SỐ   TRẠM  bts ", "sotrambts"},
		{"Điện Biên", "dienbien"},
		{norm.NFD.String("Điện Biên"), "dienbien"},
		{"Hòa Bình", "hoabinh"},
		{"Hoà Bình", "hoabinh"},
		{"Đắk Lắk", "daklak"},
		{"Tỉnh/Thành phố", "tinhthanhpho"},
		{"bts_stations", "btsstations"},
		{"TT&TT", "tttt"},
	}
	for _, tt := range tests {
		if got := fold(tt.in); got != tt.want {
			t.Errorf("fold(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	// A city is not its province: "Thành phố"/"TP" stay (aliases name
	// centrally-run cities).
	for in, want := range map[string]string{"Tỉnh Điện Biên": "dienbien", "TP. Hồ Chí Minh": "tphochiminh",
		"Thành phố Hòa Bình": "thanhphohoabinh", "Tỉnh": "tinh", "Phú Thọ": "phutho"} {
		if got := foldArea(in); got != want {
			t.Errorf("foldArea(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzFold checks that folding never panics, is idempotent and leaves only
// lower-case ASCII letters and digits of Vietnamese text.
func FuzzFold(f *testing.F) {
	for _, s := range []string{"Số trạm BTS", "Tỉnh Điện Biên", "TP. Hồ Chí Minh", "\xff", "Đ\u0301"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		once := fold(s)
		if twice := fold(once); twice != once {
			t.Fatalf("fold(%q) = %q, but fold of that is %q", s, once, twice)
		}
		_ = foldArea(s)
		_, _ = parsePeriodWords(s)
	})
}

func TestReadNames(t *testing.T) {
	tests := []struct {
		ind, area, period string
		want              string // "bts_stations DB 2022", or the error's text after the field
	}{
		{"bts_stations", "DB", "2022", "bts_stations DB 2022"},
		{"Số trạm BTS", "Điện Biên", "2022", "bts_stations DB 2022"},
		{"so tram bts", "dien bien", "Năm 2022", "bts_stations DB 2022"},
		{"SỐ  TRẠM   BTS", "ĐIỆN BIÊN", "2022", "bts_stations DB 2022"},
		{norm.NFD.String("Số trạm BTS"), norm.NFD.String("Điện Biên"), "2022", "bts_stations DB 2022"},
		{"Trạm BTS", "Tỉnh Điện Biên", "2022", "bts_stations DB 2022"}, // aliases
		{"BTS base stations", "tinh dien bien", "2022", "bts_stations DB 2022"},
		{"BTS_STATIONS", "db", "2022", "bts_stations DB 2022"},
		{"Số trạm BTS", "Tỉnh Điện Biên", "Quý III/2024", "bts_stations DB 2024-Q3"},
		{"Số trạm BTS", "Thành phố Điện Biên", "Quý III/2024", `unknown area: did you mean DB (`}, // a city, not the province
		{"Số trạm BTS", "Phú Thọ", "2024", "bts_stations PT 2024"},
		{"Số trạm BTS", "Phú Thọ", "6 tháng đầu năm 2025", "bts_stations PT 2025-H1"},
		{"Số trạm BTS", "Phú Thọ", "2025", "bts_stations PT25 2025"},
		{"Số trạm BTS", "phu tho", "Tháng 8/2025", "bts_stations PT25 2025-08"},
		{"Số trạm BTS", "Phú Thọ (mới)", "2025", "bts_stations PT25 2025"},
		{"Số trạm BTS", "Đắc Lắc", "2024", "bts_stations DL 2024"},
		{"Số trạm BTS", "Đắc Lắc", "2025", "bts_stations DL25 2025"},

		{"Số trạm BTS", "Phú Thọ", "2024-13",
			`area "Phú Thọ": area name fits several areas and no valid period tells them apart: PT (Phú Thọ, from 1997-01-01 to 2025-06-30), PT25 (Phú Thọ, from 2025-07-01); write the code`},
		{"Số trạm BTS", "Phú Thọ", "1990",
			`area "Phú Thọ": area name fits PT (Phú Thọ, from 1997-01-01 to 2025-06-30), PT25 (Phú Thọ, from 2025-07-01), none of which exists at the end of 1990`},
		{"Số trạm BTS", "Dien Bien Phu", "2022", `area "Dien Bien Phu": unknown area: did you mean DB (Điện Biên)?`},
		{"ict_revenu", "VP", "2022", `indicator "ict_revenu": unknown indicator: did you mean ict_revenue?`},
		{"So tram BTS 5G", "VP", "2022", `indicator "So tram BTS 5G": unknown indicator: did you mean bts_stations (Số trạm BTS) or bts_5g_stations (Số trạm 5G)?`},
		{"Tổng số trạm", "VP", "2022", `indicator "Tổng số trạm": unknown indicator (not in the catalogue)`},
		{"", "VP", "2022", `indicator "": missing indicator`},
		{"bts_stations", "XX", "2022", `area "XX": unknown area (not in the catalogue)`},
	}
	for _, tt := range tests {
		text := "indicator,area,period,value\n" + tt.ind + "," + tt.area + "," + tt.period + ",5\n"
		got, errs := readAll(t, "n.csv", text, Options{Lang: "en"})
		if len(got) == 1 {
			o := got[0]
			if g := o.Indicator + " " + o.Area + " " + o.Period.String(); g != tt.want {
				t.Errorf("%q %q %q read as %s, want %s", tt.ind, tt.area, tt.period, g, tt.want)
			}
			continue
		}
		if !strings.Contains(errs, tt.want) {
			t.Errorf("%q %q %q: error\n%s\nwant one containing\n%s", tt.ind, tt.area, tt.period, errs, tt.want)
		}
	}
}

func TestReadNamesVietnamese(t *testing.T) {
	text := "indicator,area,period,value\nict_revenu,Dien Bien Phu,2022,5\nbts_stations,Phú Thọ,sau,5\n"
	_, errs := readAll(t, "n.csv", text, Options{Lang: "vi"})
	for _, want := range []string{
		`indicator "ict_revenu": không có chỉ tiêu trong danh mục: có phải là ict_revenue không?`,
		`area "Dien Bien Phu": không có địa bàn trong danh mục: có phải là DB (Điện Biên) không?`,
		`area "Phú Thọ": tên địa bàn ứng với nhiều địa bàn mà không có kỳ hợp lệ để phân biệt: PT (Phú Thọ, từ 1997-01-01 đến 2025-06-30), PT25 (Phú Thọ, từ 2025-07-01); hãy ghi mã địa bàn`,
		`period "sau": cần kỳ dạng YYYY`,
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("errors\n%s\nwant one containing\n%s", errs, want)
		}
	}
}

// TestReadNamesWide reads a department's table: a name in the area column
// that two areas share is resolved for each period column.
func TestReadNamesWide(t *testing.T) {
	text := "STT,Chỉ tiêu,Tỉnh,Đơn vị,Năm 2024,6 tháng đầu năm 2025,Năm 2025\n" +
		"1,Số trạm BTS,Phú Thọ,trạm,\"2.500\",\"2.600\",\"5.100\"\n" +
		"2,Trạm BTS,Điện Biên,trạm,\"1.234\",,\n" +
		"3,Số trạm BTS,Vinh Phuc Moi,trạm,1,,\n"
	got, errs := readAll(t, "rong.csv", text, Options{Lang: "en"})
	want := `bts_stations PT 2024 2500 exact raw="2.500" src=rong.csv
bts_stations PT 2025-H1 2600 exact raw="2.600" src=rong.csv
bts_stations PT25 2025 5100 exact raw="5.100" src=rong.csv
bts_stations DB 2024 1234 exact raw="1.234" src=rong.csv
`
	if brief(got) != want {
		t.Errorf("got\n%s\nwant\n%s", brief(got), want)
	}
	if want := `rong.csv:4:3: area "Vinh Phuc Moi": unknown area: did you mean VP (Vĩnh Phúc)?`; errs != want {
		t.Errorf("errors\n%s\nwant\n%s", errs, want)
	}
}

func TestNamesAmbiguousIndicator(t *testing.T) {
	cat := sampleCat(t)
	for i := range cat.Indicators {
		if c := cat.Indicators[i].Code; c == "bts_stations" || c == "bts_5g_stations" {
			cat.Indicators[i].Aliases = append(cat.Indicators[i].Aliases, "Số trạm")
		}
	}
	_, err := NewNames(cat).Indicator("so tram")
	want := `indicator name "so tram" fits several indicators: bts_stations (Số trạm BTS), bts_5g_stations (Số trạm 5G); write the code`
	if err == nil || err.Error() != want {
		t.Errorf("Indicator(so tram) = %v, want %s", err, want)
	}
	if ind, err := NewNames(cat).Indicator("bts_stations"); err != nil || ind.Code != "bts_stations" {
		t.Errorf("Indicator(bts_stations) = %s, %v: a code wins over names", ind.Code, err)
	}
}

func TestNamesArea(t *testing.T) {
	names := NewNames(sampleCat(t))
	tests := []struct {
		s, period, want string
	}{
		{"PT", "", "PT"},
		{"Phú Thọ", "2024", "PT"},
		{"Phú Thọ", "2025", "PT25"},
		{"Điện Biên", "", "DB"},
		{"Cả nước", "", "VN"},
		{"Phú Thọ", "", `area name "Phú Thọ" fits several areas and no valid period tells them apart`},
		{"Dak Lac", "", `unknown area "Dak Lac": did you mean`},
	}
	for _, tt := range tests {
		var p chiso.Period
		if tt.period != "" {
			p = chiso.MustParsePeriod(tt.period)
		}
		a, err := names.Area(tt.s, p)
		got := a.Code
		if err != nil {
			got = err.Error()
		}
		if !strings.HasPrefix(got, tt.want) {
			t.Errorf("Area(%q, %s) = %s, want %s", tt.s, tt.period, got, tt.want)
		}
	}
}

// BenchmarkReadNames reads a generated 100,000-row long CSV file that
// names indicators and areas by code, or by Vietnamese name (Phú Thọ being
// two areas told apart by the period), and reports rows per second.
func BenchmarkReadNames(b *testing.B) {
	cat := sampleCat(b)
	const rows = 100_000
	for _, style := range []string{"codes", "names"} {
		var buf strings.Builder
		buf.WriteString("indicator,area,period,value\n")
		for i := range rows {
			ind := cat.Indicators[i/100%len(cat.Indicators)]
			code, area := ind.Code, []string{"PT", "DB", "VP"}[i/1000%3]
			if style == "names" {
				code, area = ind.NameVI, []string{"Phú Thọ", "Điện Biên", "Vĩnh Phúc"}[i/1000%3]
			}
			p := chiso.Period{Kind: chiso.Month, Year: 2005 + i%20, N: 1 + i%12}
			buf.WriteString("\"" + code + "\"," + area + "," + p.String() + ",5\n")
		}
		data := buf.String()
		b.Run(style, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				n := 0
				err := Read(strings.NewReader(data), "bench.csv", Options{Catalogue: cat}, func(chiso.Observation) error {
					n++
					return nil
				})
				if err != nil || n != rows {
					b.Fatalf("read %d rows: %v", n, err)
				}
			}
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
