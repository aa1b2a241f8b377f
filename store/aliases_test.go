package store

import (
	"context"
	"reflect"
	"testing"

	"github.com/chiso-vn/chiso/sample/samplecat"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/ingest"
)

// TestCatalogueAliasesRoundTrip stores the names departments write for
// indicators and areas, and finds entries by them after reading back.
func TestCatalogueAliasesRoundTrip(t *testing.T) {
	db, ctx := openTest(t, 0, 0), context.Background()
	cat, err := samplecat.Catalogue()
	if err != nil {
		t.Fatal(err)
	}
	cat.Indicators[0].Integral = true // and the integral mark
	if _, err := db.ImportCatalogue(ctx, cat); err != nil {
		t.Fatal(err)
	}
	got, err := db.Catalogue(ctx)
	if err != nil {
		t.Fatal(err)
	}
	aliases := func(c *chiso.Catalogue) map[string][]string {
		m := map[string][]string{}
		for _, ind := range c.Indicators {
			m[ind.Code] = ind.Aliases
		}
		for _, a := range c.Areas {
			m[a.Code] = a.Aliases
		}
		return m
	}
	if want := aliases(cat); !reflect.DeepEqual(aliases(got), want) {
		t.Errorf("aliases read back\n%v\nwant\n%v", aliases(got), want)
	}
	if w := []string{"Trạm BTS", "Số trạm thu phát sóng BTS"}; !reflect.DeepEqual(aliases(got)["bts_stations"], w) {
		t.Errorf("bts_stations aliases = %q, want %q", aliases(got)["bts_stations"], w)
	}
	for i, ind := range got.Indicators {
		if want := ind.Code == cat.Indicators[0].Code; ind.Integral != want {
			t.Errorf("indicator %d %s: integral %v, want %v", i, ind.Code, ind.Integral, want)
		}
	}
	if aliases(got)["PT"] != nil {
		t.Errorf("PT has no aliases, read back as %#v", aliases(got)["PT"])
	}
	names := ingest.NewNames(got)
	if ind, err := names.Indicator("tram bts"); err != nil || ind.Code != "bts_stations" {
		t.Errorf("Indicator(tram bts) = %s, %v", ind.Code, err)
	}
	if a, err := names.Area("Phú Thọ (mới)", chiso.Period{}); err != nil || a.Code != "PT25" {
		t.Errorf("Area(Phú Thọ (mới)) = %s, %v", a.Code, err)
	}

	if changed, err := db.ImportCatalogue(ctx, cat); err != nil || changed != 0 {
		t.Errorf("same catalogue again: changed %d, %v; want 0", changed, err)
	}
	for i := range cat.Areas {
		if cat.Areas[i].Code == "PT" {
			cat.Areas[i].Aliases = []string{"Phú Thọ (cũ)"}
		}
	}
	if changed, err := db.ImportCatalogue(ctx, cat); err != nil || changed != 1 {
		t.Errorf("an alias added: changed %d, %v; want 1", changed, err)
	}
}
