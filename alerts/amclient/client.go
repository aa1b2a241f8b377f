// Package amclient sends chiso's alerts to Prometheus Alertmanagers with
// POST /api/v2/alerts, as Prometheus does: firing alerts carry an end time
// a few resend delays ahead and are re-sent before it passes; resolved ones
// carry the time they resolved.
package amclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/alerting"
	"github.com/chiso-vn/chiso/alerts"
)

// Client posts alerts to every configured Alertmanager. It remembers the
// firing alerts it was last given so that Run can re-send them. It is safe
// for concurrent use.
type Client struct {
	cfg   Config
	http  *http.Client
	auth  string // the Authorization header; empty for none
	ext   string // the daemon's external URL, for generatorURL
	now   func() time.Time
	log   *slog.Logger
	mu    sync.Mutex
	alive map[string]chiso.Alert // firing alerts by fingerprint
}

var _ alerts.Notifier = (*Client)(nil)

// Option changes a Client.
type Option func(*Client)

// WithHTTPClient uses h for requests. The default follows no redirect (a
// POST must not turn into a GET elsewhere) and has no timeout of its own:
// Config.Timeout bounds each POST.
func WithHTTPClient(h *http.Client) Option { return func(c *Client) { c.http = h } }

// WithExternalURL sets the daemon's URL used in generatorURL when a
// notification carries none.
func WithExternalURL(u string) Option { return func(c *Client) { c.ext = u } }

// WithClock sets the clock Notify and Run read; the default is time.Now.
func WithClock(now func() time.Time) Option { return func(c *Client) { c.now = now } }

// WithLogger sets where Run reports failed re-sends; the default discards.
func WithLogger(l *slog.Logger) Option { return func(c *Client) { c.log = l } }

// New checks cfg and reads the credentials. It sends nothing.
func New(cfg Config, opts ...Option) (*Client, error) {
	if errs := cfg.Validate(); len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	noRedirect := func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c := &Client{cfg: cfg.withDefaults(), http: &http.Client{CheckRedirect: noRedirect}, now: time.Now,
		log: slog.New(slog.DiscardHandler), alive: map[string]chiso.Alert{}}
	for _, o := range opts {
		o(c)
	}
	var err error
	if c.auth, err = authHeader(cfg); err != nil {
		return nil, err
	}
	return c, nil
}

// ResendDelay is how often Run re-sends firing alerts.
func (c *Client) ResendDelay() time.Duration { return c.cfg.ResendDelay }

// Send posts the alerts to every Alertmanager as of now: firing ones end
// at now+4×ResendDelay, resolved ones at their ResolvedAt; pending ones are
// not sent. It succeeds if at least one Alertmanager accepted them. The
// error is permanent (alerts.Permanent) only if every Alertmanager refused
// with a permanent 4xx.
func (c *Client) Send(ctx context.Context, as []chiso.Alert, now time.Time) error {
	return c.send(ctx, as, now, c.ext)
}

// Notify sends the notification's alerts (a digest's too) at the current
// time, so a delayed retry still gives firing alerts a future end. Alerts
// muted since the last notification (acknowledged, silenced, inhibited)
// are sent resolved at the time they were found muted and are no longer
// re-sent. A test notification's alerts end one resend delay after they
// are sent and are not re-sent, so Alertmanager resolves them by itself;
// a test notification without alerts sends one info alert named
// ChisoReceiverTest.
func (c *Client) Notify(ctx context.Context, n *alerts.Notification) error {
	now := c.now()
	as := append(notificationAlerts(n, now, c.cfg.ResendDelay), mutedAlerts(n)...)
	ext := n.ExternalURL
	if ext == "" {
		ext = c.ext
	}
	if err := c.send(ctx, as, now, ext); err != nil {
		return fmt.Errorf("alertmanager notification %d: %w", n.ID, err)
	}
	return nil
}

// Run re-sends the remembered firing alerts every ResendDelay until ctx
// ends, so that Alertmanager keeps them firing however rarely rules are
// evaluated. Failures are logged and tried again at the next tick.
func (c *Client) Run(ctx context.Context) error {
	t := time.NewTicker(c.cfg.ResendDelay)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			if err := c.Resend(ctx, c.now()); err != nil {
				c.log.Warn("re-send alerts to alertmanager", "receiver", "alertmanager", "err", err)
			}
		}
	}
}

// Resend posts every remembered firing alert as of now.
func (c *Client) Resend(ctx context.Context, now time.Time) error {
	c.mu.Lock()
	as := make([]chiso.Alert, 0, len(c.alive))
	for _, a := range c.alive {
		as = append(as, a)
	}
	ext := c.ext
	c.mu.Unlock()
	return c.post(ctx, c.postables(as, now, ext))
}

// send remembers the alerts' states and posts them.
func (c *Client) send(ctx context.Context, as []chiso.Alert, now time.Time, ext string) error {
	c.remember(as, ext)
	return c.post(ctx, c.postables(as, now, ext))
}

// remember keeps firing alerts for Resend and forgets resolved ones.
func (c *Client) remember(as []chiso.Alert, ext string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ext != "" {
		c.ext = ext
	}
	for _, a := range as {
		switch a.State {
		case chiso.Firing:
			c.alive[a.Fingerprint] = a
		case chiso.Resolved:
			delete(c.alive, a.Fingerprint)
		}
	}
}

// postables converts the alerts that Alertmanager should see.
func (c *Client) postables(as []chiso.Alert, now time.Time, ext string) []PostableAlert {
	out := make([]PostableAlert, 0, len(as))
	for _, a := range as {
		if a.State == chiso.Pending {
			continue
		}
		out = append(out, Postable(a, now, 4*c.cfg.ResendDelay, ext))
	}
	return out
}

// post sends the alerts to every Alertmanager at once.
func (c *Client) post(ctx context.Context, ps []PostableAlert) error {
	if len(ps) == 0 {
		return nil
	}
	body, err := json.Marshal(ps)
	if err != nil {
		return alerts.Permanent(fmt.Errorf("encode alerts: %w", err))
	}
	errs := make([]error, len(c.cfg.URLs))
	var wg sync.WaitGroup
	for i, u := range c.cfg.URLs {
		wg.Go(func() { errs[i] = c.postOne(ctx, u, body) })
	}
	wg.Wait()
	return combine(errs)
}

// postOne posts the body to one Alertmanager.
func (c *Client) postOne(ctx context.Context, base string, body []byte) error {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	u := strings.TrimRight(base, "/") + "/api/v2/alerts"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return alerts.Permanent(fmt.Errorf("post %s: %w", u, err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "chiso")
	if c.auth != "" {
		req.Header.Set("Authorization", c.auth)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("post %s: %w", u, err)
	}
	defer resp.Body.Close()
	return CheckResponse(u, resp)
}

// combine succeeds if any Alertmanager accepted; the error is permanent
// only if every failure was.
func combine(errs []error) error {
	e := &sendErrors{all: errs}
	for _, err := range errs {
		if err == nil {
			return nil
		}
		if !alerts.IsPermanent(err) {
			e.retryable = append(e.retryable, err)
		}
	}
	if len(e.retryable) == 0 {
		return alerts.Permanent(errors.Join(errs...))
	}
	return e
}

// sendErrors are the failures of a post to several Alertmanagers, some of
// which can be retried: it prints every failure but unwraps only to the
// retryable ones, so that alerts.IsPermanent does not see the others.
type sendErrors struct{ all, retryable []error }

func (e *sendErrors) Error() string   { return errors.Join(e.all...).Error() }
func (e *sendErrors) Unwrap() []error { return e.retryable }

// notificationAlerts are the alerts a notification carries, a digest's
// included, each once; or a test alert for a test without alerts.
func notificationAlerts(n *alerts.Notification, now time.Time, resend time.Duration) []chiso.Alert {
	as := append([]chiso.Alert(nil), n.Alerts...)
	if d := n.Digest; d != nil {
		for _, list := range [][]chiso.Alert{d.Fired, d.StillFiring, d.Resolved} {
			as = append(as, list...)
		}
	}
	seen := map[string]bool{}
	out := as[:0]
	for _, a := range as {
		if a.Fingerprint == "" || !seen[a.Fingerprint] {
			seen[a.Fingerprint] = true
			out = append(out, a)
		}
	}
	if n.Reason != alerting.ReasonTest {
		return out
	}
	for i := range out {
		out[i] = endsAfter(out[i], now, resend)
	}
	if len(out) == 0 {
		out = append(out, testAlert(n, now, resend))
	}
	return out
}

// endsAfter makes a test alert one that Alertmanager shows from now until
// now+resend: resolved at that time, so the client does not re-send it.
func endsAfter(a chiso.Alert, now time.Time, resend time.Duration) chiso.Alert {
	if a.FiredAt.IsZero() {
		a.FiredAt = now
	}
	a.State, a.ResolvedAt, a.KeepFiringSince = chiso.Resolved, now.Add(resend), time.Time{}
	return a
}

// mutedAlerts returns the notification's muted alerts resolved at the time
// the notification was made, when they were found muted.
func mutedAlerts(n *alerts.Notification) []chiso.Alert {
	out := make([]chiso.Alert, 0, len(n.Muted))
	for _, a := range n.Muted {
		a.State, a.ResolvedAt = chiso.Resolved, n.CreatedAt
		out = append(out, a)
	}
	return out
}

// testAlert is what a test notification without alerts sends: resolved
// one resend delay after it starts, so that it clears by itself.
func testAlert(n *alerts.Notification, now time.Time, resend time.Duration) chiso.Alert {
	return chiso.Alert{Fingerprint: fmt.Sprintf("test-%d", n.ID), State: chiso.Resolved,
		FiredAt: now, ResolvedAt: now.Add(resend),
		Labels: map[string]string{"alertname": "ChisoReceiverTest", "severity": "info", "receiver": n.Receiver},
		Annotations: map[string]string{"summary": "Thông báo thử nghiệm của chiso (test notification)",
			"description": "Sent by chiso alerts test-receiver; it resolves by itself."}}
}

// authHeader reads the configured credentials into an Authorization value.
func authHeader(cfg Config) (string, error) {
	switch {
	case cfg.BasicAuth != nil:
		b, err := os.ReadFile(cfg.BasicAuth.PasswordFile)
		if err != nil {
			return "", fmt.Errorf("basic_auth password_file: %w", err)
		}
		req := &http.Request{Header: http.Header{}}
		req.SetBasicAuth(cfg.BasicAuth.Username, strings.TrimSpace(string(b)))
		return req.Header.Get("Authorization"), nil
	case cfg.BearerTokenFile != "":
		b, err := os.ReadFile(cfg.BearerTokenFile)
		if err != nil {
			return "", fmt.Errorf("bearer_token_file: %w", err)
		}
		return "Bearer " + strings.TrimSpace(string(b)), nil
	}
	return "", nil
}
