package webhook

import (
	"context"
	"encoding/json"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/alerting"
	"github.com/chiso-vn/chiso/alerts"
)

var queued = time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)

// amWebhook mirrors Alertmanager's webhook payload (notify/webhook,
// version 4).
type amWebhook struct {
	Version           string            `json:"version"`
	GroupKey          string            `json:"groupKey"`
	TruncatedAlerts   uint64            `json:"truncatedAlerts"`
	Status            string            `json:"status"`
	Receiver          string            `json:"receiver"`
	GroupLabels       map[string]string `json:"groupLabels"`
	CommonLabels      map[string]string `json:"commonLabels"`
	CommonAnnotations map[string]string `json:"commonAnnotations"`
	ExternalURL       string            `json:"externalURL"`
	Alerts            []struct {
		Status       string            `json:"status"`
		Labels       map[string]string `json:"labels"`
		Annotations  map[string]string `json:"annotations"`
		StartsAt     time.Time         `json:"startsAt"`
		EndsAt       time.Time         `json:"endsAt"`
		GeneratorURL string            `json:"generatorURL"`
		Fingerprint  string            `json:"fingerprint"`
	} `json:"alerts"`
}

// request is what the test receiver got.
type request struct {
	Header http.Header
	Body   []byte
}

// receiver is an httptest webhook answering with a fixed status.
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	status int
	delay  time.Duration
	got    []request
}

func newReceiver(t *testing.T, status int) *receiver {
	r := &receiver{status: status}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, request{req.Header.Clone(), b})
		status, delay := r.status, r.delay
		r.mu.Unlock()
		select {
		case <-time.After(delay):
		case <-req.Context().Done():
			return
		}
		if status == http.StatusMovedPermanently {
			http.Redirect(w, req, "/elsewhere", status)
			return
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) Requests() []request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]request(nil), r.got...)
}

func alert(fp, area string, state chiso.AlertState) chiso.Alert {
	a := chiso.Alert{Fingerprint: fp, State: state, FiredAt: queued.Add(-time.Hour),
		Labels:      map[string]string{"alertname": "FibreBelowTarget", "area": area, "severity": "warning"},
		Annotations: map[string]string{"summary": "Chưa đạt mục tiêu", "description": "Khu vực " + area},
		Finding: chiso.Finding{Rule: "FibreBelowTarget", Indicator: "village_fibre_coverage", Area: area,
			Value: 83.7, Expected: math.NaN(), Message: "83,7% < 100%"}}
	if state == chiso.Resolved {
		a.ResolvedAt = queued.Add(-time.Minute)
	}
	return a
}

func notification() *alerts.Notification {
	return &alerts.Notification{ID: 42, Receiver: "ops", GroupKey: `{}:{alertname="FibreBelowTarget"}`, Reason: alerting.ReasonFiring,
		GroupLabels: map[string]string{"alertname": "FibreBelowTarget"},
		Alerts:      []chiso.Alert{alert("r1", "VP", chiso.Resolved), alert("f1", "DB", chiso.Firing)},
		ExternalURL: "https://chiso.example.vn", CreatedAt: queued}
}

func newNotifier(t *testing.T, cfg Config) *Notifier {
	t.Helper()
	w, err := New(cfg, WithClock(func() time.Time { return queued.Add(time.Minute) }))
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestPayloadShape(t *testing.T) {
	r := newReceiver(t, http.StatusOK)
	if err := newNotifier(t, Config{URL: r.URL}).Notify(context.Background(), notification()); err != nil {
		t.Fatal(err)
	}
	got := r.Requests()
	if len(got) != 1 {
		t.Fatalf("%d requests, want 1", len(got))
	}
	var m amWebhook
	if err := json.Unmarshal(got[0].Body, &m); err != nil {
		t.Fatal(err)
	}
	if m.Version != "4" || m.Status != "firing" || m.Receiver != "ops" || m.GroupKey != notification().GroupKey ||
		m.ExternalURL != "https://chiso.example.vn" || m.TruncatedAlerts != 0 || m.GroupLabels["alertname"] != "FibreBelowTarget" {
		t.Errorf("envelope %+v", m)
	}
	if len(m.CommonLabels) != 2 || m.CommonLabels["severity"] != "warning" || m.CommonLabels["alertname"] != "FibreBelowTarget" {
		t.Errorf("commonLabels %v: want the two shared labels", m.CommonLabels)
	}
	if len(m.CommonAnnotations) != 1 || m.CommonAnnotations["summary"] != "Chưa đạt mục tiêu" {
		t.Errorf("commonAnnotations %v", m.CommonAnnotations)
	}
	if len(m.Alerts) != 2 {
		t.Fatalf("alerts %+v", m.Alerts)
	}
	f, res := m.Alerts[0], m.Alerts[1]
	if f.Status != "firing" || f.Labels["area"] != "DB" || !f.EndsAt.IsZero() || !f.StartsAt.Equal(queued.Add(-time.Hour)) || f.Fingerprint != "f1" ||
		f.GeneratorURL != "https://chiso.example.vn/api/v1/findings?area=DB&indicator=village_fibre_coverage&rule=FibreBelowTarget" {
		t.Errorf("firing alert (want it first) %+v", f)
	}
	if res.Status != "resolved" || !res.EndsAt.Equal(queued.Add(-time.Minute)) || res.Fingerprint != "r1" {
		t.Errorf("resolved alert %+v", res)
	}
	checkKeys(t, got[0].Body)
}

// checkKeys checks the top-level keys: Alertmanager's and chiso's two.
func checkKeys(t *testing.T, body []byte) {
	t.Helper()
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	want := "alerts commonAnnotations commonLabels externalURL groupKey groupLabels notificationID reason receiver status truncatedAlerts version"
	if strings.Join(keys, " ") != want {
		t.Errorf("keys %v, want %s", keys, want)
	}
	if !strings.Contains(string(raw["reason"]), "firing") || string(raw["notificationID"]) != "42" {
		t.Errorf("reason %s notificationID %s", raw["reason"], raw["notificationID"])
	}
	var alertsRaw []map[string]json.RawMessage
	_ = json.Unmarshal(raw["alerts"], &alertsRaw)
	if fnd := string(alertsRaw[0]["finding"]); !strings.Contains(fnd, `"value":83.7`) || !strings.Contains(fnd, `"expected":null`) {
		t.Errorf("finding %s", fnd)
	}
}

func TestSignature(t *testing.T) {
	dir := t.TempDir()
	secretFile := filepath.Join(dir, "secret")
	if err := os.WriteFile(secretFile, []byte("bí-mật\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := newReceiver(t, http.StatusOK)
	w := newNotifier(t, Config{URL: r.URL, HMACSecretFile: secretFile})
	if err := w.Notify(context.Background(), notification()); err != nil {
		t.Fatal(err)
	}
	req := r.Requests()[0]
	ts, sig := req.Header.Get(TimestampHeader), req.Header.Get(SignatureHeader)
	if ts != "1772413260" {
		t.Errorf("timestamp %q, want the clock's Unix seconds", ts)
	}
	secret := []byte("bí-mật")
	if !Verify(secret, ts, req.Body, sig) {
		t.Fatalf("signature %q does not verify", sig)
	}
	tampered := append([]byte(nil), req.Body...)
	tampered[len(tampered)-2] ^= 1
	for name, ok := range map[string]bool{
		"tampered body":    Verify(secret, ts, tampered, sig),
		"other timestamp":  Verify(secret, "1772413261", req.Body, sig),
		"other secret":     Verify([]byte("khác"), ts, req.Body, sig),
		"no prefix":        Verify(secret, ts, req.Body, strings.TrimPrefix(sig, "sha256=")),
		"not hex":          Verify(secret, ts, req.Body, "sha256=zz"),
		"truncated digest": Verify(secret, ts, req.Body, sig[:len(sig)-2]),
	} {
		if ok {
			t.Errorf("%s verifies", name)
		}
	}
	unsigned := newReceiver(t, http.StatusOK)
	_ = newNotifier(t, Config{URL: unsigned.URL}).Notify(context.Background(), notification())
	if h := unsigned.Requests()[0].Header; h.Get(SignatureHeader) != "" || h.Get(TimestampHeader) != "" {
		t.Errorf("unsigned receiver got signature headers %v", h)
	}
}

func TestHeaders(t *testing.T) {
	r := newReceiver(t, http.StatusOK)
	w := newNotifier(t, Config{URL: r.URL, Headers: map[string]string{"X-Team": "sở-khcn"}})
	other := notification()
	other.ID = 43
	for _, n := range []*alerts.Notification{notification(), notification(), other} {
		if err := w.Notify(context.Background(), n); err != nil {
			t.Fatal(err)
		}
	}
	got := r.Requests()
	keys := []string{got[0].Header.Get("Idempotency-Key"), got[1].Header.Get("Idempotency-Key"), got[2].Header.Get("Idempotency-Key")}
	if keys[0] != "chiso-42-1772413200" || keys[0] != keys[1] || keys[0] == keys[2] {
		t.Errorf("Idempotency-Keys %q: want the re-send equal and another notification different", keys)
	}
	h := got[0].Header
	if h.Get("X-Team") != "sở-khcn" || h.Get("Content-Type") != "application/json" || h.Get("X-Chiso-Reason") != "firing" || h.Get("X-Chiso-Notification-Id") != "42" {
		t.Errorf("headers %v", h)
	}
}

func TestOutcomes(t *testing.T) {
	tests := []struct {
		status    int
		ok        bool
		permanent bool
	}{
		{200, true, false},
		{204, true, false},
		{500, false, false},
		{503, false, false},
		{429, false, false},
		{408, false, false},
		{400, false, true},
		{401, false, true},
		{404, false, true},
		{301, false, true}, // a POST is not followed to another place
	}
	for _, tt := range tests {
		r := newReceiver(t, tt.status)
		err := newNotifier(t, Config{URL: r.URL}).Notify(context.Background(), notification())
		if (err == nil) != tt.ok || alerts.IsPermanent(err) != tt.permanent {
			t.Errorf("status %d: err %v, want ok %v permanent %v", tt.status, err, tt.ok, tt.permanent)
		}
		if n := len(r.Requests()); n != 1 {
			t.Errorf("status %d: %d requests, want 1", tt.status, n)
		}
	}
}

func TestNetworkFailuresAreRetryable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "http://" + l.Addr().String() + "/hook?token=s3cret"
	l.Close()
	err = newNotifier(t, Config{URL: down}).Notify(context.Background(), notification())
	if err == nil || alerts.IsPermanent(err) || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("connection refused: err %v, want retryable and without the token", err)
	}
	slow := newReceiver(t, http.StatusOK)
	slow.delay = 5 * time.Second
	start := time.Now()
	err = newNotifier(t, Config{URL: slow.URL, Timeout: 200 * time.Millisecond}).Notify(context.Background(), notification())
	if err == nil || alerts.IsPermanent(err) || time.Since(start) > 2*time.Second {
		t.Errorf("slow receiver: err %v after %s, want retryable after about 200ms", err, time.Since(start))
	}
}

func TestMaxAlerts(t *testing.T) {
	n := notification()
	n.Alerts = append(n.Alerts, alert("f2", "PT", chiso.Firing), alert("r2", "PY", chiso.Resolved))
	m := NewMessage(n, 2)
	if m.TruncatedAlerts != 2 || len(m.Alerts) != 2 || m.Alerts[0].Fingerprint != "f1" || m.Alerts[1].Fingerprint != "f2" {
		t.Errorf("truncated %d, alerts %+v: want the two firing kept and two counted", m.TruncatedAlerts, m.Alerts)
	}
	n.Alerts = []chiso.Alert{alert("r1", "VP", chiso.Resolved)}
	if m := NewMessage(n, 0); m.Status != "resolved" || m.TruncatedAlerts != 0 {
		t.Errorf("all resolved: status %q", m.Status)
	}
	if m := NewMessage(&alerts.Notification{Reason: alerting.ReasonTest}, 0); m.Alerts == nil || m.GroupLabels == nil || m.CommonLabels == nil {
		t.Errorf("empty notification: nil lists or maps %+v", m)
	}
}

func TestDigestPayload(t *testing.T) {
	a, b, c := alert("a", "DB", chiso.Firing), alert("b", "VP", chiso.Firing), alert("c", "PT", chiso.Resolved)
	n := &alerts.Notification{ID: 9, Reason: alerting.ReasonDigest, CreatedAt: queued,
		Digest: &alerts.Digest{From: queued.AddDate(0, 0, -7), To: queued, Fired: []chiso.Alert{a}, StillFiring: []chiso.Alert{a, b},
			Resolved: []chiso.Alert{c}, Acknowledged: []chiso.Alert{b}}}
	m := NewMessage(n, 0)
	var fps []string
	for _, x := range m.Alerts {
		fps = append(fps, x.Fingerprint)
	}
	if strings.Join(fps, ",") != "a,b,c" {
		t.Errorf("alerts %v, want each once, firing first", fps)
	}
	d := m.Digest
	if d == nil || strings.Join(d.StillFiring, ",") != "a,b" || strings.Join(d.Resolved, ",") != "c" || strings.Join(d.Acknowledged, ",") != "b" || !d.To.Equal(queued) {
		t.Errorf("digest %+v", d)
	}
}

func TestNewReadsFiles(t *testing.T) {
	dir := t.TempDir()
	urlFile := filepath.Join(dir, "url")
	if err := os.WriteFile(urlFile, []byte(" https://hooks.example.vn/x?token=abc \n"), 0o600); err != nil {
		t.Fatal(err)
	}
	w, err := New(Config{URLFile: urlFile})
	if err != nil || w.url != "https://hooks.example.vn/x?token=abc" {
		t.Fatalf("url %q, err %v", w.url, err)
	}
	if err := os.WriteFile(urlFile, []byte("hooks.example.vn/x?token=abc"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Config{URLFile: urlFile}); err == nil || strings.Contains(err.Error(), "token=abc") {
		t.Errorf("bad url file: err %v, want an error without the URL", err)
	}
	if _, err := New(Config{URL: "http://x", HMACSecretEnv: "CHISO_TEST_UNSET_VARIABLE"}); err == nil || !strings.Contains(err.Error(), "CHISO_TEST_UNSET_VARIABLE") {
		t.Errorf("unset secret variable: err %v", err)
	}
	t.Setenv("CHISO_TEST_WEBHOOK_SECRET", "k")
	if w, err := New(Config{URL: "http://x", HMACSecretEnv: "CHISO_TEST_WEBHOOK_SECRET"}); err != nil || string(w.secret) != "k" {
		t.Errorf("secret from env: %v", err)
	}
}

func TestValidate(t *testing.T) {
	if errs := (Config{URL: "https://hooks.example.vn/chiso", Headers: map[string]string{"Authorization": "Bearer x"}}).Validate(); len(errs) != 0 {
		t.Errorf("good config: %v", errs)
	}
	tests := []struct {
		name string
		cfg  Config
		want []string
	}{
		{"empty", Config{}, []string{"url or url_file: missing"}},
		{"both urls", Config{URL: "http://a", URLFile: "f"}, []string{"both set"}},
		{"bad url", Config{URL: "hooks.example.vn"}, []string{`url: bad URL "hooks.example.vn"`}},
		{"everything", Config{URL: "http://a", HMACSecretFile: "f", HMACSecretEnv: "E", Timeout: -1, MaxAlerts: -1,
			Headers: map[string]string{"Bad Name": "v", "Content-Type": "text/plain", "X-Chiso-Signature": "x", "X-Ok": "a\r\nInjected: 1"}},
			[]string{"hmac_secret_file and hmac_secret_env", "timeout: negative", "max_alerts: negative",
				`bad header name "Bad Name"`, "Content-Type is set by chiso", "X-Chiso-Signature is set by chiso", `X-Ok: bad value`}},
	}
	for _, tt := range tests {
		errs := tt.cfg.Validate()
		if len(errs) != len(tt.want) {
			t.Errorf("%s: got %v, want %d problems", tt.name, errs, len(tt.want))
			continue
		}
		for i, w := range tt.want {
			if !strings.Contains(errs[i].Error(), w) {
				t.Errorf("%s: problem %d %q, want %q", tt.name, i, errs[i], w)
			}
		}
	}
}

// FuzzVerify checks that a signature verifies for its own message only.
func FuzzVerify(f *testing.F) {
	f.Add([]byte("secret"), "1772413260", []byte(`{"version":"4"}`), "sha256=00")
	f.Fuzz(func(t *testing.T, secret []byte, ts string, body []byte, sig string) {
		good := Sign(secret, ts, body)
		if !Verify(secret, ts, body, good) {
			t.Fatalf("own signature does not verify")
		}
		if sig != good && Verify(secret, ts, body, sig) && !strings.EqualFold(sig, good) {
			t.Errorf("signature %q verifies, want only %q", sig, good)
		}
		if Verify(secret, ts+"0", body, good) {
			t.Errorf("signature verifies for another timestamp")
		}
	})
}
