package ingest

import (
	"bytes"
	"runtime"
	"strconv"
	"testing"

	"github.com/chiso-vn/chiso"
	"github.com/xuri/excelize/v2"
)

// benchXLSX generates a long printed sheet of n rows whose values are
// decimal number cells, every other one in a #,##0.00 format.
func benchXLSX(b *testing.B, n int) []byte {
	f := excelize.NewFile()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		b.Fatal(err)
	}
	style, err := f.NewStyle(&excelize.Style{NumFmt: 4})
	if err != nil {
		b.Fatal(err)
	}
	sw.SetRow("A1", []any{"indicator", "area", "period", "value", "source"})
	areas := []string{"PT", "VP", "HB"}
	for i := range n {
		var v any = float64(i%5000) + 0.25
		if i%2 == 0 {
			v = excelize.Cell{StyleID: style, Value: v}
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		period := strconv.Itoa(2005+i%15) + "-" + strconv.Itoa(10+i%3)
		if err := sw.SetRow(cell, []any{"ict_revenue", areas[i%3], period, v, "bao-cao.pdf"}); err != nil {
			b.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkReadXLSX reads a generated 50,000-row workbook and reports rows
// per second, allocations per row and the heap in use after the read, which
// stays small: cell types come from a stream, not from the whole sheet.
func BenchmarkReadXLSX(b *testing.B) {
	const rows = 50_000
	data := benchXLSX(b, rows)
	cat := sampleCat(b)
	b.SetBytes(int64(len(data)))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	var heap uint64
	for b.Loop() {
		n := 0
		err := Read(bytes.NewReader(data), "bench.xlsx", Options{Catalogue: cat}, func(chiso.Observation) error {
			n++
			if n == rows/2 {
				var m runtime.MemStats
				runtime.ReadMemStats(&m)
				heap = max(heap, m.HeapInuse)
			}
			return nil
		})
		if err != nil || n != rows {
			b.Fatalf("read %d rows: %v", n, err)
		}
	}
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(rows*b.N), "allocs/row")
	b.ReportMetric(float64(heap)/(1<<20), "MiB-heap-midway")
}
