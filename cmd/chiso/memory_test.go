package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chiso-vn/chiso/internal/synth"
)

// TestDaemonMemoryUnderHostileClients measures the daemon's peak resident
// memory with 1,008,000 observations while clients do their worst: walk
// every page of observations at once, ask for unbounded pages, upload a
// 50 MB cell and an oversized body, hold 300 slow connections and add
// silences with the largest regular expressions allowed. The goal is to
// stay under 512 MiB whatever a client sends. It takes a minute or two:
//
//	CHISO_MEMORY=1 go test -run TestDaemonMemoryUnderHostileClients -v ./cmd/chiso
func TestDaemonMemoryUnderHostileClients(t *testing.T) {
	if os.Getenv("CHISO_MEMORY") == "" {
		t.Skip("set CHISO_MEMORY=1 to measure the daemon's memory under hostile clients")
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "synth")
	os.MkdirAll(data, 0o755)
	cat := synth.Catalogue(700, 40)
	for name, write := range map[string]func(io.Writer) error{
		"indicators.csv":   func(w io.Writer) error { return synth.WriteIndicatorsCSV(w, cat) },
		"areas.csv":        func(w io.Writer) error { return synth.WriteAreasCSV(w, cat) },
		"observations.csv": func(w io.Writer) error { return synth.WriteCSV(w, 700, 40, 36, 1) },
	} {
		f, err := os.Create(filepath.Join(data, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := write(f); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	bin := chisoBinary(t)
	db := filepath.Join(dir, "chiso.db")
	for _, args := range [][]string{
		{"--db", db, "init"},
		{"--db", db, "catalogue", "import", filepath.Join(data, "indicators.csv"), filepath.Join(data, "areas.csv")},
		{"--db", db, "import", filepath.Join(data, "observations.csv")},
	} {
		if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
			t.Fatalf("chiso %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	addr := freePort(t)
	writeTestFile(t, filepath.Join(dir, "rules", "r.yaml"), `groups:
  - name: r
    schedule: "@every 10s"
    rules:
      - alert: ShareOutOfRange
        check: range
        indicator: synth_percent_000
`)
	writeTestFile(t, filepath.Join(dir, "chiso.yaml"), fmt.Sprintf(`listen: %q
database: chiso.db
rules: ["rules/*.yaml"]
watch: false
auth:
  tokens: [{name: e2e, env: CHISO_E2E_TOKEN}]
`, addr))
	p := startDaemonIn(t, dir, addr)
	pid := p.cmd.Process.Pid
	t.Logf("after start with 1,008,000 observations: peak resident %d MiB", vmHWM(pid)>>20)

	var wg sync.WaitGroup
	run := func(what string, n int, f func(i int)) {
		for i := range n {
			wg.Add(1)
			go func() { defer wg.Done(); f(i) }()
		}
		wg.Wait()
		t.Logf("after %s: peak resident %d MiB", what, vmHWM(pid)>>20)
	}
	client := &http.Client{Timeout: 5 * time.Minute}
	// Eight clients walk every page of observations at once.
	run("8 clients walking every page", 8, func(int) {
		cursor := ""
		for pages := 0; pages < 200; pages++ {
			resp, err := client.Get(p.url + "/api/v1/observations?limit=10000" + cursor)
			if err != nil {
				t.Error(err)
				return
			}
			var next string
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if i := bytes.Index(b, []byte(`"next":"`)); i >= 0 {
				rest := b[i+8:]
				next = string(rest[:bytes.IndexByte(rest, '"')])
			}
			if next == "" {
				return
			}
			cursor = "&cursor=" + next
		}
	})
	// Unbounded pages are refused.
	run("unbounded pages", 4, func(int) {
		resp, err := client.Get(p.url + "/api/v1/observations?limit=0")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 400 {
				t.Errorf("limit=0: %d", resp.StatusCode)
			}
		}
	})
	// A 50 MB cell, and a body over the import limit.
	run("two 50 MB cells", 2, func(int) {
		body := "indicator,area,period,value\nsynth_count_001,S0001,2020-01,\"" + strings.Repeat("9", 50<<20) + "\"\n"
		code, resp := soakPost(client, p.url+"/api/v1/observations", body)
		if code != 422 || len(resp) > 1<<16 {
			t.Errorf("50 MB cell: %d, %d bytes of answer", code, len(resp))
		}
	})
	run("a 300 MB body", 1, func(int) {
		req, _ := http.NewRequest("POST", p.url+"/api/v1/observations", io.MultiReader(strings.NewReader("indicator,area,period,value\n"), io.LimitReader(rows{}, 300<<20)))
		req.Header.Set("Authorization", "Bearer "+e2eToken)
		req.Header.Set("Content-Type", "text/csv")
		if resp, err := client.Do(req); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 413 {
				t.Errorf("300 MB body: %d", resp.StatusCode)
			}
		}
	})
	// 300 connections that send half a request and wait.
	var slow []net.Conn
	for range 300 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			break
		}
		fmt.Fprintf(c, "POST /api/v1/silences HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n{")
		slow = append(slow, c)
	}
	// Silences with the largest expressions allowed, and some beyond.
	run("silences", 1, func(int) {
		for i := range 200 {
			re := strings.Repeat("[a-z]", 200) + fmt.Sprint(i)
			body := fmt.Sprintf(`{"matchers":["area=~\"%s\""],"duration":"1h","created_by":"m","comment":"m"}`, re)
			soakPostJSON(client, p.url+"/api/v1/silences", body)
		}
		huge := fmt.Sprintf(`{"matchers":["area=~\"%s\""],"duration":"1h","created_by":"m","comment":"m"}`, strings.Repeat("(a|b)", 100000))
		if code, _ := soakPostJSON(client, p.url+"/api/v1/silences", huge); code != 400 && code != 413 {
			t.Errorf("a 500 KB expression: %d", code)
		}
	})
	wg.Wait()
	for _, c := range slow {
		c.Close()
	}
	if code, _ := p.get("/-/healthy"); code != 200 {
		t.Errorf("healthy: %d", code)
	}
	peak := vmHWM(pid)
	t.Logf("peak resident under hostile clients: %d MiB (%d slow connections held)", peak>>20, len(slow))
	if peak > 512<<20 {
		t.Errorf("peak resident %d MiB, over 512 MiB", peak>>20)
	}
}

// rows reads as endless rows naming an unknown indicator.
type rows struct{}

func (rows) Read(p []byte) (int, error) {
	const row = "nope,S0001,2020-01,1\n"
	for i := range p {
		p[i] = row[i%len(row)]
	}
	return len(p), nil
}
