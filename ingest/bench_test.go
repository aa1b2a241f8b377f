package ingest

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strconv"
	"testing"

	"github.com/chiso-vn/chiso"
)

// benchCSV generates a long CSV of n rows over the sample catalogue: plain
// values in a canonical file (with a raw phrase on every row when raw is
// set, which the reader cross-checks), or printed Vietnamese figures.
func benchCSV(cat *chiso.Catalogue, n int, style string) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	var b bytes.Buffer
	switch style {
	case "printed":
		b.WriteString("indicator,area,period,value,source\n")
	default:
		b.WriteString("indicator,area,period,value,qualifier,raw,source,reported_on\n")
	}
	areas := []string{"PT", "VP", "HB", "DB", "PY", "DL"}
	for i := range n {
		ind := cat.Indicators[rng.IntN(len(cat.Indicators))]
		period := chiso.Period{Kind: chiso.Month, Year: 2005 + rng.IntN(20), N: 1 + rng.IntN(12)}
		v := float64(rng.IntN(2_000_000)) / 100
		if ind.Kind == chiso.KindPercent {
			v = float64(rng.IntN(10000)) / 100
		}
		fmt.Fprintf(&b, "%s,%s,%s,", ind.Code, areas[i%len(areas)], period)
		printed := FormatNumber(v, Vietnamese)
		if ind.Kind == chiso.KindPercent {
			printed += "%"
		}
		switch style {
		case "printed":
			fmt.Fprintf(&b, "\"trên %s\",bao-cao-%d.pdf\n", printed, i%7)
		case "raw":
			fmt.Fprintf(&b, "%s,over,\"đạt trên %s\",bao-cao-%d.pdf,2024-11-27\n", strconv.FormatFloat(v, 'f', -1, 64), printed, i%7)
		default:
			fmt.Fprintf(&b, "%s,over,,bao-cao-%d.pdf,2024-11-27\n", strconv.FormatFloat(v, 'f', -1, 64), i%7)
		}
	}
	return b.Bytes()
}

// BenchmarkReadCSV reads a generated 100,000-row long CSV file and reports
// rows per second and allocations per row.
func BenchmarkReadCSV(b *testing.B) {
	cat := sampleCat(b)
	const rows = 100_000
	for _, style := range []string{"canonical", "raw", "printed"} {
		data := benchCSV(cat, rows, style)
		b.Run(style, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			for b.Loop() {
				n := 0
				err := Read(bytes.NewReader(data), "bench.csv", Options{Catalogue: cat}, func(chiso.Observation) error {
					n++
					return nil
				})
				if err != nil || n != rows {
					b.Fatalf("read %d rows: %v", n, err)
				}
			}
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(rows*b.N), "allocs/row")
		})
	}
}
