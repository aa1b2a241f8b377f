package console

import (
	"testing"

	"github.com/chiso-vn/chiso"
)

func TestMessagesCiteSourcesByTitle(t *testing.T) {
	cat := &chiso.Catalogue{Sources: []chiso.Source{
		{ID: "a.txt", Title: "Tổng kết năm 2023", Publisher: "Sở KH&CN"},
		{ID: "b.txt", Publisher: "Cổng thông tin điện tử tỉnh Vĩnh Phúc"},
		{ID: "c.txt"},
	}}
	n := newNamer(cat, "vi")
	for _, tc := range []struct{ in, want string }{
		{"Thiếu số liệu. Nguồn: a.txt.", "Thiếu số liệu. Nguồn: “Tổng kết năm 2023”."},
		{"Too high. Source: b.txt; a.txt.", "Too high. Source: Cổng thông tin điện tử tỉnh Vĩnh Phúc; “Tổng kết năm 2023”."},
		{"Thiếu. Nguồn: c.txt; x.txt.", "Thiếu. Nguồn: c.txt; x.txt."}, // nothing known of them: the ids stay
		{"Không có nguồn.", "Không có nguồn."},
		{"Nguồn: a.txt", "Nguồn: a.txt"}, // not a citation at a message's end
	} {
		if got := n.citeByTitle(tc.in); got != tc.want {
			t.Errorf("citeByTitle(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
