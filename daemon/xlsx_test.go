package daemon

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chiso-vn/chiso/internal/xlsxtest"
	"github.com/xuri/excelize/v2"
)

// zipBomb returns a small workbook whose sheet declares that it unpacks to
// 3 GB, as a zip bomb's does.
func zipBomb(t *testing.T) []byte {
	t.Helper()
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
	return bomb
}

// TestXLSXZipBombRefused refuses a zip bomb through the API and the drop
// folder, with the error that names the limit.
func TestXLSXZipBombRefused(t *testing.T) {
	h := start(t, "drop_folder: {path: inbox, settle: 50ms}\n")
	bomb := zipBomb(t)
	code, body := h.post("/api/v1/observations", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", string(bomb))
	if code != 422 || !strings.Contains(body, "3073 MB") || !strings.Contains(body, "1024 MB") {
		t.Errorf("API: %d %s", code, body)
	}
	inbox := filepath.Join(h.dir, "inbox")
	h.waitFor("inbox created", 2*time.Second, func() bool { _, err := os.Stat(filepath.Join(inbox, "done")); return err == nil })
	writeFile(t, filepath.Join(inbox, "bom.xlsx"), string(bomb))
	report := filepath.Join(inbox, "failed", "bom.xlsx.errors.txt")
	h.waitFor("bomb failed", 3*time.Second, func() bool { _, err := os.Stat(report); return err == nil })
	if b, _ := os.ReadFile(report); !strings.Contains(string(b), "bom.xlsx") || !strings.Contains(string(b), "3073 MB") {
		t.Errorf("drop folder report = %s", b)
	}
}
