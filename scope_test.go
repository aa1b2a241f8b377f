package chiso

import (
	"slices"
	"testing"
)

func TestAreasWithin(t *testing.T) {
	cat := &Catalogue{
		Areas: []Area{{Code: "VN", Level: LevelCountry}, {Code: "PT", Parent: "VN"}, {Code: "VP", Parent: "VN"},
			{Code: "HB", Parent: "VN"}, {Code: "PT25", Parent: "VN"}, {Code: "DL", Parent: "VN"}, {Code: "DL25", Parent: "VN"},
			{Code: "PT25-C1", Parent: "PT25", Level: LevelCommune}, {Code: "VP-D1", Parent: "VP", Level: LevelDistrict},
			{Code: "VP-D1-C1", Parent: "VP-D1", Level: LevelCommune}},
		Lineage: []Lineage{{From: "PT", To: "PT25", Kind: Merge}, {From: "VP", To: "PT25", Kind: Merge},
			{From: "HB", To: "PT25", Kind: Merge}, {From: "DL", To: "DL25", Kind: Merge}},
	}
	cases := []struct {
		codes   []string
		lineage bool
		within  []string
		unknown []string
	}{
		{[]string{"PT25"}, false, []string{"PT25", "PT25-C1"}, nil},
		{[]string{"PT25"}, true, []string{"HB", "PT", "PT25", "PT25-C1", "VP", "VP-D1", "VP-D1-C1"}, nil},
		{[]string{"PT"}, true, []string{"PT"}, nil}, // predecessors only: no successor
		{[]string{"PT25", "PT", "XX", "DL25"}, false, []string{"DL25", "PT", "PT25", "PT25-C1"}, []string{"XX"}},
		{nil, true, nil, nil},
	}
	for _, c := range cases {
		within, unknown := cat.AreasWithin(c.codes, c.lineage)
		if !slices.Equal(within, c.within) || !slices.Equal(unknown, c.unknown) {
			t.Errorf("AreasWithin(%v, %v) = %v, %v; want %v, %v", c.codes, c.lineage, within, unknown, c.within, c.unknown)
		}
	}
}

func TestActionValid(t *testing.T) {
	for _, a := range Actions {
		if !a.Valid() {
			t.Errorf("%s not valid", a)
		}
	}
	for _, a := range []Action{"", "Import", "delete", "admin "} {
		if a.Valid() {
			t.Errorf("%q valid", a)
		}
	}
}
