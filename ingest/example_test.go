package ingest_test

import (
	"fmt"
	"os"
	"strings"

	"github.com/chiso-vn/chiso/sample/samplecat"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/ingest"
)

func ExampleParseFigure() {
	f, err := ingest.ParseFigure("ước đạt 8,6 tỷ USD", ingest.Vietnamese)
	if err != nil {
		panic(err)
	}
	exports := chiso.Indicator{Code: "electronics_export_value", Unit: "billion_usd", Kind: chiso.KindMoney}
	v, err := f.In(exports)
	fmt.Println(v, f.Qualifier, err)
	// Output: 8.6 estimate <nil>
}

func ExampleExtractFigure() {
	stations := chiso.Indicator{Code: "bts_stations", Unit: "station", Kind: chiso.KindCount}
	v, q, _ := ingest.ExtractFigure("2.500 trạm, tăng 29,46% so với năm 2016", stations, ingest.Vietnamese, false)
	fmt.Println(v, q)
	v, q, _ = ingest.ExtractFigure("2.500 trạm, tăng 29,46% so với năm 2016", stations, ingest.Vietnamese, true)
	fmt.Println(v, q)
	// Output:
	// 2500 exact
	// 1931 derived
}

func ExampleRead() {
	cat, err := samplecat.Catalogue()
	if err != nil {
		panic(err)
	}
	file := "indicator,area,period,value\n" +
		"ict_revenue,VP,2022,183.001 tỷ đồng\n" +
		"bts_stations,PT,2017,1.5\n"
	w := ingest.NewCSVWriter(os.Stdout, false)
	err = ingest.Read(strings.NewReader(file), "so-lieu.csv", ingest.Options{Catalogue: cat, Lang: "en"}, w.Write)
	if err := w.Flush(); err != nil {
		panic(err)
	}
	fmt.Println(err)
	// Output:
	// indicator,area,period,value,qualifier,raw,source,reported_on,method
	// ict_revenue,VP,2022,183001,exact,183.001 tỷ đồng,so-lieu.csv,,
	// so-lieu.csv:3:4: value "1.5": ambiguous number: in Vietnamese "." groups thousands, so it must come after 1–3 digits and before exactly three (2.500 = 2500), and "," is the decimal mark
}
