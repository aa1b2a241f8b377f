package daemon

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkPostToFinding measures the time from a POST of an observation
// that breaks a rule to its finding being visible in the API. Goal: p50 ≤
// 200 ms.
func BenchmarkPostToFinding(b *testing.B) {
	h := start(b, "watch: false\n")
	client := &http.Client{}
	var lat []time.Duration
	i := 0
	for b.Loop() {
		i++
		value := fmt.Sprintf("%d,%03d", 101+i/1000, i%1000) // a new revision above 100% each time
		body := "indicator,area,period,value\nvillage_mobile_broadband_coverage,VP,2024,\"" + value + "\"\n"
		start := time.Now()
		id := postB(b, client, h, body)
		for !findingWithData(h, id) {
			if time.Since(start) > 5*time.Second {
				b.Fatalf("finding for id %d not visible after 5 s", id)
			}
			time.Sleep(time.Millisecond)
		}
		lat = append(lat, time.Since(start))
	}
	reportLatency(b, lat)
}

func findingWithData(h *harness, id int64) bool {
	for f := range h.d.Findings() {
		if f.Area == "VP" && f.DataID >= id {
			return true
		}
	}
	return false
}

func postB(b *testing.B, client *http.Client, h *harness, body string) int64 {
	req, _ := http.NewRequest("POST", h.url+"/api/v1/observations", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+h.token)
	req.Header.Set("Content-Type", "text/csv")
	resp, err := client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	var r struct {
		Data struct {
			LastID int64 `json:"last_id"`
		}
	}
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || json.Unmarshal(raw, &r) != nil {
		b.Fatalf("POST = %d %s", resp.StatusCode, raw)
	}
	return r.Data.LastID
}

func reportLatency(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	q := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(q(0.5), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
	b.ReportMetric(q(1), "max-ms")
}

// BenchmarkPostLoad posts single observations from several connections
// for CHISO_LOAD_SECONDS (default 30) and reports the sustained rate, the
// errors and the latency percentiles. Goal: ≥ 1,000 per second, no error.
// Run it alone: go test -run '^$' -bench PostLoad -benchtime 1x ./daemon
func BenchmarkPostLoad(b *testing.B) {
	dur := 30 * time.Second
	if s := os.Getenv("CHISO_LOAD_SECONDS"); s != "" {
		var n int
		fmt.Sscan(s, &n)
		dur = time.Duration(n) * time.Second
	}
	h := start(b, "watch: false\n")
	const workers = 8
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	var sent, failed atomic.Int64
	lats := make([][]time.Duration, workers)
	var wg sync.WaitGroup
	deadline := time.Now().Add(dur)
	b.ResetTimer()
	for w := range workers {
		wg.Go(func() {
			for n := 0; time.Now().Before(deadline); n++ {
				start := time.Now()
				if !postOne(client, h, w, n) {
					failed.Add(1)
				}
				sent.Add(1)
				lats[w] = append(lats[w], time.Since(start))
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	var all []time.Duration
	for _, l := range lats {
		all = append(all, l...)
	}
	b.ReportMetric(float64(sent.Load())/dur.Seconds(), "posts/s")
	b.ReportMetric(float64(failed.Load()), "errors")
	reportLatency(b, all)
}

var firstError atomic.Pointer[[]byte]

// postOne posts one observation: worker w's n-th, a distinct month of a
// distinct area, or a new revision once the cells are used up.
func postOne(client *http.Client, h *harness, w, n int) bool {
	areas := []string{"PT", "VP", "DB", "PY", "HB"}
	area := areas[(w+n)%len(areas)]
	period := fmt.Sprintf("%d-%02d", 2005+(n/12)%20, n%12+1)
	body := fmt.Sprintf("indicator,area,period,value\nvillage_mobile_broadband_coverage,%s,%s,\"%d,%d\"\n", area, period, 50+w, (n/240)%10)
	req, _ := http.NewRequest("POST", h.url+"/api/v1/observations", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+h.token)
	req.Header.Set("Content-Type", "text/csv")
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 && firstError.CompareAndSwap(nil, &raw) {
		fmt.Fprintf(os.Stderr, "first failed POST: %d %s", resp.StatusCode, raw)
	}
	return resp.StatusCode == 200
}
