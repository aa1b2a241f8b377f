package store

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/chiso-vn/chiso/sample/samplecat"

	"github.com/chiso-vn/chiso"
)

// TestCatalogueSourcesRoundTrip stores the sample articles' titles,
// publishers and dates, reads them back, and counts a changed title as one
// change; a source only cited by observations is not part of the catalogue.
func TestCatalogueSourcesRoundTrip(t *testing.T) {
	db, ctx := openTest(t, 0, 0), context.Background()
	cat, err := samplecat.Catalogue()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ImportCatalogue(ctx, cat); err != nil {
		t.Fatal(err)
	}
	if _, err := db.write.ExecContext(ctx, `INSERT INTO sources(name) VALUES ('cited-only.csv')`); err != nil {
		t.Fatal(err)
	}
	got, err := db.Catalogue(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Sources, cat.Sources) {
		t.Fatalf("sources read back\n%+v\nwant\n%+v", got.Sources, cat.Sources)
	}
	dbn, ok := got.Source("003_efe2a831d2015491.txt")
	if !ok || dbn.Publisher != "Sở Thông tin và Truyền thông tỉnh Điện Biên" || !dbn.Published.Equal(time.Date(2022, 6, 5, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("Điện Biên's article = %+v, %v", dbn, ok)
	}
	next := &chiso.Catalogue{Sources: []chiso.Source{{ID: "003_efe2a831d2015491.txt", Title: "Một tên khác"}}}
	for _, s := range cat.Sources {
		if s.ID != next.Sources[0].ID {
			next.Sources = append(next.Sources, s)
		}
	}
	if n, err := db.ImportCatalogue(ctx, next); err != nil || n != 1 {
		t.Errorf("re-import with one title changed: %d changes, %v; want 1", n, err)
	}
}
