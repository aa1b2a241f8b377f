package amclient

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/alerting"
	"github.com/chiso-vn/chiso/alerts"
)

var now = time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)

// amAlert mirrors Alertmanager's postableAlert.
type amAlert struct {
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL"`
}

// fakeAM mirrors POST /api/v2/alerts and records what it received.
type fakeAM struct {
	*httptest.Server
	status atomic.Int32
	delay  time.Duration
	mu     sync.Mutex
	posts  [][]amAlert
	auth   []string
}

func newFakeAM(t *testing.T, status int) *fakeAM {
	f := &fakeAM{}
	f.status.Store(int32(status))
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeAM) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/api/v2/alerts" || r.Header.Get("Content-Type") != "application/json" {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	var as []amAlert
	if err := json.NewDecoder(r.Body).Decode(&as); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	// The body is read first: only then does the server notice a client
	// that hangs up.
	if f.delay > 0 {
		select {
		case <-time.After(f.delay):
		case <-r.Context().Done():
			return
		}
	}
	f.mu.Lock()
	f.posts = append(f.posts, as)
	f.auth = append(f.auth, r.Header.Get("Authorization"))
	f.mu.Unlock()
	w.WriteHeader(int(f.status.Load()))
}

func (f *fakeAM) Posts() [][]amAlert {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([][]amAlert(nil), f.posts...)
}

// alert is a firing chiso alert.
func alert(fp, area string) chiso.Alert {
	return chiso.Alert{Fingerprint: fp, State: chiso.Firing, ActiveAt: now.Add(-2 * time.Hour), FiredAt: now.Add(-time.Hour),
		Labels: map[string]string{"alertname": "FibreBelowTarget", "area": area, "indicator": "village_fibre_coverage",
			"severity": "warning", "period": ""},
		Annotations: map[string]string{"summary": "Điện Biên chưa đạt mục tiêu", "description": ""}}
}

func resolved(a chiso.Alert, at time.Time) chiso.Alert {
	a.State, a.ResolvedAt = chiso.Resolved, at
	return a
}

func TestSendPostsAlerts(t *testing.T) {
	am := newFakeAM(t, http.StatusOK)
	c, err := New(Config{URLs: []string{am.URL + "/"}}, WithExternalURL("https://chiso.example.vn"))
	if err != nil {
		t.Fatal(err)
	}
	pending := alert("p", "PT")
	pending.State = chiso.Pending
	in := []chiso.Alert{alert("a", "DB"), resolved(alert("b", "VP"), now.Add(-time.Minute)), pending}
	if err := c.Send(context.Background(), in, now); err != nil {
		t.Fatal(err)
	}
	posts := am.Posts()
	if len(posts) != 1 || len(posts[0]) != 2 {
		t.Fatalf("posts %+v: want one post of the two non-pending alerts", posts)
	}
	firing, res := posts[0][0], posts[0][1]
	if firing.Labels["area"] != "DB" || firing.Labels["alertname"] != "FibreBelowTarget" {
		t.Errorf("labels %v", firing.Labels)
	}
	if _, ok := firing.Labels["period"]; ok {
		t.Errorf("empty label sent: %v", firing.Labels)
	}
	if _, ok := firing.Annotations["description"]; ok || firing.Annotations["summary"] == "" {
		t.Errorf("annotations %v", firing.Annotations)
	}
	if !firing.StartsAt.Equal(now.Add(-time.Hour)) || !firing.EndsAt.Equal(now.Add(4*time.Minute)) {
		t.Errorf("firing startsAt %s endsAt %s: want fired time and now+4m", firing.StartsAt, firing.EndsAt)
	}
	if !res.EndsAt.Equal(now.Add(-time.Minute)) {
		t.Errorf("resolved endsAt %s, want its resolution time", res.EndsAt)
	}
	want := "https://chiso.example.vn/api/v1/findings?area=DB&indicator=village_fibre_coverage&rule=FibreBelowTarget"
	if firing.GeneratorURL != want {
		t.Errorf("generatorURL %q, want %q", firing.GeneratorURL, want)
	}
}

func TestSendAuth(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret")
	if err := os.WriteFile(secret, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	am := newFakeAM(t, http.StatusOK)
	for _, tt := range []struct {
		cfg  Config
		want string
	}{
		{Config{BasicAuth: &BasicAuth{Username: "chiso", PasswordFile: secret}}, "Basic Y2hpc286czNjcmV0"},
		{Config{BearerTokenFile: secret}, "Bearer s3cret"},
		{Config{}, ""},
	} {
		tt.cfg.URLs = []string{am.URL}
		c, err := New(tt.cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Send(context.Background(), []chiso.Alert{alert("a", "DB")}, now); err != nil {
			t.Fatal(err)
		}
		am.mu.Lock()
		got := am.auth[len(am.auth)-1]
		am.mu.Unlock()
		if got != tt.want {
			t.Errorf("Authorization %q, want %q", got, tt.want)
		}
	}
	if _, err := New(Config{URLs: []string{am.URL}, BearerTokenFile: filepath.Join(dir, "missing")}); err == nil || !strings.Contains(err.Error(), "bearer_token_file") {
		t.Errorf("missing token file: err %v", err)
	}
}

// closedURL is the URL of a port nothing listens on.
func closedURL(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return "http://" + l.Addr().String()
}

func TestSendOutcomes(t *testing.T) {
	down := closedURL(t)
	tests := []struct {
		name      string
		statuses  []int // 0 means an unreachable Alertmanager
		ok        bool
		permanent bool
	}{
		{"one accepts", []int{200}, true, false},
		{"one of two accepts", []int{500, 200}, true, false},
		{"one down, one accepts", []int{0, 200}, true, false},
		{"server errors", []int{500, 503}, false, false},
		{"too many requests", []int{429}, false, false},
		{"bad requests", []int{400, 422}, false, true},
		{"bad request and server error", []int{400, 500}, false, false},
		{"down", []int{0}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var urls []string
			for _, s := range tt.statuses {
				if s == 0 {
					urls = append(urls, down)
				} else {
					urls = append(urls, newFakeAM(t, s).URL)
				}
			}
			c, err := New(Config{URLs: urls})
			if err != nil {
				t.Fatal(err)
			}
			err = c.Send(context.Background(), []chiso.Alert{alert("a", "DB")}, now)
			if (err == nil) != tt.ok || alerts.IsPermanent(err) != tt.permanent {
				t.Errorf("err %v: want ok %v, permanent %v", err, tt.ok, tt.permanent)
			}
		})
	}
}

func TestSendTimeout(t *testing.T) {
	am := newFakeAM(t, http.StatusOK)
	am.delay = 5 * time.Second
	c, err := New(Config{URLs: []string{am.URL}, Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = c.Send(context.Background(), []chiso.Alert{alert("a", "DB")}, now)
	if err == nil || alerts.IsPermanent(err) || time.Since(start) > 2*time.Second {
		t.Errorf("slow Alertmanager: err %v after %s, want a retryable error after about 200ms", err, time.Since(start))
	}
}

func TestResendKeepsFiringAlerts(t *testing.T) {
	am := newFakeAM(t, http.StatusOK)
	c, err := New(Config{URLs: []string{am.URL}, ResendDelay: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := c.Send(ctx, []chiso.Alert{alert("a", "DB"), alert("b", "VP")}, now); err != nil {
		t.Fatal(err)
	}
	later := now.Add(30 * time.Second)
	if err := c.Resend(ctx, later); err != nil {
		t.Fatal(err)
	}
	if err := c.Send(ctx, []chiso.Alert{resolved(alert("a", "DB"), later)}, later); err != nil {
		t.Fatal(err)
	}
	if err := c.Resend(ctx, later.Add(30*time.Second)); err != nil {
		t.Fatal(err)
	}
	posts := am.Posts()
	if len(posts) != 4 || len(posts[1]) != 2 || len(posts[3]) != 1 || posts[3][0].Labels["area"] != "VP" {
		t.Fatalf("posts %+v: want the re-send of both, then of the one still firing", posts)
	}
	if want := later.Add(30 * time.Second).Add(2 * time.Minute); !posts[3][0].EndsAt.Equal(want) {
		t.Errorf("re-sent endsAt %s, want %s", posts[3][0].EndsAt, want)
	}
}

func TestRunResends(t *testing.T) {
	am := newFakeAM(t, http.StatusOK)
	c, err := New(Config{URLs: []string{am.URL}, ResendDelay: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- c.Run(ctx) }()
	if err := c.Send(ctx, []chiso.Alert{alert("a", "DB")}, now); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(am.Posts()) < 3 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
	if n := len(am.Posts()); n < 3 {
		t.Errorf("%d posts, want the send and at least two re-sends", n)
	}
}

func TestNotify(t *testing.T) {
	am := newFakeAM(t, http.StatusOK)
	clock := now.Add(time.Hour) // a retry an hour after queueing
	c, err := New(Config{URLs: []string{am.URL}}, WithClock(func() time.Time { return clock }))
	if err != nil {
		t.Fatal(err)
	}
	a := alert("a", "DB")
	digest := &alerts.Notification{ID: 1, Reason: alerting.ReasonDigest, CreatedAt: now,
		Digest: &alerts.Digest{Fired: []chiso.Alert{a}, StillFiring: []chiso.Alert{a, alert("b", "VP")}, Acknowledged: []chiso.Alert{alert("c", "PT")}}}
	test := &alerts.Notification{ID: 2, Receiver: "am", Reason: alerting.ReasonTest, CreatedAt: now}
	for _, n := range []*alerts.Notification{digest, test} {
		if err := c.Notify(context.Background(), n); err != nil {
			t.Fatal(err)
		}
	}
	posts := am.Posts()
	if len(posts) != 2 || len(posts[0]) != 2 {
		t.Fatalf("posts %+v: want the digest's two alerts once each, then the test alert", posts)
	}
	if !posts[0][0].EndsAt.Equal(clock.Add(4 * time.Minute)) {
		t.Errorf("endsAt %s: want the delivery time + 4m, not the queueing time", posts[0][0].EndsAt)
	}
	if ta := posts[1]; len(ta) != 1 || ta[0].Labels["alertname"] != "ChisoReceiverTest" || !ta[0].EndsAt.After(clock) {
		t.Errorf("test alert %+v", ta)
	}
}

func TestLabels(t *testing.T) {
	got := Labels(map[string]string{"alertname": "X", "tỉnh": "PT", "9lives": "y", "a-b": "z", "empty": "", "ok_1": "v"})
	want := map[string]string{"alertname": "X", "t_nh": "PT", "_lives": "y", "a_b": "z", "ok_1": "v"}
	if len(got) != len(want) {
		t.Errorf("got %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("label %s = %q, want %q (all: %v)", k, got[k], v, got)
		}
	}
}

func TestValidate(t *testing.T) {
	if errs := (Config{URLs: []string{"http://127.0.0.1:9093"}}).Validate(); len(errs) != 0 {
		t.Errorf("good config: %v", errs)
	}
	errs := Config{URLs: []string{"127.0.0.1:9093", "ftp://x"}, Timeout: -1, ResendDelay: -1,
		BasicAuth: &BasicAuth{Username: "u"}, BearerTokenFile: "t"}.Validate()
	want := []string{`urls[0]: bad URL "127.0.0.1:9093"`, `urls[1]: bad URL "ftp://x"`, "timeout: negative", "resend_delay: negative",
		"basic_auth: needs both", "both set"}
	if len(errs) != len(want) {
		t.Fatalf("got %v, want %d problems", errs, len(want))
	}
	for i, w := range want {
		if !strings.Contains(errs[i].Error(), w) {
			t.Errorf("problem %d %q, want %q", i, errs[i], w)
		}
	}
	if errs := (Config{}).Validate(); len(errs) != 1 || !strings.Contains(errs[0].Error(), "urls: none") {
		t.Errorf("empty config: %v", errs)
	}
}

// TestMutedAlertsAreSentResolvedAndNotResent: an alert acknowledged or
// silenced in chiso after it was sent firing is sent resolved at the time
// it was found muted, and Resend no longer keeps it active.
func TestMutedAlertsAreSentResolvedAndNotResent(t *testing.T) {
	am := newFakeAM(t, http.StatusOK)
	c, err := New(Config{URLs: []string{am.URL}}, WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a, b := alert("a", "DB"), alert("b", "VP")
	mutedAt := now.Add(-time.Minute)
	for _, n := range []*alerts.Notification{
		{ID: 1, Reason: alerting.ReasonFiring, Alerts: []chiso.Alert{a, b}, CreatedAt: now},
		{ID: 2, Reason: alerting.ReasonMuted, Muted: []chiso.Alert{a}, CreatedAt: mutedAt},
	} {
		if err := c.Notify(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Resend(ctx, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	posts := am.Posts()
	if len(posts) != 3 || len(posts[1]) != 1 || len(posts[2]) != 1 {
		t.Fatalf("posts %+v: want the firing two, the muted one, then a re-send of the other", posts)
	}
	if got := posts[1][0]; got.Labels["area"] != "DB" || !got.EndsAt.Equal(mutedAt) {
		t.Errorf("muted alert posted as %+v, want DB ending at %s", got, mutedAt)
	}
	if got := posts[2][0]; got.Labels["area"] != "VP" {
		t.Errorf("re-sent %+v, want only VP", got)
	}
}

// TestTestNotificationEndsAfterOneResendDelay: the manager's test alert
// is firing; Alertmanager must see it end one resend delay after it was
// sent, and the client must not re-send it (it never resolved before).
func TestTestNotificationEndsAfterOneResendDelay(t *testing.T) {
	am := newFakeAM(t, http.StatusOK)
	c, err := New(Config{URLs: []string{am.URL}, ResendDelay: 30 * time.Second}, WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	test := alert("t", "test")
	test.ActiveAt, test.FiredAt = now.Add(-time.Second), now.Add(-time.Second)
	if err := c.Notify(ctx, &alerts.Notification{ID: 7, Reason: alerting.ReasonTest, Alerts: []chiso.Alert{test}, CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if err := c.Resend(ctx, now.Add(30*time.Second)); err != nil {
		t.Fatal(err)
	}
	posts := am.Posts()
	if len(posts) != 1 || len(posts[0]) != 1 {
		t.Fatalf("posts %+v: want the test alert once, never re-sent", posts)
	}
	if got := posts[0][0].EndsAt; !got.Equal(now.Add(30 * time.Second)) {
		t.Errorf("test alert ends at %s, want one resend delay after it was sent (%s)", got, now.Add(30*time.Second))
	}
}
