package ingest

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/internal/xlsxtest"
)

// rawBook writes a minimal workbook of one sheet, Bom, whose XML sheet
// writes, and whose shared texts sst writes unless it is nil. Both are
// compressed as a spreadsheet program would, so that a repetitive sheet
// is a zip bomb: megabytes of XML in kilobytes of file.
func rawBook(t *testing.T, sheet, sst func(w io.Writer)) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	put := func(name string, write func(w io.Writer)) {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		write(w)
	}
	text := func(s string) func(w io.Writer) { return func(w io.Writer) { io.WriteString(w, s) } }
	const rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
	put("[Content_Types].xml", text(`<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`))
	put("_rels/.rels", text(`<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="`+rel+`/officeDocument" Target="xl/workbook.xml"/></Relationships>`))
	put("xl/workbook.xml", text(`<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="`+rel+`"><sheets><sheet name="Bom" sheetId="1" r:id="rId1"/></sheets></workbook>`))
	put("xl/_rels/workbook.xml.rels", text(`<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="`+rel+`/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="`+rel+`/sharedStrings" Target="sharedStrings.xml"/></Relationships>`))
	put("xl/worksheets/sheet1.xml", sheet)
	if sst != nil {
		put("xl/sharedStrings.xml", sst)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// withPart adds to a workbook a part of size bytes of spaces.
func withPart(t *testing.T, book []byte, name string, size int) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(book), int64(len(book)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		if err := zw.Copy(f); err != nil {
			t.Fatal(err)
		}
	}
	w, err := zw.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	space := bytes.Repeat([]byte(" "), 1<<20)
	for ; size > 0; size -= len(space) {
		w.Write(space[:min(size, len(space))])
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// repeat writes a sheet's XML: head, body n times, then the end of the
// sheet.
func repeat(head, body string, n int) func(w io.Writer) {
	return func(w io.Writer) {
		io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`+head)
		b := []byte(strings.Repeat(body, 1024))
		for i := 0; i < n/1024; i++ {
			w.Write(b)
		}
		io.WriteString(w, strings.Repeat(body, n%1024)+`</sheetData></worksheet>`)
	}
}

// readBounded reads data as Read does and returns the error text and the
// bytes allocated meanwhile.
func readBounded(t *testing.T, name string, data []byte, opts Options) (string, uint64) {
	t.Helper()
	opts.Catalogue, opts.Lang = sampleCat(t), "en"
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	err := Read(bytes.NewReader(data), name, opts, func(chiso.Observation) error { return nil })
	runtime.ReadMemStats(&after)
	if err == nil {
		t.Fatalf("Read(%s) = nil, want an error", name)
	}
	return err.Error(), after.TotalAlloc - before.TotalAlloc
}

// TestReadXLSXZipBomb refuses workbooks that unpack to far more than they
// weigh, whichever way they are made, with little memory.
func TestReadXLSXZipBomb(t *testing.T) {
	header := `<row r="1"><c r="A1" t="inlineStr"><is><t>indicator</t></is></c><c r="B1" t="inlineStr"><is><t>area</t></is></c><c r="C1" t="inlineStr"><is><t>2024</t></is></c></row>`
	row := `<row><c t="inlineStr"><is><t>bts_stations</t></is></c><c t="inlineStr"><is><t>PT</t></is></c><c><v>1</v></c></row>`
	tests := []struct {
		name  string
		data  []byte
		opts  Options
		want  string
		alloc uint64 // most bytes the read may allocate
	}{{
		// 128 MB of XML in one row: no spreadsheet has more than 16,384
		// columns, so the row is refused at the 16,385th cell.
		name:  "one endless row",
		data:  rawBook(t, repeat(`<row r="1">`, `<c><v>1</v></c>`, 8<<20), nil),
		want:  `wide.xlsx:Bom!1: the row has cells beyond column XFD`,
		alloc: 32 << 20,
	}, {
		// 64 MB of text in one cell of the first row: excelize would hold
		// it several times over; the row is refused before it reads it.
		name:  "one huge cell",
		data:  rawBook(t, repeat(`<row r="1"><c r="A1" t="inlineStr"><is><t>`, `aaaaaaaaaaaaaaaa`, 4<<20), nil),
		want:  `cell.xlsx:Bom!1: the row, with what follows it up to the next row, is more than 16 MB of XML`,
		alloc: 48 << 20,
	}, {
		// the same text after the first row, in no cell
		name:  "text between rows",
		data:  rawBook(t, repeat(header, `aaaaaaaaaaaaaaaa`, 4<<20), nil),
		want:  `between.xlsx:Bom!1: the row, with what follows it up to the next row, is more than 16 MB of XML`,
		alloc: 48 << 20,
	}, {
		name:  "unpacked size",
		data:  rawBook(t, repeat(header, row, 1<<20), nil),
		opts:  Options{MaxUnpacked: 16 << 20},
		want:  `size.xlsx: the workbook unpacks to 115 MB (sheet "Bom" alone to 115 MB), more than the 16 MB an import reads: split it`,
		alloc: 16 << 20,
	}, {
		name:  "cells",
		data:  rawBook(t, repeat(header, row, 1<<20), nil),
		opts:  Options{MaxCells: 30_000},
		want:  `cells.xlsx:Bom!10001: the workbook has more than 30,000 cells, the most an import reads: split it`,
		alloc: 64 << 20,
	}, {
		// one shared text of 64 MB: excelize would hold it several times over
		name: "one huge shared text",
		data: rawBook(t, repeat(`<row r="1"><c r="A1" t="s"><v>0</v></c></row>`, "", 0), func(w io.Writer) {
			io.WriteString(w, `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>`+strings.Repeat("a", 64<<20)+`</t></si></sst>`)
		}),
		want:  `text.xlsx: the workbook holds a text of more than 1 MB`,
		alloc: 96 << 20,
	}, {
		// a part excelize neither streams nor needs, of 100 MB
		name:  "a large part held in memory",
		data:  withPart(t, rawBook(t, repeat(`<row r="1"><c r="A1"><v>1</v></c></row>`, "", 0), nil), "xl/strs.xml", 100<<20),
		want:  `part.xlsx: the workbook's parts read into memory (all but its large sheets and shared texts) unpack to 101 MB ("xl/strs.xml" alone to 100 MB), more than the 64 MB`,
		alloc: 16 << 20,
	}, {
		name: "shared texts",
		data: rawBook(t, repeat(header, row, 10), func(w io.Writer) {
			io.WriteString(w, `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`+strings.Repeat(`<si><t>a</t></si>`, 3<<20)+`</sst>`)
		}),
		want:  `texts.xlsx: the workbook holds more than 2,000,000 distinct texts`,
		alloc: 16 << 20,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := strings.Fields(tt.want)[0]
			name = name[:strings.Index(name, ".xlsx")+5]
			errs, alloc := readBounded(t, name, tt.data, tt.opts)
			if !strings.HasPrefix(errs, tt.want) || strings.Contains(errs, "\n") {
				t.Errorf("%d-byte file: error\n%s\nwant only one starting %s", len(tt.data), errs, tt.want)
			}
			t.Logf("%d-byte file: %d MB allocated", len(tt.data), alloc>>20)
			if alloc > tt.alloc {
				t.Errorf("%d-byte file: the read allocated %d MB, want at most %d MB", len(tt.data), alloc>>20, tt.alloc>>20)
			}
		})
	}
}

// TestReadXLSXDeclaredSize refuses a workbook whose parts declare more than
// the limit before unpacking any: here a sheet that says it is 3 GB.
func TestReadXLSXDeclaredSize(t *testing.T) {
	bomb, err := xlsxtest.DeclareSize(rawBook(t, repeat("", "", 0), nil), "xl/worksheets/sheet1.xml", 3<<30)
	if err != nil {
		t.Fatal(err)
	}
	errs, alloc := readBounded(t, "bom.xlsx", bomb, Options{})
	if want := `bom.xlsx: the workbook unpacks to 3073 MB (sheet "Bom" alone to 3072 MB), more than the 1024 MB an import reads`; !strings.HasPrefix(errs, want) {
		t.Errorf("error\n%s\nwant one starting %s", errs, want)
	}
	if alloc > 8<<20 {
		t.Errorf("the read allocated %d MB", alloc>>20)
	}
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += int64(n)
	return n, err
}

// TestReadXLSXBodyLimit refuses an upload larger than the limit without
// reading all of it, in both languages, and reads one within it.
func TestReadXLSXBodyLimit(t *testing.T) {
	rows := [][]any{{"indicator", "area", "period", "value"}}
	for i := range 2000 {
		rows = append(rows, []any{"ict_revenue", "PT", fmt.Sprintf("%d", 2000+i%25), float64(i*7919%100003) + 0.25})
	}
	data := bookBytes(t, map[string][][]any{"S": rows}, []string{"S"})
	cat := sampleCat(t)
	for lang, want := range map[string]string{
		"en": "big.xlsx: the file is larger than 1 MB, the most an import reads: split it",
		"vi": "big.xlsx: tệp lớn hơn 1 MB, mức tối đa một lần nhập: hãy tách",
	} {
		r := &countingReader{r: io.MultiReader(bytes.NewReader(data), bytes.NewReader(make([]byte, 4<<20)))}
		err := Read(r, "big.xlsx", Options{Catalogue: cat, Lang: lang, MaxUnpacked: 1 << 20}, func(chiso.Observation) error { return nil })
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("error = %v, want one starting %s", err, want)
		}
		if r.n > 1<<20+1 {
			t.Errorf("read %d bytes of the body, want at most the limit and one", r.n)
		}
	}
	n := 0
	err := Read(bytes.NewReader(data), "ok.xlsx", Options{Catalogue: cat, MaxUnpacked: 1 << 20}, func(chiso.Observation) error { n++; return nil })
	if err != nil || n != 2000 {
		t.Errorf("read %d observations, error %v", n, err)
	}
}

// TestReadFileXLSXLimits applies the limits to ReadFile as to Read.
func TestReadFileXLSXLimits(t *testing.T) {
	path := filepath.Join(t.TempDir(), "book.xlsx")
	header := `<row r="1"><c r="A1" t="inlineStr"><is><t>indicator</t></is></c><c r="B1" t="inlineStr"><is><t>area</t></is></c><c r="C1" t="inlineStr"><is><t>2024</t></is></c></row>`
	row := `<row><c t="inlineStr"><is><t>bts_stations</t></is></c><c t="inlineStr"><is><t>PT</t></is></c><c><v>1</v></c></row>`
	if err := os.WriteFile(path, rawBook(t, repeat(header, row, 1000), nil), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		opts Options
		want string
	}{
		{Options{MaxUnpacked: 64 << 10}, `book.xlsx: the workbook unpacks to 1 MB (sheet "Bom" alone to 1 MB), more than the 1 MB`},
		{Options{MaxCells: 100}, `book.xlsx:Bom!34: the workbook has more than 100 cells`},
	} {
		tc.opts.Catalogue, tc.opts.Lang = sampleCat(t), "en"
		err := ReadFile(path, tc.opts, func(chiso.Observation) error { return nil })
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ReadFile error = %v, want one containing %s", err, tc.want)
		}
	}
	n := 0
	if err := ReadFile(path, Options{Catalogue: sampleCat(t)}, func(chiso.Observation) error { n++; return nil }); err != nil || n != 1000 {
		t.Errorf("read %d observations, error %v", n, err)
	}
}
