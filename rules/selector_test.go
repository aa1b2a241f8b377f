package rules

import (
	"strings"
	"testing"

	"github.com/chiso-vn/chiso"
)

// TestAreaSelector selects with every set field, and prints as written.
func TestAreaSelector(t *testing.T) {
	areas := testCatalogue().Areas
	for _, tc := range []struct {
		sel  AreaSelector
		want string
		text string
	}{
		{AreaSelector{}, "VN PT VP DB", "{}"},
		{AreaSelector{Level: chiso.LevelProvince}, "PT VP DB", "{level: province}"},
		{AreaSelector{Codes: []string{"DB", "VN"}, Level: chiso.LevelProvince}, "DB", "{codes: [DB, VN], level: province}"},
		{AreaSelector{Parent: "VN", Codes: []string{"PT"}}, "PT", "{codes: [PT], parent: VN}"},
		{AreaSelector{Parent: "PT"}, "", "{parent: PT}"},
	} {
		var got []string
		for _, a := range areas {
			if tc.sel.Matches(a) {
				got = append(got, a.Code)
			}
		}
		if strings.Join(got, " ") != tc.want || tc.sel.String() != tc.text {
			t.Errorf("%s: selected %v, want %s; printed %s", tc.text, got, tc.want, tc.sel)
		}
	}
}
