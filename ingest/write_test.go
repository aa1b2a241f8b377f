package ingest

import (
	"bytes"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/chiso-vn/chiso"
)

// roundTrip writes observations and reads them back.
func roundTrip(t *testing.T, obs []chiso.Observation, allRevisions bool) ([]chiso.Observation, string) {
	t.Helper()
	var buf bytes.Buffer
	w := NewCSVWriter(&buf, allRevisions)
	for _, o := range obs {
		if err := w.Write(o); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	var got []chiso.Observation
	err := Read(bytes.NewReader(buf.Bytes()), "export.csv", Options{Catalogue: sampleCat(t)}, func(o chiso.Observation) error {
		got = append(got, o)
		return nil
	})
	if err != nil {
		t.Fatalf("read back:\n%s\n%v", buf.String(), err)
	}
	return got, buf.String()
}

func TestCSVWriterRoundTrip(t *testing.T) {
	day := time.Date(2024, 11, 27, 0, 0, 0, 0, time.UTC)
	at := time.Date(2026, 1, 2, 3, 4, 5, 678901234, time.UTC)
	p := chiso.MustParsePeriod
	obs := []chiso.Observation{
		// 183.001 with a Vietnamese raw that says 183001: imported in English.
		{Indicator: "ict_revenue", Area: "VP", Period: p("2022"), Value: 183.001, Raw: "183.001 tỷ đồng", Source: "a.txt", ReportedOn: day, Revision: 1, IngestedAt: at},
		{Indicator: "ict_revenue", Area: "VP", Period: p("2022"), Value: 183001, Raw: "183.001 tỷ đồng", Source: "b.txt", Revision: 2, IngestedAt: at.Add(time.Hour)},
		{Indicator: "ict_revenue", Area: "VP", Period: p("2010"), Value: 1307.44, Raw: "1.307,44 tỷ đồng", Source: "c, \"quoted\"", Method: "gso"},
		{Indicator: "bts_stations", Area: "PT", Period: p("2016"), Value: 1931, Qualifier: chiso.Derived, Raw: "2.500 trạm, tăng 29,46% so với năm 2016"},
		{Indicator: "online_dossier_rate", Area: "PT", Period: p("2024-H1"), Value: 0.1 + 0.2, Qualifier: chiso.Over, Raw: " đạt trên 0,3%\n", Source: ""},
		{Indicator: "bts_stations", Area: "PT", Period: p("2017-08"), Value: math.Copysign(0, -1), ReportedOn: at},
		{Indicator: "bts_stations", Area: "PT", Period: p("2017-Q3"), Value: 1e300},
		{Indicator: "bts_stations", Area: "PT", Period: p("2017-Q4"), Value: 5e-324, Qualifier: chiso.Preliminary},
		{Indicator: "bts_stations", Area: "PT", Period: p("2017"), Value: 2.5, Raw: "2.500 trạm", ReportedOn: day.In(time.FixedZone("ICT", 7*3600))},
	}
	for _, all := range []bool{false, true} {
		want := append([]chiso.Observation(nil), obs...)
		if !all {
			for i := range want {
				want[i].Revision, want[i].IngestedAt = 0, time.Time{}
			}
		}
		got, text := roundTrip(t, obs, all)
		if len(got) != len(want) {
			t.Fatalf("allRevisions=%v: read %d, want %d", all, len(got), len(want))
		}
		for i := range want {
			if !sameObservation(got[i], want[i]) {
				t.Errorf("allRevisions=%v row %d:\n got %+v\nwant %+v", all, i, got[i], want[i])
			}
		}
		if !strings.Contains(text, ",183.001,exact,183.001 tỷ đồng,") || !strings.Contains(text, ",1307.44,") {
			t.Errorf("export does not hold plain values:\n%s", text)
		}
	}
}

// sameObservation compares observations, times by instant and floats by
// bits (so that -0 differs from 0).
func sameObservation(a, b chiso.Observation) bool {
	ta, tb := [2]time.Time{a.ReportedOn, a.IngestedAt}, [2]time.Time{b.ReportedOn, b.IngestedAt}
	a.ReportedOn, a.IngestedAt, b.ReportedOn, b.IngestedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	va, vb := math.Float64bits(a.Value), math.Float64bits(b.Value)
	a.Value, b.Value = 0, 0
	a.Origin, b.Origin = 0, 0 // where a row sat in its file
	return reflect.DeepEqual(a, b) && va == vb && ta[0].Equal(tb[0]) && ta[1].Equal(tb[1])
}

func TestCSVWriterHeaderOnlyAndNaN(t *testing.T) {
	var buf bytes.Buffer
	w := NewCSVWriter(&buf, true)
	if err := w.Write(chiso.Observation{Indicator: "x", Value: math.NaN()}); err == nil {
		t.Error("Write(NaN) succeeded")
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	want := "indicator,area,period,value,qualifier,raw,source,reported_on,method,revision,ingested_at\n"
	if buf.String() != want {
		t.Errorf("got %q, want %q", buf.String(), want)
	}
	buf.Reset()
	if err := NewCSVWriter(&buf, false).Flush(); err != nil || buf.String() != "indicator,area,period,value,qualifier,raw,source,reported_on,method\n" {
		t.Errorf("empty export = %q, %v", buf.String(), err)
	}
}

// TestCrossCheckOnlyForOtherFiles shows that the same rows that read back
// from an export are refused in a hand-made canonical file, where 2.5
// beside "2.500 trạm" is the figure misread.
func TestCrossCheckOnlyForOtherFiles(t *testing.T) {
	text := "indicator,area,period,value,qualifier,raw\nbts_stations,PT,2017,2.5,exact,2.500 trạm\n"
	_, errs := readAll(t, "hand.csv", text, Options{})
	if !strings.Contains(errs, `hand.csv:2:4: value "2.5": raw "2.500 trạm" reads as 2500`) {
		t.Errorf("errors = %q", errs)
	}
	_, errs = readAll(t, "hand.csv", text, Options{Locale: English})
	if !strings.Contains(errs, `a count cannot be fractional (2.5)`) { // in English the raw says 2.5 too, but stations are whole
		t.Errorf("English errors = %q", errs)
	}
}
