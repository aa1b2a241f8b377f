package clustertest

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chiso-vn/chiso/internal/testbin"
)

// chisoBinary builds cmd/chiso once per test run.
func chisoBinary(t *testing.T) string { return testbin.Chiso(t) }

// proc is one daemon running as a process of the built binary.
type proc struct {
	name string
	cmd  *exec.Cmd
	url  string
	rec  *recorder // its leadership lines, timed by its own log
	done chan struct{}
}

// logLine reads the time and message of a line of chiso's text log.
var logLine = regexp.MustCompile(`^time=(\S+) level=\S+ msg=(?:"((?:[^"\\]|\\.)*)"|(\S+))(.*)$`)

// startProc starts `chiso serve` for the replica and waits until it
// listens and is ready.
func (c *cluster) startProc(name string) *proc {
	t := c.t
	t.Helper()
	dir := t.TempDir()
	write(t, filepath.Join(dir, "rules.d", "r.yaml"), rules)
	write(t, filepath.Join(dir, "token"), "s3cret\n")
	write(t, filepath.Join(dir, "chiso.yaml"), c.configText(name, c.dsn))
	cmd := exec.Command(chisoBinary(t), "serve", "--config", filepath.Join(dir, "chiso.yaml"))
	cmd.Dir = dir
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{name: name, cmd: cmd, rec: &recorder{}, done: make(chan struct{})}
	addr := make(chan string, 1)
	go p.readLog(t, stderr, addr)
	go func() { _ = cmd.Wait(); close(p.done) }()
	t.Cleanup(func() { p.stop() })
	select {
	case a := <-addr:
		p.url = a
	case <-p.done:
		t.Fatalf("%s exited before listening", name)
	case <-time.After(30 * time.Second):
		t.Fatalf("%s does not listen after 30 s", name)
	}
	waitFor(t, 30*time.Second, name+" ready", func() bool { return p.status("/-/ready") == http.StatusOK })
	return p
}

// readLog passes the process's log to the test's, sends the address it
// listens on, and records its leadership lines with their times.
func (p *proc) readLog(t *testing.T, r io.Reader, addr chan<- string) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		t.Logf("%s: %s", p.name, line)
		m := logLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		at, err := time.Parse(time.RFC3339Nano, m[1])
		if err != nil {
			continue
		}
		msg := m[2] + m[3]
		if msg == "listening" {
			if a := regexp.MustCompile(`addr=(\S+)`).FindStringSubmatch(m[4]); a != nil {
				select {
				case addr <- a[1]:
				default:
				}
			}
		}
		if strings.HasPrefix(msg, "leading:") || strings.HasPrefix(msg, "following:") {
			p.rec.mu.Lock()
			p.rec.events = append(p.rec.events, event{at: at, msg: msg})
			p.rec.mu.Unlock()
		}
	}
}

// status returns the HTTP status of a GET, 0 when it fails.
func (p *proc) status(path string) int {
	client := http.Client{Timeout: 2 * time.Second}
	resp, err := client.Get(p.url + path)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// post imports a bad coverage for the cell; false when the replica did
// not confirm it (refused, or unreachable).
func (p *proc) post(cell string) bool {
	area, period, _ := strings.Cut(cell, "/")
	body := fmt.Sprintf("indicator,area,period,value\nvillage_mobile_broadband_coverage,%s,%s,120\n", area, period)
	req, _ := http.NewRequest("POST", p.url+"/api/v1/observations", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer s3cret")
	req.Header.Set("Content-Type", "text/csv")
	client := http.Client{Timeout: 10 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusCreated
}

func (p *proc) kill() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// stop ends the process with SIGTERM (a graceful shutdown), or SIGKILL
// after 15 s.
func (p *proc) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		p.kill()
	}
}

func (p *proc) alive() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// procLeader waits until exactly one live process answers 200 on
// /-/leader and returns it.
func procLeader(t *testing.T, ps []*proc, within time.Duration) (*proc, time.Time) {
	t.Helper()
	var lead *proc
	at := waitFor(t, within, "one leader", func() bool {
		lead = nil
		n := 0
		for _, p := range ps {
			if p.alive() && p.status("/-/leader") == http.StatusOK {
				lead = p
				n++
			}
		}
		return n == 1
	})
	return lead, at
}

// importer posts bad cells round-robin to the live replicas until
// stopped, and keeps the cells a replica confirmed.
type importer struct {
	mu        sync.Mutex
	confirmed []string
	stop      chan struct{}
	done      chan struct{}
}

func startImporter(ps []*proc) *importer {
	im := &importer{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(im.done)
		for i := 0; ; i++ {
			select {
			case <-im.stop:
				return
			default:
			}
			p := ps[i%len(ps)]
			if !p.alive() {
				continue
			}
			cell := cells(i, 1)[0]
			if p.post(cell) {
				im.mu.Lock()
				im.confirmed = append(im.confirmed, cell)
				im.mu.Unlock()
			}
			select {
			case <-im.stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	return im
}

func (im *importer) end() []string {
	close(im.stop)
	<-im.done
	im.mu.Lock()
	defer im.mu.Unlock()
	return append([]string(nil), im.confirmed...)
}

func (im *importer) count() int {
	im.mu.Lock()
	defer im.mu.Unlock()
	return len(im.confirmed)
}

// TestSIGKILLedLeaderIsReplacedWithoutLoss runs three daemons as processes
// on one database, imports arriving at all of them, a webhook receiver
// counting. The leader is killed with SIGKILL mid-stream: another leads
// within 15 s, every confirmed import's alert reaches the receiver, and
// the only notifications it gets twice are those the killed leader had in
// flight, re-sent with the same idempotency key.
func TestSIGKILLedLeaderIsReplacedWithoutLoss(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	chisoBinary(t)
	c := newCluster(t)
	c.hook.delay = 100 * time.Millisecond // deliveries take time: some are in flight at the kill
	ps := []*proc{c.startProc("a"), c.startProc("b"), c.startProc("c")}
	old, _ := procLeader(t, ps, 15*time.Second)
	im := startImporter(ps)
	waitFor(t, 20*time.Second, "alerts delivered before the kill", func() bool { return len(c.hook.alerted()) >= 12 })

	killed := time.Now()
	old.kill()
	var live []*proc
	for _, p := range ps {
		if p != old {
			live = append(live, p)
		}
	}
	next, seen := procLeader(t, live, 15*time.Second)
	// its log line may reach the test after its HTTP answer
	waitFor(t, 5*time.Second, next.name+"'s log says it leads", func() bool { return !next.began().IsZero() })
	nextBegan := next.began()
	t.Logf("SIGKILL of %s at %s; %s leads from %s (%s later; seen over HTTP after %s)", old.name, killed.Format("15:04:05.000"),
		next.name, nextBegan.Format("15:04:05.000"), nextBegan.Sub(killed).Round(time.Millisecond), seen.Sub(killed).Round(time.Millisecond))
	if d := nextBegan.Sub(killed); d > 15*time.Second || d <= 0 {
		t.Errorf("the next leader began %s after the kill, want within 15 s", d)
	}
	// imports go on after the kill, at the survivors
	after := im.count()
	waitFor(t, 20*time.Second, "imports after the kill", func() bool { return im.count() >= after+10 })
	confirmed := im.end()

	waitFor(t, 30*time.Second, "every confirmed import alerted", func() bool {
		got := c.hook.alerted()
		for _, cell := range confirmed {
			if _, ok := got[cell]; !ok {
				return false
			}
		}
		return true
	})
	checkAfterKill(t, c.hook, old.name, next.name, killed, nextBegan)
	t.Logf("%d imports confirmed, %d cells alerted, %d requests, %d duplicates", len(confirmed), len(c.hook.alerted()),
		len(c.hook.deliveries()), c.hook.duplicates())
}

// checkAfterKill checks what the receiver got around the kill: nothing
// from the killed leader after the kill, nothing from the next before it
// began leading, nothing from anyone else, and duplicates only of
// notifications the killed leader had in flight, at most the deliverer's
// concurrency, each a later attempt with the same idempotency key.
func checkAfterKill(t *testing.T, hook *receiver, old, next string, killed, nextBegan time.Time) {
	t.Helper()
	const inFlightMax = 4 // alerts.DelivererOptions.Concurrency's default
	first := map[string]delivery{}
	dups := 0
	for _, d := range hook.deliveries() {
		switch {
		case d.replica == old && d.at.After(killed):
			t.Errorf("the killed %s delivered %v at %s, after the kill", old, d.cells, d.at.Format("15:04:05.000"))
		case d.replica == next && d.at.Before(nextBegan):
			t.Errorf("%s delivered %v before it led", next, d.cells)
		case d.replica != old && d.replica != next:
			t.Errorf("follower %s delivered %v", d.replica, d.cells)
		}
		f, seen := first[d.key]
		if !seen {
			first[d.key] = d
			continue
		}
		dups++
		if f.replica != old || d.replica != next || d.attempt == "" || d.attempt == "1" {
			t.Errorf("notification %s sent twice: first by %s (attempt %q), then by %s (attempt %q); want only the killed leader's in-flight ones re-sent by the next",
				d.key, f.replica, f.attempt, d.replica, d.attempt)
		}
	}
	if dups > inFlightMax {
		t.Errorf("%d duplicates, more than the %d notifications a leader has in flight", dups, inFlightMax)
	}
}

// began returns when the process last logged that it began leading.
func (p *proc) began() time.Time {
	var at time.Time
	for _, e := range p.rec.log() {
		if strings.HasPrefix(e.msg, "leading:") {
			at = e.at
		}
	}
	return at
}

// TestPausedLeaderDoesNotActOnWaking stops the leader's process
// (SIGSTOP) for longer than its lease, as a swapped-out machine or a
// stalled virtual machine would: another leads; woken (SIGCONT), the old
// leader sees its deadline passed and follows without delivering
// anything, and the new one delivers what arrived meanwhile.
func TestPausedLeaderDoesNotActOnWaking(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	chisoBinary(t)
	c := newCluster(t)
	ps := []*proc{c.startProc("a"), c.startProc("b"), c.startProc("c")}
	old, _ := procLeader(t, ps, 15*time.Second)
	var live []*proc
	for _, p := range ps {
		if p != old {
			live = append(live, p)
		}
	}
	first := cells(0, 2)
	for i, cell := range first {
		if !live[i].post(cell) {
			t.Fatalf("import of %s on %s refused", cell, live[i].name)
		}
	}
	waitFor(t, 10*time.Second, "the first alerts", func() bool { return len(c.hook.alerted()) == len(first) })

	if err := old.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	stopped := time.Now()
	next, _ := procLeader(t, live, 15*time.Second)
	more := cells(2, 2)
	for i, cell := range more {
		if !live[i].post(cell) {
			t.Fatalf("import of %s on %s refused", cell, live[i].name)
		}
	}
	// woken now: a transaction it had open when it stopped may hold locks
	// the new leader's writes wait for (see the README); on waking it ends
	if err := old.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	woke := time.Now()
	waitFor(t, 15*time.Second, "the alerts of the pause", func() bool { return len(c.hook.alerted()) == len(first)+len(more) })
	waitFor(t, 5*time.Second, old.name+" follows after waking", func() bool { return old.status("/-/leader") == http.StatusServiceUnavailable })
	// one more import after the wake: only the new leader alerts on it
	last := cells(4, 1)[0]
	if !old.post(last) {
		t.Fatalf("import of %s on the woken %s refused", last, old.name)
	}
	waitFor(t, 10*time.Second, "the alert after the wake", func() bool { _, ok := c.hook.alerted()[last]; return ok })
	waitFor(t, 5*time.Second, next.name+"'s log says it leads", func() bool { return !next.began().IsZero() })
	nextBegan := next.began()
	for _, d := range c.hook.deliveries() {
		if d.replica == old.name && !d.at.Before(nextBegan) {
			t.Errorf("the paused %s delivered %v at %s, after %s began leading at %s", old.name, d.cells,
				d.at.Format("15:04:05.000"), next.name, nextBegan.Format("15:04:05.000"))
		}
		if d.replica != old.name && d.replica != next.name {
			t.Errorf("follower %s delivered %v", d.replica, d.cells)
		}
	}
	t.Logf("%s paused at %s, %s led from %s, %s woke at %s; %d requests, %d duplicates", old.name, stopped.Format("15:04:05.000"),
		next.name, nextBegan.Format("15:04:05.000"), old.name, woke.Format("15:04:05.000"), len(c.hook.deliveries()), c.hook.duplicates())
}
