package email

import (
	"fmt"
	"net"
	"net/mail"
	"strconv"
	"time"
)

// The defaults of Config, documented in the README's alerting section.
const (
	DefaultTLS     = TLSStartTLS
	DefaultLang    = "vi"
	DefaultTimeout = 30 * time.Second
)

// The TLS modes of Config.TLS.
const (
	TLSStartTLS = "starttls" // plain connection upgraded with STARTTLS, which is required
	TLSImplicit = "implicit" // TLS from the first byte (SMTPS, usually port 465)
	TLSNone     = "none"     // no TLS at all: only for a smarthost on the loopback
)

// Config is one e-mail receiver: how to reach the smarthost, who the mail
// is from and to, and which templates render it. Secrets are never written
// inline: the password comes from a file or an environment variable.
type Config struct {
	// Smarthost is the SMTP server as host:port, e.g. mail.example.vn:587.
	Smarthost string `yaml:"smarthost" json:"smarthost"`
	// TLS is starttls, implicit or none; empty means starttls.
	TLS string `yaml:"tls" json:"tls"`
	// CAFile is a PEM file of the authorities the server's certificate is
	// checked against; empty means the system's.
	CAFile string `yaml:"ca_file" json:"ca_file"`
	// Username for SMTP AUTH; empty means no authentication.
	Username string `yaml:"username" json:"username"`
	// PasswordFile holds the password (surrounding space trimmed).
	PasswordFile string `yaml:"password_file" json:"password_file"`
	// PasswordEnv names the environment variable holding the password.
	PasswordEnv string `yaml:"password_env" json:"password_env"`
	// From is the sender, e.g. "chiso <chiso@sokhcn.phutho.gov.vn>".
	From string `yaml:"from" json:"from"`
	// To are the recipients used when a notification names none.
	To []string `yaml:"to" json:"to"`
	// Subject, HTML and Text are template files overriding the shipped
	// ones; empty means the shipped template in Lang.
	Subject string `yaml:"subject" json:"subject"`
	HTML    string `yaml:"html" json:"html"`
	Text    string `yaml:"text" json:"text"`
	// Lang is the language of the shipped templates: vi or en; empty
	// means vi.
	Lang string `yaml:"lang" json:"lang"`
	// Timeout bounds the connection and every SMTP command; zero means
	// DefaultTimeout.
	Timeout time.Duration `yaml:"timeout" json:"timeout"`
	// Hello is the name sent with EHLO; empty means the host's name.
	Hello string `yaml:"hello" json:"hello"`
}

// withDefaults returns c with empty fields set to their defaults.
func (c Config) withDefaults() Config {
	if c.TLS == "" {
		c.TLS = DefaultTLS
	}
	if c.Lang == "" {
		c.Lang = DefaultLang
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	return c
}

// Validate lists every problem of the configuration, each naming its key
// and the bad value. It reads no file.
func (c Config) Validate() []error {
	c = c.withDefaults()
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	host, err := splitHostPort(c.Smarthost)
	if err != nil {
		bad("smarthost: %v", err)
	}
	switch c.TLS {
	case TLSStartTLS, TLSImplicit:
	case TLSNone:
		if err == nil && !isLoopback(host) {
			bad("tls: none is allowed only for a smarthost on the loopback, not %q (use starttls or implicit)", c.Smarthost)
		}
		if c.Username != "" {
			bad("tls: none with username %q: credentials are never sent without TLS", c.Username)
		}
	default:
		bad("tls: unknown mode %q (want starttls, implicit or none)", c.TLS)
	}
	errs = append(errs, c.validateAuth()...)
	errs = append(errs, c.validateAddresses()...)
	if c.Lang != "vi" && c.Lang != "en" {
		bad("lang: unknown language %q (want vi or en)", c.Lang)
	}
	if c.Timeout < 0 {
		bad("timeout: negative duration %s", c.Timeout)
	}
	return errs
}

// validateAuth checks that a password, if any, comes from one place and
// goes with a username.
func (c Config) validateAuth() []error {
	var errs []error
	if c.PasswordFile != "" && c.PasswordEnv != "" {
		errs = append(errs, fmt.Errorf("password_file and password_env: both set (%q, %q); choose one", c.PasswordFile, c.PasswordEnv))
	}
	hasPassword := c.PasswordFile != "" || c.PasswordEnv != ""
	if c.Username == "" && hasPassword {
		errs = append(errs, fmt.Errorf("username: empty, but a password is configured"))
	}
	if c.Username != "" && !hasPassword {
		errs = append(errs, fmt.Errorf("password_file or password_env: missing for username %q", c.Username))
	}
	return errs
}

// validateAddresses checks the sender and the static recipients.
func (c Config) validateAddresses() []error {
	var errs []error
	if c.From == "" {
		errs = append(errs, fmt.Errorf("from: missing (e.g. \"chiso <chiso@example.vn>\")"))
	} else if _, err := mail.ParseAddress(c.From); err != nil {
		errs = append(errs, fmt.Errorf("from: bad address %q: %v", c.From, err))
	}
	for i, to := range c.To {
		if _, err := mail.ParseAddress(to); err != nil {
			errs = append(errs, fmt.Errorf("to[%d]: bad address %q: %v", i, to, err))
		}
	}
	return errs
}

// splitHostPort reads host:port with a numeric port.
func splitHostPort(s string) (string, error) {
	if s == "" {
		return "", fmt.Errorf("missing (want host:port, e.g. mail.example.vn:587)")
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return "", fmt.Errorf("bad address %q (want host:port, e.g. mail.example.vn:587)", s)
	}
	if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 || host == "" {
		return "", fmt.Errorf("bad address %q (want host:port with a port in 1–65535)", s)
	}
	return host, nil
}

// isLoopback reports whether host is localhost or a loopback address.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
