package ingest

import (
	"strings"
	"testing"

	"github.com/chiso-vn/chiso"
	"golang.org/x/text/unicode/norm"
)

func TestParsePeriodWords(t *testing.T) {
	tests := []struct{ in, want string }{
		{"2024", "2024"},
		{"2024-H1", "2024-H1"},
		{"2024-q3", "2024-Q3"},
		{"2024-08", "2024-08"},
		{"Năm 2022", "2022"},
		{"NĂM 2022", "2022"},
		{"nam  2022", "2022"},
		{"6 tháng đầu năm 2024", "2024-H1"},
		{"6 tháng cuối năm 2024", "2024-H2"},
		{"6 Tháng Đầu Năm 2024", "2024-H1"},
		{"6 thang dau nam 2024", "2024-H1"},
		{"6 tháng đầu 2024", "2024-H1"},
		{norm.NFD.String("6 tháng cuối năm 2024"), "2024-H2"}, // typed with combining marks
		{"Quý III/2024", "2024-Q3"},
		{"Quý 3/2024", "2024-Q3"},
		{"Quý 3 năm 2024", "2024-Q3"},
		{"quý iv / 2024", "2024-Q4"},
		{"Quý I/2025", "2025-Q1"},
		{"QUÝ II NĂM 2023", "2023-Q2"},
		{"Tháng 8/2024", "2024-08"},
		{"Tháng 08/2024", "2024-08"},
		{"Tháng 8 năm 2024", "2024-08"},
		{"tháng 12/2024", "2024-12"},
		{" Tháng 1 / 2024 ", "2024-01"},

		{"", ""},
		{"Năm", ""},
		{"Năm 24", ""},
		{"Năm 0999", ""},
		{"2024-13", ""},
		{"Quý 5/2024", ""},
		{"Quý V/2024", ""},
		{"Quý 3-2024", ""},
		{"Tháng 13/2024", ""},
		{"Tháng 0/2024", ""},
		{"Tháng 008/2024", ""},
		{"Tháng 8/2024/2025", ""},
		{"6 tháng năm 2024", ""},
		{"9 tháng đầu năm 2024", ""},
		{"6 tháng đầu năm", ""},
		{"8/2024", ""},
		{"Năm 2022 2023", ""},
	}
	for _, tt := range tests {
		p, err := parsePeriodWords(tt.in)
		switch {
		case tt.want == "" && err == nil:
			t.Errorf("parsePeriodWords(%q) = %s, want an error", tt.in, p)
		case tt.want == "" && !strings.Contains(err.Error(), "Quý III/2024"):
			t.Errorf("parsePeriodWords(%q) error %q does not list the accepted forms", tt.in, err)
		case tt.want != "" && err != nil:
			t.Errorf("parsePeriodWords(%q): %v, want %s", tt.in, err, tt.want)
		case tt.want != "" && p.String() != tt.want:
			t.Errorf("parsePeriodWords(%q) = %s, want %s", tt.in, p, tt.want)
		}
	}
}

// FuzzParsePeriodWords checks that the period reader never panics and that
// what it reads is a valid period that reads back from its canonical form.
func FuzzParsePeriodWords(f *testing.F) {
	for _, s := range []string{"2024", "2024-H1", "Năm 2022", "6 tháng đầu năm 2024", "6 tháng cuối năm 2024",
		"Quý III/2024", "Quý 3 năm 2024", "Tháng 08/2024", "Tháng 8 năm 2024", "quý/", "6 tháng", "\xff/\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := parsePeriodWords(s)
		if err != nil {
			return
		}
		if !p.Valid() {
			t.Fatalf("%q reads as invalid period %+v", s, p)
		}
		back, err := chiso.ParsePeriod(p.String())
		if err != nil || back != p {
			t.Fatalf("%q reads as %s, which reads back as %s, %v", s, p, back, err)
		}
	})
}
