// Package email delivers chiso's notifications by e-mail: one multipart
// message (HTML and plain text, UTF-8) per notification, rendered from
// shipped Vietnamese or English templates that operators may override, and
// sent through a smarthost with STARTTLS or implicit TLS.
package email

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	netmail "net/mail"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/alerts"
	"github.com/chiso-vn/chiso/internal/bounded"
	"github.com/wneessen/go-mail"
)

// vietnam is the zone times are shown in by default: Vietnam keeps UTC+7
// all year, so a fixed zone needs no time zone database.
var vietnam = time.FixedZone("ICT", 7*3600)

// Notifier sends notifications to one e-mail receiver. It is safe for
// concurrent use: each Notify opens its own connection.
type Notifier struct {
	cfg      Config
	tmpl     *templates
	build    builder
	errors   *bounded.Errors
	log      *slog.Logger
	warned   sync.Map // template kinds whose cut was logged: once per kind and receiver
	host     string
	port     int
	password string
	tls      *tls.Config
	sender   string // the envelope sender: From's address
}

var _ alerts.Notifier = (*Notifier)(nil)

// Option changes how a Notifier or Render presents alerts, or what a
// Notifier reports to.
type Option func(*settings)

// settings are what the options set.
type settings struct {
	build  builder
	errors *bounded.Errors
	log    *slog.Logger
}

// WithCatalogue looks indicators and areas up in cat, for their names and
// units; without it messages show codes and bare numbers.
func WithCatalogue(cat *chiso.Catalogue) Option { return func(s *settings) { s.build.cat = cat } }

// WithLocation shows times in loc; the default is Vietnam's time (UTC+7).
func WithLocation(loc *time.Location) Option { return func(s *settings) { s.build.loc = loc } }

// WithTemplateErrors counts the parts of messages cut at a bound of
// TemplateLimits; by default they are not counted.
func WithTemplateErrors(e *bounded.Errors) Option { return func(s *settings) { s.errors = e } }

// WithLogger logs the first cut of each part of this receiver's messages;
// by default nothing is logged.
func WithLogger(l *slog.Logger) Option { return func(s *settings) { s.log = l } }

// New checks cfg, reads the password and the CA file, and parses the
// templates. It opens no connection.
func New(cfg Config, opts ...Option) (*Notifier, error) {
	if errs := cfg.Validate(); len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	cfg = cfg.withDefaults()
	st := newSettings(cfg, opts)
	e := &Notifier{cfg: cfg, build: st.build, errors: st.errors, log: st.log}
	from, _ := netmail.ParseAddress(cfg.From) // checked by Validate
	e.sender = from.Address
	host, port, _ := net.SplitHostPort(cfg.Smarthost)
	e.host = host
	e.port, _ = strconv.Atoi(port)
	// every file is read, and every problem reported at once
	var terr, perr, cerr error
	e.tmpl, terr = loadTemplates(cfg)
	e.password, perr = readPassword(cfg)
	e.tls, cerr = tlsConfig(cfg.CAFile, host)
	if err := errors.Join(terr, perr, cerr); err != nil {
		return nil, err
	}
	return e, nil
}

// newSettings applies the options over the defaults.
func newSettings(cfg Config, opts []Option) settings {
	s := settings{build: builder{lang: cfg.Lang, loc: vietnam}, log: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o(&s)
	}
	return s
}

// Render renders n as the receiver configured by cfg would send it:
// subject, plain text and HTML. It needs no SMTP server and no password.
// A part cut at a bound of TemplateLimits is returned cut, with an error
// saying so.
func Render(cfg Config, n *alerts.Notification, opts ...Option) (subject, text, html string, err error) {
	cfg = cfg.withDefaults()
	if cfg.Lang != "vi" && cfg.Lang != "en" {
		return "", "", "", fmt.Errorf("lang: unknown language %q (want vi or en)", cfg.Lang)
	}
	t, err := loadTemplates(cfg)
	if err != nil {
		return "", "", "", err
	}
	r, cut, err := t.render(newSettings(cfg, opts).build.data(n), TemplateLimits)
	if err != nil {
		return "", "", "", err
	}
	return r.subject, r.text, r.html, errors.Join(cut...)
}

// Notify sends n as one message to n.Recipients (To) and n.Cc (Cc), or to
// the configured To when it names none. A message the server refuses with a 5xx reply, or
// one that cannot be built, fails permanently (alerts.Permanent); a 4xx
// reply, a network error or a time-out can be retried. Recipients the
// server refuses do not stop the others: the message goes to those
// accepted, and the error, permanent so that nobody gets it twice, names
// the refused ones. A re-sent notification keeps its Message-ID, so a
// peer can drop the duplicate.
func (e *Notifier) Notify(ctx context.Context, n *alerts.Notification) error {
	msg, rcpts, err := e.message(n)
	if err != nil {
		return alerts.Permanent(fmt.Errorf("email notification %d: %w", n.ID, err))
	}
	timeout := e.cfg.Timeout
	if dl, ok := ctx.Deadline(); ok {
		if left := time.Until(dl); left < timeout {
			timeout = left
		}
	}
	if timeout <= 0 {
		return fmt.Errorf("email notification %d: %w", n.ID, context.DeadlineExceeded)
	}
	c, err := mail.NewClient(e.host, e.clientOptions(timeout)...)
	if err != nil {
		return alerts.Permanent(fmt.Errorf("email notification %d: smtp client: %w", n.ID, err))
	}
	if err := e.deliver(ctx, c, msg, rcpts, timeout); err != nil {
		return fmt.Errorf("email notification %d via %s: %w", n.ID, e.cfg.Smarthost, err)
	}
	return nil
}

// clientOptions configure go-mail's client. WithTimeout is always set:
// go-mail's context covers only the TCP connect, its timeout every command.
func (e *Notifier) clientOptions(timeout time.Duration) []mail.Option {
	opts := []mail.Option{mail.WithPort(e.port), mail.WithTimeout(timeout), mail.WithTLSConfig(e.tls)}
	switch e.cfg.TLS {
	case TLSImplicit:
		opts = append(opts, mail.WithSSL())
	case TLSNone:
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	default:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	}
	if e.cfg.Hello != "" {
		opts = append(opts, mail.WithHELO(e.cfg.Hello))
	}
	if e.cfg.Username != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover),
			mail.WithUsername(e.cfg.Username), mail.WithPassword(e.password))
	}
	return opts
}

// message builds the multipart message for n and returns it with the
// envelope recipients. A part cut at a bound is sent cut, with a note.
func (e *Notifier) message(n *alerts.Notification) (*mail.Msg, []string, error) {
	r, cut, err := e.tmpl.render(e.build.data(n), TemplateLimits)
	if err != nil {
		return nil, nil, err
	}
	e.cut(n, cut)
	subject, text, html := r.subject, r.text, r.html
	to := n.Recipients
	if len(to) == 0 {
		to = e.cfg.To
	}
	if len(to) == 0 {
		return nil, nil, errors.New("no recipients: the notification names none and the receiver has no to")
	}
	m := mail.NewMsg(mail.WithCharset(mail.CharsetUTF8), mail.WithEncoding(mail.EncodingQP))
	if err := m.From(e.cfg.From); err != nil {
		return nil, nil, fmt.Errorf("from %q: %w", e.cfg.From, err)
	}
	if err := m.To(to...); err != nil {
		return nil, nil, fmt.Errorf("to %q: %w", to, err)
	}
	if len(n.Cc) > 0 {
		if err := m.Cc(n.Cc...); err != nil {
			return nil, nil, fmt.Errorf("cc %q: %w", n.Cc, err)
		}
	}
	rcpts, err := m.GetRecipients()
	if err != nil {
		return nil, nil, fmt.Errorf("recipients: %w", err)
	}
	m.Subject(subject)
	e.identify(m, n)
	m.SetBodyString(mail.TypeTextPlain, text)
	m.AddAlternativeString(mail.TypeTextHTML, html)
	return m, rcpts, nil
}

// cut counts the parts of n cut at a bound, and logs the first cut of
// each kind of part.
func (e *Notifier) cut(n *alerts.Notification, cut []error) {
	for _, err := range cut {
		var c *cutError
		if !errors.As(err, &c) {
			continue
		}
		e.errors.Count(c.kind, c.err)
		if _, logged := e.warned.LoadOrStore(c.kind, true); !logged {
			e.log.Warn("e-mail template cut at a bound; the message is sent cut, with a note (logged once per receiver and part)",
				"receiver", n.Receiver, "notification", n.ID, "err", err)
		}
	}
}

// identify sets the headers that make a re-send recognisable: a
// Message-ID from the outbox id and queue time, References naming the
// group so that mail clients thread a group's messages, and the date the
// notification was queued.
func (e *Notifier) identify(m *mail.Msg, n *alerts.Notification) {
	domain := "chiso.invalid"
	if a, err := netmail.ParseAddress(e.cfg.From); err == nil {
		if _, d, ok := strings.Cut(a.Address, "@"); ok && d != "" {
			domain = d
		}
	}
	m.SetMessageIDWithValue(fmt.Sprintf("chiso.%d.%d@%s", n.ID, n.CreatedAt.Unix(), domain))
	sum := sha256.Sum256([]byte(n.Receiver + "\x00" + n.GroupKey))
	m.SetGenHeader(mail.HeaderReferences, fmt.Sprintf("<chiso.group.%s@%s>", hex.EncodeToString(sum[:12]), domain))
	if n.CreatedAt.IsZero() {
		m.SetDate()
	} else {
		m.SetDateWithValue(n.CreatedAt)
	}
	m.SetGenHeader("X-Chiso-Reason", string(n.Reason))
	m.SetGenHeader("X-Chiso-Receiver", n.Receiver)
	for _, h := range filterHeaders {
		if v := labelValues(n, h.key); v != "" {
			m.SetGenHeader(h.name, v)
		}
	}
	m.SetGenHeader("X-Chiso-Notification-Id", strconv.FormatInt(n.ID, 10))
	if n.Attempt > 0 {
		m.SetGenHeader("X-Chiso-Attempt", strconv.Itoa(n.Attempt)) // above 1: maybe a duplicate
	}
}

// filterHeaders are the headers that carry, for mail filters, what the
// body leaves out: the alerts' rule names, diagnoses, severities, areas,
// indicators and fingerprints.
var filterHeaders = []struct {
	name mail.Header
	key  string // the label; empty: the fingerprint
}{
	{"X-Chiso-Alertname", "alertname"},
	{"X-Chiso-Diagnosis", "diagnosis"},
	{"X-Chiso-Severity", "severity"},
	{"X-Chiso-Area", "area"},
	{"X-Chiso-Indicator", "indicator"},
	{"X-Chiso-Fingerprint", ""},
}

// maxHeaderValues bounds the values a filter header lists; "…" ends a
// longer list.
const maxHeaderValues = 20

// labelValues lists the distinct values of a label (the fingerprint when
// key is empty) over the notification's alerts, sorted and comma-separated.
func labelValues(n *alerts.Notification, key string) string {
	as := n.Alerts
	if g := n.Digest; g != nil {
		as = concat(g.Fired, g.StillFiring, g.Resolved, g.Acknowledged)
	}
	set := map[string]bool{}
	for _, a := range as {
		v := a.Fingerprint
		if key != "" {
			v = a.Labels[key]
		}
		if v = strings.Map(printable, v); v != "" {
			set[v] = true
		}
	}
	vs := make([]string, 0, len(set))
	for v := range set {
		vs = append(vs, v)
	}
	sort.Strings(vs)
	if len(vs) > maxHeaderValues {
		vs = append(vs[:maxHeaderValues], "…")
	}
	return strings.Join(vs, ", ")
}

// printable drops control characters, so that no label can add a header.
func printable(r rune) rune {
	if r < 0x20 || r == 0x7f {
		return -1
	}
	return r
}

// readPassword reads the password from the configured file or variable.
func readPassword(cfg Config) (string, error) {
	switch {
	case cfg.PasswordFile != "":
		b, err := os.ReadFile(cfg.PasswordFile)
		if err != nil {
			return "", fmt.Errorf("password_file: %w", err)
		}
		return strings.TrimSpace(string(b)), nil
	case cfg.PasswordEnv != "":
		v, ok := os.LookupEnv(cfg.PasswordEnv)
		if !ok || v == "" {
			return "", fmt.Errorf("password_env: variable %s is not set", cfg.PasswordEnv)
		}
		return v, nil
	}
	return "", nil
}

// tlsConfig trusts the system's authorities, or those in caFile.
func tlsConfig(caFile, host string) (*tls.Config, error) {
	c := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	if caFile == "" {
		return c, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("ca_file: %w", err)
	}
	c.RootCAs = x509.NewCertPool()
	if !c.RootCAs.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("ca_file %s: no PEM certificate found", caFile)
	}
	return c, nil
}
