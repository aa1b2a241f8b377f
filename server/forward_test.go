package server

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// follower is a Leadership that follows the leader at url.
type follower struct{ url string }

func (f follower) Leading() (bool, string) { return false, "the-leader" }
func (f follower) LeaderURL() string       { return f.url }

// followerServer is a server that follows the leader at leaderURL, with
// one token, "good", of a steward.
func followerServer(t *testing.T, leaderURL string) *Server {
	t.Helper()
	b := &backend{}
	s, err := New(Deps{Importer: b, Querier: b, Status: b, Reloader: b,
		Tokens:   func() []Token { return []Token{{Name: "steward", Value: "good"}} },
		Gatherer: prometheus.NewRegistry(), Alerting: newFake(), Leadership: follower{url: leaderURL}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestFollowerForwardsOnlyKnownTokens: a follower passes an alert change
// on to the leader only with a token it knows; bad tokens are refused and
// throttled by the follower against the client's address, so that they
// never count against the follower's own address at the leader.
func TestFollowerForwardsOnlyKnownTokens(t *testing.T) {
	var forwarded atomic.Int32
	leader := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get(ForwardedHeader) == "" {
			t.Errorf("forwarded request without %s", ForwardedHeader)
		}
		forwarded.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"success","data":{}}`))
	}))
	defer leader.Close()

	s := followerServer(t, leader.URL)
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	ack := ts.URL + "/api/v1/alerts/abc/ack"
	body := `{"kind":"correct","by":"an","comment":"ok"}`

	for i, want := range []int{401, 401, 401, 401, 401, 401, 429} {
		if code, _ := do(t, "POST", ack, "bad", "application/json", body); code != want {
			t.Errorf("bad token, try %d: %d, want %d", i+1, code, want)
		}
	}
	if code, _ := do(t, "POST", ack, "", "application/json", body); code != 429 {
		t.Errorf("no token from a held-back address: %d, want 429", code)
	}
	if n := forwarded.Load(); n != 0 {
		t.Fatalf("%d requests with bad tokens were forwarded to the leader", n)
	}

	// a known token from an address not held back is forwarded
	s.guard = newThrottle(time.Now, throttleAddresses)
	for _, path := range []string{"/api/v1/alerts/abc/ack", "/api/v1/silences", "/api/v1/receivers/hook/test"} {
		if code, _ := do(t, "POST", ts.URL+path, "good", "application/json", `{}`); code != 200 {
			t.Errorf("POST %s with a good token: %d, want the leader's 200", path, code)
		}
	}
	if code, _ := do(t, "DELETE", ts.URL+"/api/v1/silences/7", "good", "", ""); code != 200 {
		t.Errorf("DELETE silence with a good token: %d, want the leader's 200", code)
	}
	if n := forwarded.Load(); n != 4 {
		t.Errorf("%d requests forwarded, want 4", n)
	}
}

// TestForwardToAStalledLeaderEnds: a leader that accepts the connection
// but does not answer (paused, stalled on the database) costs the client
// the forwarding timeout, then a 502 naming it; forwarded requests go
// straight to the leader, never through a proxy of the environment, which
// would see the client's token.
func TestForwardToAStalledLeaderEnds(t *testing.T) {
	release := make(chan struct{})
	leader := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer leader.Close()
	defer close(release)

	s := followerServer(t, leader.URL)
	if s.forward == nil || s.forward.Proxy != nil {
		t.Fatal("forwarded requests may go through a proxy of the environment")
	}
	s.forward.ResponseHeaderTimeout = 200 * time.Millisecond
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	start := time.Now()
	code, body := do(t, "POST", ts.URL+"/api/v1/alerts/abc/ack", "good", "application/json", `{"kind":"correct"}`)
	if took := time.Since(start); code != http.StatusBadGateway || took > 5*time.Second ||
		!strings.Contains(fmt.Sprint(body), "forwarding to the leader") {
		t.Errorf("a stalled leader: %d after %s: %s", code, took, body)
	}
}

// TestFollowerSaysWhenTheLeaderRefusesAKnownToken: replicas with different
// tokens (one not reloaded after a change) make the leader refuse a token
// the follower knows, and count it against the follower's address; the
// follower logs it, naming the token but never its value.
func TestFollowerSaysWhenTheLeaderRefusesAKnownToken(t *testing.T) {
	leader := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"status":"error","error":"unauthorized"}`))
	}))
	defer leader.Close()
	var logs strings.Builder
	var mu sync.Mutex
	b := &backend{}
	s, err := New(Deps{Importer: b, Querier: b, Status: b, Reloader: b,
		Tokens:   func() []Token { return []Token{{Name: "steward", Value: "tok-very-secret"}} },
		Gatherer: prometheus.NewRegistry(), Alerting: newFake(), Leadership: follower{url: leader.URL},
		Logger: slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
			mu.Lock()
			defer mu.Unlock()
			return logs.Write(p)
		}), nil))})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	if code, _ := do(t, "POST", ts.URL+"/api/v1/silences", "tok-very-secret", "application/json", `{}`); code != 401 {
		t.Errorf("the leader's refusal: %d, want 401", code)
	}
	mu.Lock()
	defer mu.Unlock()
	if out := logs.String(); !strings.Contains(out, "different tokens") || !strings.Contains(out, "steward") ||
		strings.Contains(out, "very-secret") {
		t.Errorf("log:\n%s", out)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// TestForwardOfAnOversizedBodyIs413: a body beyond the limit, sent without
// a length, is refused with 413 as on the leader, not a 502 that blames
// the leader.
func TestForwardOfAnOversizedBodyIs413(t *testing.T) {
	leader := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
	}))
	defer leader.Close()
	s := followerServer(t, leader.URL)
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	req, _ := http.NewRequest("POST", ts.URL+"/api/v1/silences", io.MultiReader(strings.NewReader(strings.Repeat("x", 5<<20))))
	req.Header.Set("Authorization", "Bearer good")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("an oversized forwarded body: %d %s", resp.StatusCode, msg)
	}
}
