package ingest

import "strings"

// headerAliases is every header a table may write for a column, by the
// column's canonical name; headers are matched without regard to case,
// diacritics, spacing or punctuation (Tỉnh/Thành phố is tinh thanh pho).
// A weak alias names the column by what it usually holds beside a code
// (Chỉ tiêu, Tên chỉ tiêu): when the same table also has a strong one (Mã
// chỉ tiêu), the weak column is a name column and is ignored.
var headerAliases = []struct {
	canonical string
	weak      bool
	aliases   []string
}{
	{"indicator", true, []string{"Chỉ tiêu", "Tên chỉ tiêu", "indicator name"}},
	{"indicator", false, []string{"indicator", "indicator code", "Mã chỉ tiêu"}},
	{"area", true, []string{"Địa bàn", "Tỉnh", "Tỉnh/Thành phố", "Tỉnh/TP", "Địa phương", "Tên tỉnh", "Tên địa bàn", "province"}},
	{"area", false, []string{"area", "area code", "Mã địa bàn"}},
	{"period", false, []string{"period", "Kỳ", "Kỳ báo cáo", "Thời kỳ", "Năm"}},
	{"value", false, []string{"value", "Giá trị", "Số liệu"}},
	{"qualifier", false, []string{"qualifier"}},
	{"raw", false, []string{"raw", "Nguyên văn"}},
	{"source", false, []string{"source", "Nguồn", "Nguồn số liệu", "Nguồn dữ liệu"}},
	{"reported_on", false, []string{"reported_on", "Ngày công bố"}},
	{"method", false, []string{"method", "Phương pháp", "Phương pháp tính"}},
	{"revision", false, []string{"revision"}},
	{"ingested_at", false, []string{"ingested_at"}},
	{"unit", false, []string{"unit", "Đơn vị", "Đơn vị tính", "ĐVT"}},
	{"note", false, []string{"note", "notes", "Ghi chú"}},
	{"name", false, []string{"name", "name_vi", "name_en", "Tên"}},
	{"no", false, []string{"STT", "TT", "Số TT", "Số thứ tự", "no"}},
}

// headerAlias is where a folded header leads.
type headerAlias struct {
	canonical string
	weak      bool
}

// headerIndex maps the folded aliases to their columns.
var headerIndex = func() map[string]headerAlias {
	m := map[string]headerAlias{}
	for _, h := range headerAliases {
		for _, a := range h.aliases {
			f := fold(a)
			if _, dup := m[f]; dup {
				panic("ingest: header alias listed twice: " + a)
			}
			m[f] = headerAlias{h.canonical, h.weak}
		}
	}
	return m
}()

// canonicalHeaders returns the canonical name of each of the plain
// headers (an unknown one as it is, for period columns and errors), with
// a weak header dropped ("") when a strong one names the same column.
func canonicalHeaders(plain []string) []string {
	names := make([]string, len(plain))
	weak := make([]bool, len(plain))
	strong := map[string]bool{}
	for i, h := range plain {
		a, ok := headerIndex[fold(h)]
		if !ok {
			names[i] = h
			continue
		}
		names[i], weak[i] = a.canonical, a.weak
		if !a.weak {
			strong[a.canonical] = true
		}
	}
	for i, n := range names {
		if weak[i] && strong[n] {
			names[i] = ""
		}
	}
	return names
}

// vietnameseHeaders returns a column's Vietnamese headers, for errors.
func vietnameseHeaders(canonical string) []string {
	var out []string
	for _, h := range headerAliases {
		if h.canonical != canonical {
			continue
		}
		for _, a := range h.aliases {
			if !isASCII(a) {
				out = append(out, a)
			}
		}
	}
	return out
}

// vietnameseHeader returns the column's first Vietnamese header (chỉ tiêu
// for indicator), or its canonical name when it has none.
func vietnameseHeader(canonical string) string {
	if vi := vietnameseHeaders(canonical); len(vi) > 0 {
		return vi[0]
	}
	return canonical
}

// plainHeaders returns the headers trimmed and lower-cased, as chiso's own
// export writes them.
func plainHeaders(fields []string) []string {
	out := make([]string, len(fields))
	for i, f := range fields {
		out[i] = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(f, "\ufeff")))
	}
	return out
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
