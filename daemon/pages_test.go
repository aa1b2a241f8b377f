package daemon

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/internal/synth"
	"github.com/chiso-vn/chiso/store"
)

// startWithGrid starts a daemon on the sample data plus one observation per
// synthetic indicator, area and month.
func startWithGrid(t *testing.T, areas, indicators, months int) *harness {
	t.Helper()
	dir := t.TempDir()
	ctx := context.Background()
	path := filepath.Join(dir, "chiso.db")
	if _, err := InitDatabase(ctx, path, true, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ImportCatalogue(ctx, synth.Catalogue(areas, indicators)); err != nil {
		t.Fatal(err)
	}
	_, err = db.Import(ctx, store.ImportOptions{Source: "grid", Now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
		func(emit func(chiso.Observation) error) error {
			for i := range indicators {
				for a := range areas {
					p := synth.FirstPeriod
					for range months {
						o := chiso.Observation{Indicator: synth.IndicatorCode(i), Area: synth.AreaCode(a), Period: p,
							Value: float64(i + a), Raw: "khoảng " + fmt.Sprint(i+a), Source: "grid.csv"}
						if err := emit(o); err != nil {
							return err
						}
						p = p.Next()
					}
				}
			}
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return startIn(t, dir, "watch: false\n", Options{})
}

var nextRE = regexp.MustCompile(`"next":"([^"]+)"}\s*$`)

// walk reads every page of path, from a first page of limit items, and
// returns how many observations it read. It keeps only the tail of each
// answer, so that the client's memory does not count in the server's.
func walk(h *harness, path string, limit int) (int, error) {
	n, cursor := 0, ""
	for pages := 0; pages < 1000; pages++ {
		u := fmt.Sprintf("%s%s?limit=%d", h.url, path, limit)
		if cursor != "" {
			u += "&cursor=" + url.QueryEscape(cursor)
		}
		resp, err := http.Get(u)
		if err != nil {
			return n, err
		}
		c := &itemCounter{}
		_, err = io.Copy(c, resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 {
			return n, fmt.Errorf("%s: %d %v %s", u, resp.StatusCode, err, c.tail)
		}
		n += c.n
		m := nextRE.FindSubmatch(c.tail)
		if m == nil {
			return n, nil
		}
		cursor = string(m[1])
	}
	return n, fmt.Errorf("more than 1000 pages")
}

// itemCounter counts the observations of an answer and keeps its tail.
type itemCounter struct {
	n    int
	tail []byte
}

var itemMark = []byte(`{"indicator":`)

func (c *itemCounter) Write(b []byte) (int, error) {
	buf := append(c.tail, b...)
	c.n += bytes.Count(buf, itemMark) - bytes.Count(c.tail, itemMark)
	c.tail = append(c.tail[:0], buf[max(0, len(buf)-256):]...)
	return len(b), nil
}

// peakHeap runs f while sampling the heap, and returns the largest heap
// seen above the heap before f.
func peakHeap(f func()) (peak uint64) {
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var top atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > top.Load() {
				top.Store(ms.HeapAlloc)
			}
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	})
	f()
	close(stop)
	wg.Wait()
	if top.Load() < base {
		return 0
	}
	return top.Load() - base
}

// TestObservationPagesBoundMemory: clients reading every observation at
// once page through them, and the server's memory follows the page, not
// the store. Before, ?limit=0 returned the whole store in one answer built
// in memory (0.75 GB a request on the data), and a page of 10,000
// read every selected observation before slicing.
func TestObservationPagesBoundMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("imports 120,000 observations")
	}
	areas, indicators, months := 50, 40, 60 // 120,000 observations
	if raceEnabled {
		areas, indicators, months = 20, 20, 30 // 12,000: two pages, in seconds
	}
	const clients = 4
	grid := areas * indicators * months
	h := startWithGrid(t, areas, indicators, months)
	for _, bad := range []string{"?limit=0", "?limit=10001"} {
		resp, err := http.Get(h.url + "/api/v1/observations" + bad)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 400 {
			t.Errorf("%s: %d, want 400", bad, resp.StatusCode)
		}
	}
	errs := make([]error, clients)
	counts := make([]int, clients)
	peak := peakHeap(func() {
		var wg sync.WaitGroup
		for i := range clients {
			wg.Go(func() { counts[i], errs[i] = walk(h, "/api/v1/observations", 10000) })
		}
		wg.Wait()
	})
	for i := range clients {
		if errs[i] != nil || counts[i] < grid || counts[i] != counts[0] {
			t.Errorf("client %d read %d observations (client 0: %d, grid %d): %v", i, counts[i], counts[0], grid, errs[i])
		}
	}
	t.Logf("%d clients reading %d observations each in pages of 10,000: peak heap +%.1f MB", clients, counts[0], float64(peak)/(1<<20))
	if peak > 64<<20 {
		t.Errorf("peak heap grew by %.1f MB, want under 64 MB", float64(peak)/(1<<20))
	}
}
