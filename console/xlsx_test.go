package console_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/chiso-vn/chiso/internal/xlsxtest"
	"github.com/xuri/excelize/v2"
)

// book writes a workbook of rows on Sheet1.
func book(t *testing.T, rows ...[]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	var b bytes.Buffer
	if _, err := f.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestXLSXUpload dry-runs workbooks through the import page: a bad cell is
// named by its sheet, line and column, a zip bomb is refused by the
// importer's limit, and neither stores anything; a good one can be
// committed.
func TestXLSXUpload(t *testing.T) {
	s := startSite(t)
	c := newClient(t, s)
	c.signIn()
	before := s.get("/api/v1/observations?limit=1000")

	bad := book(t, []any{"indicator", "area", "period", "value"},
		[]any{"ict_revenue", "VP", "2024", "hai trăm nghìn"})
	body, resp := c.upload(c.csrf, "bao-cao.xlsx", string(bad))
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "bao-cao.xlsx:Sheet1:2:4") || !strings.Contains(body, "hai trăm nghìn") {
		t.Errorf("a workbook with a bad cell: %s\n%s", resp.Status, excerpt(body))
	}

	f := book(t, []any{"indicator", "area", "period", "value"})
	bomb, err := xlsxtest.DeclareSize(f, "xl/worksheets/sheet1.xml", 3<<30)
	if err != nil {
		t.Fatal(err)
	}
	body, resp = c.upload(c.csrf, "bom.xlsx", string(bomb))
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "3073 MB") {
		t.Errorf("a zip bomb: %s\n%s", resp.Status, excerpt(body))
	}
	if got := s.get("/api/v1/observations?limit=1000"); got != before {
		t.Errorf("a refused workbook changed the store")
	}

	good := book(t, []any{"indicator", "area", "period", "value"}, []any{"ict_revenue", "VP", "2024", 200000})
	body, resp = c.upload(c.csrf, "tot.xlsx", string(good))
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `class="n-added">1<`) || !strings.Contains(body, `action="/import/commit"`) {
		t.Fatalf("a good workbook: %s\n%s", resp.Status, excerpt(body))
	}
}
