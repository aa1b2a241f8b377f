// Package xlsxtest makes hostile workbooks for the tests of every path
// that reads one (command line, API, drop folder, importer).
package xlsxtest

import (
	"archive/zip"
	"bytes"
	"io"
)

// DeclareSize returns the workbook book with its part (such as
// xl/worksheets/sheet1.xml) declaring that it unpacks to size bytes while
// its content stays as it is: what a zip bomb's directory says.
func DeclareSize(book []byte, part string, size uint64) ([]byte, error) {
	zr, err := zip.NewReader(bytes.NewReader(book), int64(len(book)))
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		h := f.FileHeader
		if h.Name == part {
			h.UncompressedSize64 = size
		}
		raw, err := f.OpenRaw()
		if err != nil {
			return nil, err
		}
		w, err := zw.CreateRaw(&h)
		if err != nil {
			return nil, err
		}
		if _, err := io.Copy(w, raw); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}
