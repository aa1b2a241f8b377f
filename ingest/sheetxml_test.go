package ingest

import (
	"bytes"
	"encoding/xml"
	"io"
	"reflect"
	"strconv"
	"testing"

	"github.com/chiso-vn/chiso"
)

// refRow is a row as encoding/xml reads it, for comparison with the scan.
type refRow struct {
	n     int
	cells []cellMeta
}

// refScan reads a sheet's cells with encoding/xml, as the scanner should.
func refScan(data []byte) ([]refRow, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	var rows []refRow
	var cell *cellMeta
	inV := false
	row, col := 0, 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return nil, err
		}
		switch el := tok.(type) {
		case xml.StartElement:
			attr := func(name string) string {
				for _, a := range el.Attr {
					if a.Name.Local == name {
						return a.Value
					}
				}
				return ""
			}
			switch {
			case el.Name.Local == "row": // anywhere, as excelize finds rows
				row++
				if n, err := strconv.Atoi(attr("r")); err == nil && n > 0 {
					row = n
				}
				rows, col = append(rows, refRow{n: row}), 0
			case el.Name.Local == "c" && len(rows) > 0:
				col++
				if c, ok := columnOf([]byte(attr("r"))); ok {
					col = c
				}
				m := cellMeta{col: col, typ: attr("t")}
				if s, err := strconv.Atoi(attr("s")); err == nil && s > 0 {
					m.style = s
				}
				r := &rows[len(rows)-1]
				r.cells = append(r.cells, m)
				cell = &r.cells[len(r.cells)-1]
			case el.Name.Local == "v":
				inV = cell != nil
			}
		case xml.EndElement:
			switch el.Name.Local {
			case "v":
				inV = false
			case "c":
				cell = nil
			case "sheetData":
				return rows, nil
			}
		case xml.CharData:
			if inV {
				cell.v += string(el)
			}
		}
	}
}

// FuzzSheetScanner checks that the scan of a worksheet's XML never panics
// and, on XML that encoding/xml reads, finds the cells it finds.
func FuzzSheetScanner(f *testing.F) {
	for _, s := range []string{
		`<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="D1" s="3"><v>1.25</v></c></row><row r="3"><c r="B3" t="e"><v>#DIV/0!</v></c></row></sheetData></worksheet>`,
		`<?xml version="1.0"?><x:worksheet xmlns:x="urn:x"><x:sheetData><x:row><x:c><x:v>1</x:v></x:c><x:c t="inlineStr"><x:is><x:t>a&gt;b</x:t></x:is></x:c></x:row></x:sheetData></x:worksheet>`,
		`<worksheet><sheetData><!-- <row r="9"> --><row r='2' spans="1:3"><c r='C2' t='b' s='7'><v>1</v></c><c><f>A1&lt;3</f><v>0</v></c></row></sheetData></worksheet>`,
		`<worksheet><sheetData><row r="1"><c r="A1" t="str"><v><![CDATA[<row>]]></v></c></row><row/></sheetData></worksheet>`,
		`<worksheet><sheetData/></worksheet>`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		budget := 1 << 20
		sc := newSheetScanner(io.NopCloser(bytes.NewReader(data)), &budget)
		var got []refRow
		for n := 1; n <= 64 && !sc.done; n++ {
			cells, err := sc.rowCells(n)
			if err != nil {
				return
			}
			if len(cells) > 0 {
				got = append(got, refRow{n: n, cells: append([]cellMeta(nil), cells...)})
			}
		}
		want, err := refScan(data)
		if err != nil || bytes.ContainsAny(data, "&\x00") || bytes.Contains(data, []byte("CDATA")) || !increasing(want) {
			return // entities, CDATA and rows out of order are read as excelize reads them
		}
		var kept []refRow
		for _, r := range want {
			if len(r.cells) > 0 && r.n <= 64 {
				for i := range r.cells {
					if len(r.cells[i].v) > maxStored {
						return
					}
				}
				kept = append(kept, r)
			}
		}
		if !reflect.DeepEqual(got, kept) {
			t.Fatalf("scan\n%+v\nencoding/xml\n%+v", got, kept)
		}
	})
}

func increasing(rows []refRow) bool {
	for i := 1; i < len(rows); i++ {
		if rows[i].n <= rows[i-1].n {
			return false
		}
	}
	return true
}

func TestSheetParts(t *testing.T) {
	data := rawBook(t, repeat("", "", 0), nil)
	data = rewriteParts(t, data, func(name string, b []byte) []byte {
		if name == "xl/_rels/workbook.xml.rels" {
			return bytes.ReplaceAll(b, []byte(`Target="worksheets/sheet1.xml"`), []byte(`Target="/xl/worksheets/sheet1.xml"`))
		}
		return b
	})
	n, err := readXLSXCount(t, data)
	if err != nil || n != 0 {
		t.Errorf("absolute target: %d observations, %v", n, err)
	}
	if got := partPath("xl", `..\xl\worksheets\sheet2.xml`); got != "xl/worksheets/sheet2.xml" {
		t.Errorf("partPath = %q", got)
	}
	if got, ok := columnOf([]byte("XFD7")); !ok || got != maxColumns {
		t.Errorf("columnOf(XFD7) = %d, %v", got, ok)
	}
	if got, _ := columnOf([]byte("ZZZZZZZZ1")); got <= maxColumns {
		t.Errorf("columnOf(ZZZZZZZZ1) = %d", got)
	}
}

func readXLSXCount(t *testing.T, data []byte) (int, error) {
	n := 0
	err := Read(bytes.NewReader(data), "b.xlsx", Options{Catalogue: sampleCat(t)}, func(chiso.Observation) error { n++; return nil })
	return n, err
}
