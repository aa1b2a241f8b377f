package storetest

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/store"
)

// sampleCatalogue has one of everything a catalogue holds: an unbounded
// maximum, a method, a concept, aliases, areas with a parent, dates and a
// statistics office's code, a merge, and a national target.
func sampleCatalogue() *chiso.Catalogue {
	return &chiso.Catalogue{
		Indicators: []chiso.Indicator{
			{Code: "bts_sites", NameVI: "Số vị trí trạm BTS", NameEN: "BTS sites", Unit: "site", Kind: chiso.KindCount, Additive: true,
				Min: 0, Max: math.NaN(), Concept: "bts", Aliases: []string{"Trạm BTS"}},
			{Code: "digital_economy_share", NameVI: "Tỷ trọng kinh tế số", Unit: "percent", Kind: chiso.KindPercent, Min: 0, Max: 100,
				Method: "mic", Description: "Tỷ trọng kinh tế số trong GRDP"},
		},
		Areas: []chiso.Area{
			{Code: "PT", Name: "Phú Thọ", Level: chiso.LevelProvince, Parent: "VN", GSOCode: "25", ValidFrom: day("1997-01-01"), ValidTo: day("2025-06-30")},
			{Code: "PT25", Name: "Phú Thọ", Level: chiso.LevelProvince, Parent: "VN", ValidFrom: day("2025-07-01"), Aliases: []string{"Tỉnh Phú Thọ"}},
			{Code: "VN", Name: "Việt Nam", Level: chiso.LevelCountry},
		},
		Lineage: []chiso.Lineage{{From: "PT", To: "PT25", Effective: day("2025-07-01"), Kind: chiso.Merge}},
		Targets: []chiso.Target{{Indicator: "digital_economy_share", Area: chiso.AnyArea, Period: chiso.MustParsePeriod("2025"),
			Op: chiso.OpGE, Value: 20, Source: "749/QĐ-TTg", DescriptionVI: "20% GRDP"}},
	}
}

// catalogueText is a catalogue as text: equal texts are equal catalogues,
// NaN bounds included.
func catalogueText(c *chiso.Catalogue) string { return fmt.Sprintf("%+v", *c) }

// testCatalogue: a catalogue comes back as it went in, each list ordered
// by code; the same catalogue again changes nothing; an import changes what
// differs and keeps what it leaves out.
func testCatalogue(t *testing.T, h Harness) {
	s, _ := open(t, h, 0, 0)
	ctx := context.Background()
	cat := sampleCatalogue()
	if changed, err := s.ImportCatalogue(ctx, cat); err != nil || changed != 7 {
		t.Fatalf("first import: changed %d, err %v; want 7", changed, err)
	}
	got, err := s.Catalogue(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if g, w := catalogueText(got), catalogueText(cat); g != w {
		t.Errorf("catalogue round trip:\n got %s\nwant %s", g, w)
	}
	if changed, err := s.ImportCatalogue(ctx, sampleCatalogue()); err != nil || changed != 0 {
		t.Errorf("the same catalogue again: changed %d, err %v; want 0", changed, err)
	}
	edit := &chiso.Catalogue{Areas: []chiso.Area{cat.Areas[1]}, Targets: []chiso.Target{cat.Targets[0]}}
	edit.Areas[0].Name = "Phú Thọ (mới)"
	edit.Targets[0].Value = 30
	if changed, err := s.ImportCatalogue(ctx, edit); err != nil || changed != 2 {
		t.Errorf("two edits: changed %d, err %v; want 2", changed, err)
	}
	cat.Areas[1].Name, cat.Targets[0].Value = "Phú Thọ (mới)", 30
	if got, err = s.Catalogue(ctx); err != nil {
		t.Fatal(err)
	}
	if g, w := catalogueText(got), catalogueText(cat); g != w {
		t.Errorf("after the edits:\n got %s\nwant %s", g, w)
	}
	// figures name catalogue codes: an import reads the catalogue as stored
	res, err := s.Import(ctx, store.ImportOptions{Source: "test", Now: t0}, feed([]chiso.Observation{
		{Indicator: "bts_sites", Area: "PT25", Period: chiso.MustParsePeriod("2025"), Value: 1310}}))
	if err != nil || res.Added != 1 {
		t.Errorf("import against the stored catalogue: %+v, %v", res, err)
	}
}

// testInvalidCatalogue: a catalogue with invalid entries is refused whole,
// naming every problem, and stores nothing.
func testInvalidCatalogue(t *testing.T, h Harness) {
	s, _ := open(t, h, 0, 0)
	ctx := context.Background()
	if _, err := s.ImportCatalogue(ctx, sampleCatalogue()); err != nil {
		t.Fatal(err)
	}
	before, err := s.Catalogue(ctx)
	if err != nil {
		t.Fatal(err)
	}
	bad := sampleCatalogue()
	bad.Indicators[0].NameVI = "changed"
	bad.Indicators = append(bad.Indicators, chiso.Indicator{Code: "x", Unit: "u", Kind: "weird", Min: math.NaN(), Max: math.NaN()})
	bad.Areas = append(bad.Areas, chiso.Area{Code: "A", Level: "galaxy"})
	bad.Targets = append(bad.Targets, chiso.Target{Indicator: "x", Area: chiso.AnyArea, Op: "=>"})
	if _, err := s.ImportCatalogue(ctx, bad); err == nil {
		t.Fatal("an invalid catalogue was imported")
	} else {
		for _, w := range []string{`"weird"`, `"galaxy"`, `"=>"`} {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("error %q does not mention %s", err, w)
			}
		}
	}
	after, err := s.Catalogue(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if g, w := catalogueText(after), catalogueText(before); g != w {
		t.Errorf("a refused catalogue changed the store:\n got %s\nwant %s", g, w)
	}
}
