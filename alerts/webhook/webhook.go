// Package webhook delivers chiso's notifications as JSON POSTs compatible
// with Alertmanager's webhook payload (version 4), plus the notification's
// reason and id, optionally signed with HMAC-SHA256.
package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/chiso-vn/chiso/alerts"
	"github.com/chiso-vn/chiso/alerts/amclient"
)

// Notifier posts notifications to one webhook. It is safe for concurrent
// use.
type Notifier struct {
	cfg    Config
	url    string
	secret []byte // nil: unsigned
	http   *http.Client
	now    func() time.Time
}

var _ alerts.Notifier = (*Notifier)(nil)

// Option changes a Notifier.
type Option func(*Notifier)

// WithHTTPClient uses h for requests. The default follows no redirect: a
// POST must not turn into a GET elsewhere.
func WithHTTPClient(h *http.Client) Option { return func(n *Notifier) { n.http = h } }

// WithClock sets the clock read for the signature's timestamp; the
// default is time.Now.
func WithClock(now func() time.Time) Option { return func(n *Notifier) { n.now = now } }

// New checks cfg and reads the URL file and the secret. It sends nothing.
func New(cfg Config, opts ...Option) (*Notifier, error) {
	if errs := cfg.Validate(); len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	w := &Notifier{cfg: cfg, url: cfg.URL, now: time.Now, http: &http.Client{
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	for _, o := range opts {
		o(w)
	}
	var err error
	if cfg.URLFile != "" {
		if w.url, err = readURL(cfg.URLFile); err != nil {
			return nil, err
		}
	}
	if w.secret, err = readSecret(cfg); err != nil {
		return nil, err
	}
	return w, nil
}

// Notify posts n. The Idempotency-Key header is the same on every re-send
// of n, so the receiver can drop duplicates; X-Chiso-Attempt numbers the
// sends, and only one above 1 can be a duplicate. A 2xx answer is success; 408,
// 429, 5xx, time-outs and connection errors can be retried; any other
// answer fails permanently (alerts.Permanent).
func (w *Notifier) Notify(ctx context.Context, n *alerts.Notification) error {
	body, err := json.Marshal(NewMessage(n, w.cfg.MaxAlerts))
	if err != nil {
		return alerts.Permanent(fmt.Errorf("webhook notification %d: encode: %w", n.ID, err))
	}
	ctx, cancel := context.WithTimeout(ctx, w.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(body))
	if err != nil {
		return alerts.Permanent(fmt.Errorf("webhook notification %d: %w", n.ID, err))
	}
	w.setHeaders(req, n, body)
	resp, err := w.http.Do(req)
	if err != nil {
		return fmt.Errorf("webhook notification %d: %w", n.ID, redact(err))
	}
	defer resp.Body.Close()
	if err := amclient.CheckResponse(w.redactedURL(), resp); err != nil {
		return fmt.Errorf("webhook notification %d: %w", n.ID, err)
	}
	return nil
}

// setHeaders sets the configured headers, then chiso's own.
func (w *Notifier) setHeaders(req *http.Request, n *alerts.Notification, body []byte) {
	for k, v := range w.cfg.Headers {
		req.Header.Set(k, v)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "chiso")
	req.Header.Set("Idempotency-Key", IdempotencyKey(n))
	req.Header.Set("X-Chiso-Notification-Id", strconv.FormatInt(n.ID, 10))
	req.Header.Set("X-Chiso-Reason", string(n.Reason))
	if n.Attempt > 0 {
		req.Header.Set("X-Chiso-Attempt", strconv.Itoa(n.Attempt)) // above 1: maybe a duplicate
	}
	if w.secret != nil {
		ts := strconv.FormatInt(w.now().Unix(), 10)
		req.Header.Set(TimestampHeader, ts)
		req.Header.Set(SignatureHeader, Sign(w.secret, ts, body))
	}
}

// IdempotencyKey identifies a notification across re-sends: its outbox id
// and the Unix second it was queued (so that ids reused by a new database
// do not collide).
func IdempotencyKey(n *alerts.Notification) string {
	return fmt.Sprintf("chiso-%d-%d", n.ID, n.CreatedAt.Unix())
}

// redactedURL is the URL without its query and user info, which may hold
// tokens, for errors and logs.
func (w *Notifier) redactedURL() string {
	u, err := url.Parse(w.url)
	if err != nil {
		return "webhook"
	}
	u.User, u.RawQuery = nil, ""
	return u.String()
}

// redact strips the URL from a client error (a *url.Error names it).
func redact(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}

// readURL reads and checks the URL file.
func readURL(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("url_file: %w", err)
	}
	u := strings.TrimSpace(string(b))
	if err := checkURL(u); err != nil {
		return "", fmt.Errorf("url_file %s: the URL is not an absolute http(s) URL", path)
	}
	return u, nil
}

// readSecret reads the signing secret; nil means unsigned.
func readSecret(cfg Config) ([]byte, error) {
	switch {
	case cfg.HMACSecretFile != "":
		b, err := os.ReadFile(cfg.HMACSecretFile)
		if err != nil {
			return nil, fmt.Errorf("hmac_secret_file: %w", err)
		}
		if s := strings.TrimSpace(string(b)); s != "" {
			return []byte(s), nil
		}
		return nil, fmt.Errorf("hmac_secret_file %s: empty", cfg.HMACSecretFile)
	case cfg.HMACSecretEnv != "":
		if v := os.Getenv(cfg.HMACSecretEnv); v != "" {
			return []byte(v), nil
		}
		return nil, fmt.Errorf("hmac_secret_env: variable %s is not set", cfg.HMACSecretEnv)
	}
	return nil, nil
}
