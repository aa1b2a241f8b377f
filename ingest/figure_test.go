package ingest

import (
	"encoding/csv"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/sample"
	"golang.org/x/text/unicode/norm"
)

func TestParseNumber(t *testing.T) {
	tests := []struct {
		in   string
		loc  Locale
		want float64
		err  string // part of the error; empty for success
	}{
		{"2.500", Vietnamese, 2500, ""},
		{"1.307,44", Vietnamese, 1307.44, ""},
		{"183.001", Vietnamese, 183001, ""},
		{"81,7", Vietnamese, 81.7, ""},
		{"1900", Vietnamese, 1900, ""},
		{"1.344.000", Vietnamese, 1344000, ""},
		{"0,125", Vietnamese, 0.125, ""},
		{"-3,5", Vietnamese, -3.5, ""},
		{"1,307.44", English, 1307.44, ""},
		{"183.001", English, 183.001, ""},
		{"2,500", English, 2500, ""},
		{"1.5", Vietnamese, 0, "ambiguous"},
		{"1.30", Vietnamese, 0, "ambiguous"},
		{"1.5000", Vietnamese, 0, "ambiguous"},
		{"0.125", Vietnamese, 0, "ambiguous"},
		{"1234.567", Vietnamese, 0, "ambiguous"},
		{"1,307.44", Vietnamese, 0, "wrong way round"},
		{"1,5,3", Vietnamese, 0, "more than one decimal mark"},
		{"1,5", English, 0, "ambiguous"},
		{"1.307,44", English, 0, "wrong way round"},
		{"", Vietnamese, 0, "no number"},
		{"abc", Vietnamese, 0, "want digits"},
		{"12,", Vietnamese, 0, "want digits after"},
	}
	for _, tt := range tests {
		got, err := ParseNumber(tt.in, tt.loc)
		switch {
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("ParseNumber(%q, %s) = %v, %v; want error containing %q", tt.in, tt.loc, got, err, tt.err)
		case tt.err != "" && !strings.Contains(err.Error(), strconv.Quote(tt.in)):
			t.Errorf("ParseNumber(%q) error %q does not quote the text", tt.in, err)
		case tt.err == "" && (err != nil || got != tt.want):
			t.Errorf("ParseNumber(%q, %s) = %v, %v; want %v", tt.in, tt.loc, got, err, tt.want)
		}
	}
}

func TestFormatNumber(t *testing.T) {
	tests := []struct {
		v      float64
		vi, en string
	}{
		{1307.44, "1.307,44", "1,307.44"},
		{183001, "183.001", "183,001"},
		{-2500, "-2.500", "-2,500"},
		{0.125, "0,125", "0.125"},
		{12, "12", "12"},
	}
	for _, tt := range tests {
		if got := FormatNumber(tt.v, Vietnamese); got != tt.vi {
			t.Errorf("FormatNumber(%v, vi) = %q, want %q", tt.v, got, tt.vi)
		}
		if got := FormatNumber(tt.v, English); got != tt.en {
			t.Errorf("FormatNumber(%v, en) = %q, want %q", tt.v, got, tt.en)
		}
	}
}

func TestParseFigure(t *testing.T) {
	tests := []struct {
		in       string
		loc      Locale
		number   float64
		q        chiso.Qualifier
		pct      bool
		scale    int
		currency string
	}{
		{"trên 81,7%", Vietnamese, 81.7, chiso.Over, true, 0, ""},
		{"gần 1.900", Vietnamese, 1900, chiso.Nearly, false, 0, ""},
		{"khoảng 50 nghìn", Vietnamese, 50000, chiso.About, false, 3, ""},
		{"ước đạt 8,6 tỷ USD", Vietnamese, 8.6e9, chiso.Estimate, false, 9, "USD"},
		{"1,86 triệu tỷ đồng", Vietnamese, 1.86e15, chiso.Exact, false, 15, "VND"},
		{"183.001 tỷ đồng", Vietnamese, 183001e9, chiso.Exact, false, 9, "VND"},
		{"sơ bộ 12,3%", Vietnamese, 12.3, chiso.Preliminary, true, 0, ""},
		{"hơn 1,3 triệu", Vietnamese, 1.3e6, chiso.Over, false, 6, ""},
		{"ước tính 3 nghìn tỷ VND", Vietnamese, 3e12, chiso.Estimate, false, 12, "VND"},
		{"500.000đ", Vietnamese, 5e5, chiso.Exact, false, 0, "VND"},
		{"Tỷ lệ đạt trên 95 %", Vietnamese, 0, 0, false, 0, ""}, // prose before the figure: an error
		{"more than 1,307.44 billion VND", English, 1307.44e9, chiso.Over, false, 9, "VND"},
		{"nearly 1,900", English, 1900, chiso.Nearly, false, 0, ""},
		{"about 50 thousand", English, 50000, chiso.About, false, 3, ""},
		{"estimated $8.6 billion", English, 8.6e9, chiso.Estimate, false, 9, "USD"},
		{"preliminary 12.3%", English, 12.3, chiso.Preliminary, true, 0, ""},
		{"almost 98 percent", English, 98, chiso.Nearly, true, 0, ""},
		{"around 3.5 million", English, 3.5e6, chiso.About, false, 6, ""},
	}
	for _, tt := range tests {
		f, err := ParseFigure(tt.in, tt.loc)
		if tt.number == 0 {
			if err == nil {
				t.Errorf("ParseFigure(%q) = %+v, want an error", tt.in, f)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseFigure(%q): %v", tt.in, err)
			continue
		}
		if f.Number() != tt.number || f.Qualifier != tt.q || f.Percent != tt.pct || f.Scale != tt.scale || f.Currency != tt.currency {
			t.Errorf("ParseFigure(%q) = %v %v pct=%v scale=%d %q; want %v %v pct=%v scale=%d %q", tt.in,
				f.Number(), f.Qualifier, f.Percent, f.Scale, f.Currency, tt.number, tt.q, tt.pct, tt.scale, tt.currency)
		}
	}
}

var (
	pctInd     = chiso.Indicator{Code: "rate", Unit: "percent", Kind: chiso.KindPercent}
	countInd   = chiso.Indicator{Code: "stations", Unit: "station", Kind: chiso.KindCount}
	rankInd    = chiso.Indicator{Code: "rank", Unit: "rank", Kind: chiso.KindRank}
	vndInd     = chiso.Indicator{Code: "revenue", Unit: "billion_vnd", Kind: chiso.KindMoney}
	usdInd     = chiso.Indicator{Code: "exports", Unit: "billion_usd", Kind: chiso.KindMoney}
	millionUSD = chiso.Indicator{Code: "fdi", Unit: "million_usd", Kind: chiso.KindMoney}
)

func TestFigureIn(t *testing.T) {
	tests := []struct {
		in   string
		ind  chiso.Indicator
		want float64
		err  string
	}{
		{"ước đạt 8,6 tỷ USD", usdInd, 8.6, ""},
		{"1,86 triệu tỷ đồng", vndInd, 1860000, ""},
		{"183.001 tỷ đồng", vndInd, 183001, ""},
		{"3,5 triệu", countInd, 3500000, ""},
		{"trên 81,7%", pctInd, 81.7, ""},
		{"81,7", pctInd, 81.7, ""},
		{"135", vndInd, 135, ""},               // a bare number is already in the unit
		{"200 tỷ", vndInd, 200, ""},            // a scale gives the amount, in the unit's currency
		{"500.000 đồng", vndInd, 0.0005, ""},   // a currency without scale is an amount too
		{"8,6 tỷ USD", millionUSD, 8600, ""},   // scales between units
		{"81,7%", countInd, 0, "% on a count"}, // each error names the figure
		{"8,6 tỷ USD", vndInd, 0, "currency USD does not match"},
		{"12 tỷ đồng", usdInd, 0, "currency VND does not match"},
		{"12%", vndInd, 0, "% on money"},
		{"12 tỷ đồng", countInd, 0, "currency VND on a count"},
		{"5 triệu", pctInd, 0, "takes no scale"},
		{"12 tỷ", chiso.Indicator{Code: "x", Unit: "gold", Kind: chiso.KindMoney}, 0, "unknown money unit"},
	}
	for _, tt := range tests {
		f, err := ParseFigure(tt.in, Vietnamese)
		if err != nil {
			t.Fatalf("ParseFigure(%q): %v", tt.in, err)
		}
		got, err := f.In(tt.ind)
		switch {
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err) || !strings.Contains(err.Error(), strconv.Quote(tt.in))):
			t.Errorf("%q into %s = %v, %v; want error containing %q and the text", tt.in, tt.ind.Unit, got, err, tt.err)
		case tt.err == "" && (err != nil || got != tt.want):
			t.Errorf("%q into %s = %v, %v; want %v", tt.in, tt.ind.Unit, got, err, tt.want)
		}
	}
}

func TestExtractFigure(t *testing.T) {
	tests := []struct {
		in      string
		ind     chiso.Indicator
		derived bool
		want    float64
		q       chiso.Qualifier
		err     string
	}{
		{"đạt trên 81,7%", pctInd, false, 81.7, chiso.Over, ""},
		{"xếp thứ 6/63 tỉnh", rankInd, false, 6, chiso.Exact, ""},
		{"108/129 xã có Đài truyền thanh", countInd, false, 108, chiso.Exact, ""},
		{"129/129 xã", countInd, false, 129, chiso.Exact, ""},
		{"tỷ lệ chữ ký số ở cả 3 cấp đạt 99%", pctInd, false, 99, chiso.Exact, ""},
		{"mạng 5G đã phát sóng 5 trạm", countInd, false, 5, chiso.Exact, ""},
		{"3G 4G phủ sóng đến 100% dân số", pctInd, false, 100, chiso.Exact, ""},
		{"127 tỷ đồng năm 2004", vndInd, false, 127, chiso.Exact, ""},
		{"năm 2022 đạt 183.001 tỷ đồng", vndInd, false, 183001, chiso.Exact, ""},
		{"20 biên chế (tháng 12/2007)", countInd, false, 20, chiso.Exact, ""},
		{"96.875 tỷ đồng, tăng 57,1% so với cùng kỳ", vndInd, false, 96875, chiso.Exact, ""},
		{"2.500 trạm, tăng 29,46% so với năm 2016", countInd, false, 2500, chiso.Exact, ""},
		{"2.500 trạm, tăng 29,46% so với năm 2016", countInd, true, 1931, chiso.Derived, ""},
		{"1.800 trạm, giảm 10% so với năm trước", countInd, true, 2000, chiso.Derived, ""},
		{"doanh thu 110 tỷ đồng, tăng 10%", vndInd, true, 100, chiso.Derived, ""},
		{"ước đạt 8,6 tỷ USD", usdInd, false, 8.6, chiso.Estimate, ""},
		{"hơn 1,3 triệu thẻ", countInd, false, 1300000, chiso.Over, ""},
		{"trên địa bàn tỉnh có 1.240 tổ", countInd, false, 1240, chiso.Exact, ""},
		{"phủ sóng di động đến 98,9% thôn/bản", pctInd, false, 98.9, chiso.Exact, ""},
		{"đạt tỷ lệ 83,7%", pctInd, false, 83.7, chiso.Exact, ""},
		{"đạt 1.5 điểm", countInd, false, 0, 0, "ambiguous"},
		{"mạng 5G đã phủ sóng", countInd, false, 0, 0, "no number"},
		{"đạt 81,7%", countInd, false, 0, 0, "% on a count"},
		{"2.500 trạm", countInd, true, 0, 0, "growth rate"},
		{"mobile coverage reached over 98.5% of villages", pctInd, false, 98.5, chiso.Over, ""},
		{"Trên 95 % thôn", pctInd, false, 95, chiso.Over, ""},
		{norm.NFD.String("gần 1.900 vị trí"), countInd, false, 1900, chiso.Nearly, ""}, // decomposed, as some editors save
		{"khoảng 2 tỉ đồng", vndInd, false, 2, chiso.About, ""},
		{"sơ bộ đạt 12,3 phần trăm", pctInd, false, 12.3, chiso.Preliminary, ""},
	}
	for _, tt := range tests {
		loc := Vietnamese
		if strings.Contains(tt.in, "reached") {
			loc = English
		}
		got, q, err := ExtractFigure(tt.in, tt.ind, loc, tt.derived)
		switch {
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err) || !strings.Contains(err.Error(), strconv.Quote(tt.in))):
			t.Errorf("ExtractFigure(%q) = %v %v, %v; want error containing %q and the text", tt.in, got, q, err, tt.err)
		case tt.err == "" && (err != nil || got != tt.want || q != tt.q):
			t.Errorf("ExtractFigure(%q, %s) = %v %v, %v; want %v %v", tt.in, tt.ind.Kind, got, q, err, tt.want, tt.q)
		}
	}
}

// TestSeedRawFigures checks that every raw phrase of the sample
// observations reads, for its row's indicator, as the row's value and
// qualifier.
func TestSeedRawFigures(t *testing.T) {
	cat, err := sampleCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	f, err := sample.FS().Open(sample.Observations)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cr := csv.NewReader(f)
	header, err := cr.Read()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	rows := 0
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		rows++
		ind, ok := cat.Indicator(rec[col["indicator"]])
		if !ok {
			t.Errorf("unknown indicator %q", rec[col["indicator"]])
			continue
		}
		want, _ := strconv.ParseFloat(rec[col["value"]], 64)
		wantQ, _ := chiso.ParseQualifier(rec[col["qualifier"]])
		raw := rec[col["raw"]]
		got, q, err := ExtractFigure(raw, ind, Vietnamese, wantQ == chiso.Derived)
		if err != nil || math.Abs(got-want) > 1e-9*math.Abs(want) || q != wantQ {
			t.Errorf("%s %s: raw %q = %v %v, %v; want %v %v", ind.Code, rec[col["period"]], raw, got, q, err, want, wantQ)
		}
	}
	if rows < 50 {
		t.Errorf("read %d sample rows, want all of them", rows)
	}
}
