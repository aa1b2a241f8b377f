package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chiso-vn/chiso/internal/xlsxtest"
	"github.com/xuri/excelize/v2"
)

// TestImportXLSXCells imports number cells by their number and format: a
// percent cell holding 0.93 is 93 %, and a decimal 1307.44 is not an
// ambiguous Vietnamese number.
func TestImportXLSXCells(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "x.db")
	mustChiso(t, "--db", db, "init", "--sample")
	f := excelize.NewFile()
	f.SetSheetRow("Sheet1", "A1", &[]any{"indicator", "area", "period", "value"})
	f.SetSheetRow("Sheet1", "A2", &[]any{"online_dossier_rate", "PT", "2023", 0.93})
	f.SetSheetRow("Sheet1", "A3", &[]any{"ict_revenue", "VP", "2023", 1307.44})
	percent, err := f.NewStyle(&excelize.Style{NumFmt: 9})
	if err != nil {
		t.Fatal(err)
	}
	f.SetCellStyle("Sheet1", "D2", "D2", percent)
	path := filepath.Join(dir, "so-lieu.xlsx")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	if out := mustChiso(t, "--db", db, "import", path); !strings.Contains(out, "2 added") {
		t.Errorf("import: %s", out)
	}
	if hist := mustChiso(t, "--db", db, "history", "online_dossier_rate", "PT"); !strings.Contains(hist, "93") || strings.Contains(hist, "0.93") {
		t.Errorf("history lacks 93:\n%s", hist)
	}
	if hist := mustChiso(t, "--db", db, "history", "ict_revenue", "VP"); !strings.Contains(hist, "1307,44") { // the number cell as the sheet shows it, beside 1.307,44
		t.Errorf("history lacks 1.307,44:\n%s", hist)
	}
}

// TestImportXLSXZipBomb refuses a workbook whose sheet declares that it
// unpacks to 3 GB, saying how to split it.
func TestImportXLSXZipBomb(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "b.db")
	mustChiso(t, "--db", db, "init", "--sample")
	f := excelize.NewFile()
	f.SetSheetRow("Sheet1", "A1", &[]any{"indicator", "area", "period", "value"})
	var book bytes.Buffer
	if _, err := f.WriteTo(&book); err != nil {
		t.Fatal(err)
	}
	bomb, err := xlsxtest.DeclareSize(book.Bytes(), "xl/worksheets/sheet1.xml", 3<<30)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "bom.xlsx")
	os.WriteFile(path, bomb, 0o644)
	code, _, errs := runChiso(t, "--db", db, "import", path)
	if code != 1 || !strings.Contains(errs, "bom.xlsx: ") || !strings.Contains(errs, "3073 MB") || !strings.Contains(errs, "1024 MB") {
		t.Errorf("exit %d, stderr:\n%s", code, errs)
	}
}
