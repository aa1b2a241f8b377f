package ingest

import (
	"bytes"
	"math"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/chiso-vn/chiso"
)

var fuzzNumbers = []string{"2.500", "1.307,44", "183.001", "81,7", "1.5", "0,125", "-3", "1,307.44", "", "9.999.999,999", "00.000", "1.000.000.000.000.000.000.000"}

// FuzzParseNumber checks that the number parser never panics, that what it
// reads formats back to the same number, and that every formatted number
// reads back exactly.
func FuzzParseNumber(f *testing.F) {
	for _, s := range fuzzNumbers {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, en bool) {
		loc := Vietnamese
		if en {
			loc = English
		}
		v, err := ParseNumber(s, loc)
		if err == nil && looksLikeGarbage(s) {
			t.Fatalf("%q reads as %v", s, v)
		}
		if err != nil {
			if !strings.Contains(err.Error(), "number ") {
				t.Fatalf("error %q does not name the number", err)
			}
			return
		}
		out := FormatNumber(v, loc)
		back, err := ParseNumber(out, loc)
		if err != nil || math.Float64bits(back) != math.Float64bits(v) {
			t.Fatalf("%q = %v formats as %q which reads as %v, %v", s, v, out, back, err)
		}
	})
}

// FuzzFormatNumber checks that every finite float64 formats and reads back
// exactly in both locales.
func FuzzFormatNumber(f *testing.F) {
	for _, v := range []float64{0, 1307.44, 183001, 0.125, -2500, 1e300, 5e-324, 123456789.123} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v float64) {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return
		}
		for _, loc := range []Locale{Vietnamese, English} {
			s := FormatNumber(v, loc)
			back, err := ParseNumber(s, loc)
			if err != nil || math.Float64bits(back) != math.Float64bits(v) {
				t.Fatalf("%v in %s = %q reads as %v, %v", v, loc, s, back, err)
			}
		}
	})
}

// FuzzParseFigure checks that the figure parser and extractor never panic,
// that a parsed figure's number re-parses from its formatted form, and that
// extraction agrees with the strict parse on a figure printed alone.
func FuzzParseFigure(f *testing.F) {
	for _, s := range []string{"trên 81,7%", "gần 1.900", "khoảng 50 nghìn", "ước đạt 8,6 tỷ USD", "1,86 triệu tỷ đồng",
		"xếp thứ 6/63 tỉnh", "mạng 5G đã phát sóng 5 trạm", "2.500 trạm, tăng 29,46% so với năm 2016", "$-5", "-−1", "20 biên chế (tháng 12/2007)"} {
		f.Add(s)
	}
	kinds := []chiso.Indicator{pctInd, countInd, rankInd, vndInd, usdInd}
	f.Fuzz(func(t *testing.T, s string) {
		garbage := looksLikeGarbage(s)
		for _, ind := range kinds {
			v, _, err := ExtractFigure(s, ind, Vietnamese, false)
			if err == nil && garbage {
				t.Fatalf("%q reads as %v for %s", s, v, ind.Code)
			}
			_, _, _ = ExtractFigure(s, ind, English, true)
		}
		fig, err := ParseFigure(s, Vietnamese)
		if err != nil {
			return
		}
		if garbage {
			t.Fatalf("%q parses as %v", s, fig.Number())
		}
		n := fig.Number()
		if math.IsInf(n, 0) {
			return
		}
		printed := FormatNumber(n, Vietnamese)
		again, err := ParseFigure(printed, Vietnamese)
		if err != nil || math.Float64bits(again.Number()) != math.Float64bits(n) {
			t.Fatalf("%q = %v prints as %q which reads as %v, %v", s, n, printed, again.Number(), err)
		}
		ind := countInd
		if fig.Percent {
			ind = pctInd
		}
		want, errIn := fig.In(ind)
		got, q, errX := ExtractFigure(s, ind, Vietnamese, false)
		if errIn == nil && (errX != nil || math.Float64bits(got) != math.Float64bits(want) || q != fig.Qualifier) {
			t.Fatalf("%q: ParseFigure gives %v %v, ExtractFigure %v %v, %v", s, want, fig.Qualifier, got, q, errX)
		}
	})
}

// garbageText matches what must never yield a number, written
// independently of the reader's own check: an exponent, an underscore next
// to a digit.
var garbageText = regexp.MustCompile(`[0-9][eE][-+−]?[0-9]|[0-9]_|_[0-9]`)

func looksLikeGarbage(s string) bool { return !utf8.ValidString(s) || garbageText.MatchString(s) }

// FuzzRead checks that no CSV or JSON input makes the reader panic, that
// no value cell holding an exponent, an underscore or invalid UTF-8 yields
// a figure, and that whatever it accepts exports and reads back unchanged.
func FuzzRead(f *testing.F) {
	f.Add("indicator,area,period,value\nbts_stations,PT,2017,2.500\n", false)
	f.Add("indicator,area,period,value,qualifier,raw\nict_revenue,VP,2022,183001,,183.001 tỷ đồng\n", false)
	f.Add("indicator;area;2022;2023\nbts_stations;VP;2.800;\"3.000\"\n", false)
	f.Add(`[{"indicator":"ict_revenue","area":"VP","period":"2010","value":"1.307,44"}]`, true)
	f.Add("Chỉ tiêu,Tỉnh,Đơn vị,Năm 2024,6 tháng đầu năm 2025,Quý III/2025\nSố trạm BTS,Phú Thọ,trạm,\"2.500\",1,2\n", false)
	f.Add("Tên chỉ tiêu;Địa phương;Kỳ;Giá trị\nso tram bts;tinh dien bien;Tháng 8/2024;5\n", false)
	cat, err := sampleCatalogue()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text string, isJSON bool) {
		name := "f.csv"
		if isJSON {
			name = "f.json"
		}
		var got []chiso.Observation
		_ = Read(strings.NewReader(text), name, Options{Catalogue: cat}, func(o chiso.Observation) error {
			got = append(got, o)
			return nil
		})
		if !strings.Contains(strings.ToLower(text), "raw") { // then a printed figure's raw is its value cell
			for _, o := range got {
				if looksLikeGarbage(o.Raw) {
					t.Fatalf("value cell %q read as %v", o.Raw, o.Value)
				}
			}
		}
		var buf bytes.Buffer
		w := NewCSVWriter(&buf, false)
		for _, o := range got {
			if err := w.Write(o); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		i := 0
		err := Read(&buf, "export.csv", Options{Catalogue: cat}, func(o chiso.Observation) error {
			if i >= len(got) || !sameObservation(o, got[i]) {
				t.Fatalf("row %d reads back as %+v, want %+v", i, o, got[i])
			}
			i++
			return nil
		})
		if err != nil || i != len(got) {
			t.Fatalf("export of %d rows read back %d: %v", len(got), i, err)
		}
	})
}
