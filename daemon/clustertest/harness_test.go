// Package clustertest runs several chiso daemons on one PostgreSQL
// database, as a deployment with replicas does, and checks what they
// promise together: one leader, failover without loss, imports reaching
// every replica.
package clustertest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chiso-vn/chiso/config"
	"github.com/chiso-vn/chiso/daemon"
	"github.com/chiso-vn/chiso/internal/pgtest"
	"github.com/chiso-vn/chiso/internal/setup"
	"github.com/chiso-vn/chiso/internal/testbin"
	"github.com/chiso-vn/chiso/store/pgstore"
)

func TestMain(m *testing.M) {
	code := pgtest.Main(m)
	testbin.Remove()
	os.Exit(code)
}

// roles numbers the database roles the tests create, one per replica.
var roles atomic.Int64

// rules alert on any coverage share above 100, as soon as it is seen.
const rules = `groups:
  - name: coverage
    schedule: "0 7 * * *"
    rules:
      - alert: CoverageOutOfRange
        check: range
        indicator: village_mobile_broadband_coverage
        severity: critical
`

// delivery is one request the receiver got.
type delivery struct {
	replica string // the X-Replica header: which daemon sent it
	key     string // Idempotency-Key
	attempt string // X-Chiso-Attempt
	at      time.Time
	cells   []string // area/period of each firing alert
}

// receiver is a webhook that records every request and answers 200,
// after delay.
type receiver struct {
	delay time.Duration
	mu    sync.Mutex
	got   []delivery
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	at := time.Now()
	if r.delay > 0 {
		time.Sleep(r.delay) // a receiver that takes its time: deliveries are in flight meanwhile
	}
	var msg struct {
		Alerts []struct {
			Status string            `json:"status"`
			Labels map[string]string `json:"labels"`
		} `json:"alerts"`
	}
	b, _ := io.ReadAll(req.Body)
	if err := json.Unmarshal(b, &msg); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	d := delivery{replica: req.Header.Get("X-Replica"), key: req.Header.Get("Idempotency-Key"),
		attempt: req.Header.Get("X-Chiso-Attempt"), at: at}
	for _, a := range msg.Alerts {
		if a.Status == "firing" {
			d.cells = append(d.cells, a.Labels["area"]+"/"+a.Labels["period"])
		}
	}
	r.mu.Lock()
	r.got = append(r.got, d)
	r.mu.Unlock()
}

func (r *receiver) deliveries() []delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]delivery(nil), r.got...)
}

// alerted returns the cells (area/period) that had a firing alert
// delivered, by the replica that delivered it first.
func (r *receiver) alerted() map[string]string {
	out := map[string]string{}
	for _, d := range r.deliveries() {
		for _, a := range d.cells {
			if _, ok := out[a]; !ok {
				out[a] = d.replica
			}
		}
	}
	return out
}

// duplicates counts the requests beyond the first of each idempotency key,
// and fails the test if two requests differ in key but carry the same
// notification twice (a duplicate without its key).
func (r *receiver) duplicates() int {
	seen := map[string]bool{}
	n := 0
	for _, d := range r.deliveries() {
		if seen[d.key] {
			n++
		}
		seen[d.key] = true
	}
	return n
}

// event is a line a daemon logged, with the time it logged it.
type event struct {
	at  time.Time
	msg string
}

// recorder keeps the leadership lines a daemon logs.
type recorder struct {
	mu     sync.Mutex
	events []event
	next   slog.Handler
}

func (r *recorder) Enabled(ctx context.Context, l slog.Level) bool { return r.next.Enabled(ctx, l) }

func (r *recorder) Handle(ctx context.Context, rec slog.Record) error {
	r.note(rec)
	return r.next.Handle(ctx, rec)
}

func (r *recorder) WithAttrs(as []slog.Attr) slog.Handler {
	return &forward{r: r, h: r.next.WithAttrs(as)}
}

func (r *recorder) WithGroup(g string) slog.Handler { return &forward{r: r, h: r.next.WithGroup(g)} }

// note keeps the record if it says the leadership changed.
func (r *recorder) note(rec slog.Record) {
	if strings.HasPrefix(rec.Message, "leading:") || strings.HasPrefix(rec.Message, "following:") {
		r.mu.Lock()
		r.events = append(r.events, event{at: rec.Time, msg: rec.Message})
		r.mu.Unlock()
	}
}

// forward is a recorder's handler with attributes or a group added.
type forward struct {
	r *recorder
	h slog.Handler
}

func (f *forward) Enabled(ctx context.Context, l slog.Level) bool { return f.h.Enabled(ctx, l) }

func (f *forward) Handle(ctx context.Context, rec slog.Record) error {
	f.r.note(rec)
	return f.h.Handle(ctx, rec)
}

func (f *forward) WithAttrs(as []slog.Attr) slog.Handler {
	return &forward{r: f.r, h: f.h.WithAttrs(as)}
}

func (f *forward) WithGroup(g string) slog.Handler { return &forward{r: f.r, h: f.h.WithGroup(g)} }

func (r *recorder) log() []event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]event(nil), r.events...)
}

// replica is one daemon of the cluster, in this process.
type replica struct {
	name string
	role string // the database role it connects as
	d    *daemon.Daemon
	rec  *recorder
	url  string
}

// cluster is a database, a webhook receiver and the daemons on them.
type cluster struct {
	t        *testing.T
	dsn      string
	hook     *receiver
	hookURL  string
	replicas map[string]*replica
}

// newCluster creates the database with the built-in catalogue and the
// receiver.
func newCluster(t *testing.T) *cluster {
	dsn := pgtest.New(t)
	ctx := context.Background()
	db, err := pgstore.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := setup.Init(ctx, db, false, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	db.Close()
	hook := &receiver{}
	ts := httptest.NewServer(hook)
	t.Cleanup(ts.Close)
	return &cluster{t: t, dsn: dsn, hook: hook, hookURL: ts.URL, replicas: map[string]*replica{}}
}

// roleDSN creates a login role for one replica and returns the database's
// connection string as that role, so that the replica alone can be cut off.
func (c *cluster) roleDSN(role string) string {
	t := c.t
	pg := pgtest.Shared(t)
	if err := pg.Exec(context.Background(), fmt.Sprintf("CREATE ROLE %s LOGIN SUPERUSER", role)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pg.Exec(context.Background(), "DROP ROLE IF EXISTS "+role) })
	u, err := url.Parse(c.dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.User(role)
	return u.String()
}

// configText is a replica's configuration: the shared database, a short
// lease, and the webhook receiver told which replica sends.
func (c *cluster) configText(name, dsn string) string {
	return fmt.Sprintf(`listen: 127.0.0.1:0
database: %q
watch: false
auth: {tokens: [{name: test, file: token}]}
cluster: {lease: %s}
alerting:
  route: {receiver: hook, group_by: [alertname, area], group_wait: 0s, group_interval: 1s}
  receivers:
    - name: hook
      webhook: {url: %q, headers: {X-Replica: %s}}
`, dsn, testLease(), c.hookURL, name)
}

// testLease is the replicas' lease: one second, so that failovers take
// seconds; $CHISO_TEST_LEASE (e.g. 10s, the default lease) measures the
// failover of a real deployment.
func testLease() string {
	if l := os.Getenv("CHISO_TEST_LEASE"); l != "" {
		return l
	}
	return "1s"
}

// start starts a replica in this process.
func (c *cluster) start(name string) *replica {
	t := c.t
	t.Helper()
	role := fmt.Sprintf("ct_%s_%d_%d", name, os.Getpid(), roles.Add(1))
	dsn := c.roleDSN(role)
	dir := t.TempDir()
	write(t, filepath.Join(dir, "rules.d", "r.yaml"), rules)
	write(t, filepath.Join(dir, "token"), "s3cret\n")
	write(t, filepath.Join(dir, "chiso.yaml"), c.configText(name, dsn))
	cfg, err := config.Load(filepath.Join(dir, "chiso.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{next: slog.NewTextHandler(testWriter{t: t, name: name}, &slog.HandlerOptions{Level: slog.LevelInfo})}
	d := daemon.New(cfg, daemon.Options{Logger: slog.New(rec)})
	if err := d.Start(context.Background()); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	r := &replica{name: name, role: role, d: d, rec: rec, url: "http://" + d.Addr()}
	t.Cleanup(func() { r.close() })
	c.replicas[name] = r
	waitFor(t, 10*time.Second, name+" ready", d.Ready)
	return r
}

func (r *replica) close() {
	if r.d != nil {
		_ = r.d.Close()
	}
}

// leaders returns the replicas that lead now.
func (c *cluster) leaders() []string {
	var out []string
	for name, r := range c.replicas {
		if ok, _ := r.d.Leading(); ok {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// leader waits until exactly one replica other than the excluded ones
// leads and returns it.
func (c *cluster) leader(within time.Duration, not ...string) *replica {
	c.t.Helper()
	var name string
	waitFor(c.t, within, "one leader", func() bool {
		ls := c.leaders()
		if len(ls) != 1 {
			return false
		}
		for _, n := range not {
			if ls[0] == n {
				return false
			}
		}
		name = ls[0]
		return true
	})
	return c.replicas[name]
}

// importBad posts a coverage above 100 for the cell (area/period) to the
// replica: a finding, then an alert for that cell.
func (r *replica) importBad(t *testing.T, cell string) {
	t.Helper()
	if code, body := r.postBad(cell); code != http.StatusOK && code != http.StatusCreated {
		t.Fatalf("import on %s: %d %s", r.name, code, body)
	}
}

// tryImportBad is importBad that reports a failure instead.
func (r *replica) tryImportBad(cell string) bool {
	code, _ := r.postBad(cell)
	return code == http.StatusOK || code == http.StatusCreated
}

func (r *replica) postBad(cell string) (int, string) {
	area, period, _ := strings.Cut(cell, "/")
	body := fmt.Sprintf("indicator,area,period,value\nvillage_mobile_broadband_coverage,%s,%s,120\n", area, period)
	req, _ := http.NewRequest("POST", r.url+"/api/v1/observations", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer s3cret")
	req.Header.Set("Content-Type", "text/csv")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// hasFinding reports whether the replica's engine found the cell's
// coverage out of range.
func (r *replica) hasFinding(cell string) bool {
	for f := range r.d.Findings() {
		if f.Area+"/"+f.Period.String() == cell && f.Rule == "CoverageOutOfRange" {
			return true
		}
	}
	return false
}

// partition cuts the replica from the database: its sessions are ended
// and it may not open new ones.
func (c *cluster) partition(r *replica) {
	c.t.Helper()
	pg := pgtest.Shared(c.t)
	ctx := context.Background()
	if err := pg.Exec(ctx, fmt.Sprintf("ALTER ROLE %s NOLOGIN", r.role)); err != nil {
		c.t.Fatal(err)
	}
	if err := pg.Exec(ctx, `SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity WHERE usename = $1`, r.role); err != nil {
		c.t.Fatal(err)
	}
}

// heal lets the replica connect again.
func (c *cluster) heal(r *replica) {
	c.t.Helper()
	if err := pgtest.Shared(c.t).Exec(context.Background(), fmt.Sprintf("ALTER ROLE %s LOGIN", r.role)); err != nil {
		c.t.Fatal(err)
	}
}

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// waitFor polls cond until it holds, failing the test after within; it
// returns when cond first held.
func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) time.Time {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: %s", within, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return time.Now()
}

// testWriter sends a daemon's log to the test's, prefixed with its name,
// only when the test fails or runs verbose.
type testWriter struct {
	t    *testing.T
	name string
}

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Logf("%s: %s", w.name, strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
