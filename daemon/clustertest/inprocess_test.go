package clustertest

import (
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chiso-vn/chiso/daemon"
	"github.com/chiso-vn/chiso/internal/pgtest"
	"github.com/chiso-vn/chiso/server"
)

// daemonFollowerRefresh is how often a follower reloads the alerts.
const daemonFollowerRefresh = daemon.FollowerRefreshInterval

// cells returns n distinct cells (area/period) with coverage figures the
// sample catalogue accepts, starting at the i-th: the months of 2005 to
// 2024 in six provinces that existed then (1,440 cells).
func cells(i, n int) []string {
	areas := []string{"PT", "VP", "HB", "DB", "PY", "DL"}
	var out []string
	for k := i; k < i+n; k++ {
		j := k / len(areas)
		out = append(out, fmt.Sprintf("%s/%d-%02d", areas[k%len(areas)], 2005+j/12, j%12+1))
	}
	return out
}

// followers returns the replicas other than the leader, by name.
func (c *cluster) followers(leader *replica) []*replica {
	var out []*replica
	for _, name := range []string{"a", "b", "c"} {
		if r := c.replicas[name]; r != nil && r != leader {
			out = append(out, r)
		}
	}
	return out
}

// lastLeading returns when the replica last logged that it began leading
// and that it stopped, zero when it did not.
func (r *replica) lastLeading() (began, stopped time.Time) {
	for _, e := range r.rec.log() {
		switch {
		case strings.HasPrefix(e.msg, "leading:"):
			began, stopped = e.at, time.Time{}
		case strings.HasPrefix(e.msg, "following:"):
			stopped = e.at
		}
	}
	return began, stopped
}

// An import on any replica reaches every replica's engine within a second,
// and only the leader notifies.
func TestImportsReachEveryReplicaAndOnlyTheLeaderNotifies(t *testing.T) {
	c := newCluster(t)
	for _, n := range []string{"a", "b", "c"} {
		c.start(n)
	}
	lead := c.leader(10 * time.Second)
	var slowest time.Duration
	for i, r := range []*replica{c.followers(lead)[0], c.followers(lead)[1], lead} {
		cell := cells(i, 1)[0]
		posted := time.Now()
		r.importBad(t, cell)
		for _, other := range c.replicas {
			took := waitFor(t, 5*time.Second, other.name+" finds "+cell, func() bool { return other.hasFinding(cell) }).Sub(posted)
			if took > time.Second {
				t.Errorf("an import on %s reached %s's engine after %s, want within a second", r.name, other.name, took)
			}
			slowest = max(slowest, took)
		}
	}
	t.Logf("an import reached every replica's findings within %s", slowest.Round(time.Millisecond))
	want := cells(0, 3)
	waitFor(t, 10*time.Second, "every alert delivered", func() bool { return len(c.hook.alerted()) == len(want) })
	for _, d := range c.hook.deliveries() {
		if d.replica != lead.name {
			t.Errorf("follower %s delivered %v", d.replica, d.cells)
		}
	}
	// a follower knows who leads
	f := c.followers(lead)[0]
	if ok, holder := f.d.Leading(); ok || holder == "" {
		t.Errorf("follower %s: leading %v, holder %q; want a follower that knows the holder", f.name, ok, holder)
	}
}

// A leader cut from the database stops delivering before another leader
// starts; the new leader delivers what the old one had not, and nothing
// is lost.
func TestPartitionedLeaderStopsBeforeTheNextStarts(t *testing.T) {
	c := newCluster(t)
	for _, n := range []string{"a", "b", "c"} {
		c.start(n)
	}
	old := c.leader(10 * time.Second)
	before := cells(0, 4)
	for i, cell := range before {
		c.followers(old)[i%2].importBad(t, cell)
	}
	waitFor(t, 10*time.Second, "the first alerts delivered", func() bool { return len(c.hook.alerted()) == len(before) })

	cut := time.Now()
	c.partition(old)
	// imports keep arriving at the replicas still connected
	after := cells(4, 4)
	for i, cell := range after {
		c.followers(old)[i%2].importBad(t, cell)
	}
	next := c.leader(15*time.Second, old.name)
	took := time.Since(cut)
	t.Logf("new leader %s %s after the partition of %s", next.name, took.Round(time.Millisecond), old.name)
	waitFor(t, 15*time.Second, "every alert delivered", func() bool {
		return len(c.hook.alerted()) == len(before)+len(after)
	})

	_, oldStopped := old.lastLeading()
	nextBegan, _ := next.lastLeading()
	if oldStopped.IsZero() || !oldStopped.Before(nextBegan) {
		t.Fatalf("%s stopped leading at %s, %s began at %s: want the stop first",
			old.name, oldStopped.Format("15:04:05.000"), next.name, nextBegan.Format("15:04:05.000"))
	}
	for _, d := range c.hook.deliveries() {
		switch {
		case d.replica == old.name && !d.at.Before(oldStopped):
			t.Errorf("%s delivered %v at %s, after it stopped leading at %s", old.name, d.cells,
				d.at.Format("15:04:05.000"), oldStopped.Format("15:04:05.000"))
		case d.replica == next.name && d.at.Before(nextBegan):
			t.Errorf("%s delivered %v at %s, before it began leading at %s", next.name, d.cells,
				d.at.Format("15:04:05.000"), nextBegan.Format("15:04:05.000"))
		}
	}
	c.checkTerms()
	if n := c.hook.duplicates(); n > 0 {
		t.Logf("%d notifications delivered twice, each with its idempotency key", n)
	}

	// healed, the old leader follows and catches up
	c.heal(old)
	waitFor(t, 10*time.Second, old.name+" catches up", func() bool { return old.hasFinding(after[len(after)-1]) })
	if ok, _ := old.d.Leading(); ok {
		t.Errorf("%s leads again after healing while %s leads", old.name, next.name)
	}
}

// term is one leadership of a replica, from its log.
type term struct {
	replica       string
	began, ending time.Time // ending is zero while it still leads
}

func (tm term) String() string {
	end := "now"
	if !tm.ending.IsZero() {
		end = tm.ending.Format("15:04:05.000")
	}
	return fmt.Sprintf("%s %s–%s", tm.replica, tm.began.Format("15:04:05.000"), end)
}

// terms returns every leadership of the replicas, in order of beginning.
func (c *cluster) terms() []term {
	var out []term
	for name, r := range c.replicas {
		var cur *term
		for _, e := range r.rec.log() {
			switch {
			case strings.HasPrefix(e.msg, "leading:"):
				out = append(out, term{replica: name, began: e.at})
				cur = &out[len(out)-1]
			case strings.HasPrefix(e.msg, "following:") && cur != nil:
				cur.ending, cur = e.at, nil
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].began.Before(out[j].began) })
	return out
}

// checkTerms fails the test if two leaderships overlapped, or if a
// replica delivered a notification outside its own leaderships.
func (c *cluster) checkTerms() {
	t := c.t
	t.Helper()
	ts := c.terms()
	for i := 1; i < len(ts); i++ {
		if prev := ts[i-1]; prev.ending.IsZero() || !prev.ending.Before(ts[i].began) {
			t.Errorf("%s began leading at %s while %s led (until %s)", ts[i].replica, ts[i].began.Format("15:04:05.000"),
				prev.replica, prev.ending.Format("15:04:05.000"))
		}
	}
	for _, d := range c.hook.deliveries() {
		ok := false
		for _, tm := range ts {
			if tm.replica == d.replica && !d.at.Before(tm.began) && (tm.ending.IsZero() || d.at.Before(tm.ending)) {
				ok = true
			}
		}
		if !ok {
			t.Errorf("%s delivered %v at %s, outside its leaderships %v", d.replica, d.cells, d.at.Format("15:04:05.000"), ts)
		}
	}
}

// The database restarts under the daemons: they reconnect, one leads
// (the same or another, never two at once), imports made after the
// restart are alerted, and so are those made before.
func TestDatabaseRestartUnderTheDaemons(t *testing.T) {
	c := newCluster(t)
	for _, n := range []string{"a", "b", "c"} {
		c.start(n)
	}
	c.leader(10 * time.Second)
	before := cells(0, 3)
	for i, cell := range before {
		c.replicas[[]string{"a", "b", "c"}[i]].importBad(t, cell)
	}
	waitFor(t, 10*time.Second, "the first alerts delivered", func() bool { return len(c.hook.alerted()) == len(before) })

	if err := pgtest.Shared(t).Restart(); err != nil {
		t.Fatal(err)
	}
	after := cells(3, 3)
	for i, cell := range after {
		r := c.replicas[[]string{"a", "b", "c"}[i]]
		// the replica's pool may still hold connections the restart cut:
		// an import may fail once, as a client would see, and is retried
		waitFor(t, 10*time.Second, "import on "+r.name+" after the restart", func() bool { return r.tryImportBad(cell) })
	}
	lead := c.leader(15 * time.Second)
	waitFor(t, 15*time.Second, "every alert delivered", func() bool { return len(c.hook.alerted()) == len(before)+len(after) })
	for _, r := range c.replicas {
		waitFor(t, 10*time.Second, r.name+" caught up and ready", func() bool {
			return r.d.Ready() && r.hasFinding(after[len(after)-1])
		})
	}
	c.checkTerms()
	t.Logf("after the restart %s leads; terms %v; %d duplicates", lead.name, c.terms(), c.hook.duplicates())
}

// get returns the status and body of a GET on the replica.
func (r *replica) get(t *testing.T, path string) (int, string) {
	t.Helper()
	resp, err := http.Get(r.url + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// send makes an authorised request with a JSON body and the headers
// (name, value, …).
func (r *replica) send(t *testing.T, method, path, body string, headers ...string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, r.url+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer s3cret")
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// Followers serve reads and imports, answer 503 on /-/leader, forward
// alert changes to the leader (once), show what the leader decided, and
// say in their metrics that they follow and are caught up.
func TestFollowersServeButLeaveChangesToTheLeader(t *testing.T) {
	c := newCluster(t)
	for _, n := range []string{"a", "b", "c"} {
		c.start(n)
	}
	lead := c.leader(10 * time.Second)
	fs := c.followers(lead)
	cell := cells(0, 1)[0]
	fs[0].importBad(t, cell)
	for _, r := range c.replicas {
		waitFor(t, 5*time.Second, r.name+" finds the import", func() bool { return r.hasFinding(cell) })
	}
	if code, _ := lead.get(t, "/-/leader"); code != http.StatusOK {
		t.Errorf("leader %s: /-/leader answers %d, want 200", lead.name, code)
	}
	silence := func(comment string) string {
		return `{"matchers": ["area=\"PT\""], "duration": "2h", "created_by": "ops", "comment": "` + comment + `"}`
	}
	_, holder := lead.d.Leading()
	for _, f := range fs {
		if code, body := f.get(t, "/-/leader"); code != http.StatusServiceUnavailable || !strings.Contains(body, "follows") {
			t.Errorf("follower %s: /-/leader answers %d %q, want 503 saying it follows", f.name, code, body)
		}
		// an alert change on a follower is forwarded to the leader, which
		// makes it
		if code, body := f.send(t, "POST", "/api/v1/silences", silence("via "+f.name)); code >= 300 {
			t.Errorf("follower %s: a silence answers %d %s, want the leader's success", f.name, code, body)
		}
		// but never forwarded twice: a forwarded request a follower gets is
		// refused, naming the leader
		code, body := f.send(t, "POST", "/api/v1/silences", silence("loop"), server.ForwardedHeader, "1")
		if code != http.StatusServiceUnavailable || !strings.Contains(body, holder) {
			t.Errorf("follower %s: a forwarded silence answers %d %s, want 503 naming the leader %s", f.name, code, body, holder)
		}
	}
	_, body := lead.get(t, "/api/v1/silences")
	for _, f := range fs {
		if !strings.Contains(body, "via "+f.name) {
			t.Errorf("the leader lacks the silence made through %s: %s", f.name, body)
		}
	}
	if strings.Contains(body, "loop") {
		t.Errorf("a refused forwarded silence was made: %s", body)
	}
	for _, f := range fs {
		waitFor(t, 3*daemonFollowerRefresh, f.name+" shows the leader's silences", func() bool {
			_, body := f.get(t, "/api/v1/silences")
			return strings.Contains(body, "via "+fs[0].name) && strings.Contains(body, "via "+fs[1].name)
		})
	}
	for _, r := range c.replicas {
		_, m := r.get(t, "/metrics")
		want := []string{"chiso_leader 0", `chiso_leader_changes_total{to="leader"} 0`, "chiso_engine_lag_revisions 0", "chiso_engine_lag_seconds 0"}
		if r == lead {
			want[0], want[1] = "chiso_leader 1", `chiso_leader_changes_total{to="leader"} 1`
		}
		for _, w := range want {
			if !strings.Contains(m, "\n"+w+"\n") {
				t.Errorf("%s's /metrics lacks %q", r.name, w)
			}
		}
	}
}
