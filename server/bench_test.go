package server

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// BenchmarkScrape100k measures one /metrics scrape over HTTP with 100,000
// value series (and as many period-end series): the goal is ≤ 250 ms.
func BenchmarkScrape100k(b *testing.B) {
	const n = 100_000
	snap := &Snapshot{Values: make([]SeriesValue, n)}
	for i := range snap.Values {
		snap.Values[i] = SeriesValue{Area: fmt.Sprintf("A%04d", i/100), Indicator: fmt.Sprintf("indicator_%03d", i%100),
			Value: float64(i) * 1.5, PeriodEnd: 1735689600}
	}
	c := NewValueCollector()
	c.Swap(snap)
	reg := prometheus.NewRegistry()
	s, err := New(Deps{Status: &backend{}, Tokens: func() []Token { return nil }, Gatherer: reg, Values: c})
	if err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	cases := []struct {
		name, enc string
		swap      bool // a new snapshot before every scrape: data changed
	}{{"gzip", "gzip", false}, {"identity", "identity", false}, {"gzip-after-swap", "gzip", true}, {"identity-after-swap", "identity", true}}
	for _, tc := range cases {
		enc := tc.enc
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			var size int64
			cpu0 := cpuSeconds()
			for b.Loop() {
				if tc.swap {
					c.Swap(&Snapshot{Values: snap.Values})
				}
				req, _ := http.NewRequest("GET", ts.URL+"/metrics", nil)
				req.Header.Set("Accept-Encoding", enc) // as Prometheus asks: gzip
				resp, err := http.DefaultTransport.RoundTrip(req)
				if err != nil {
					b.Fatal(err)
				}
				size, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			b.ReportMetric(float64(size)/1e6, "MB/scrape")
			b.ReportMetric((cpuSeconds()-cpu0)/float64(b.N), "cpu-s/op")
		})
	}
}

// cpuSeconds is the process's user and system CPU time: on a shared machine
// it tells the work done from the time spent waiting for a core.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}
