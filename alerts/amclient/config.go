package amclient

import (
	"fmt"
	"net/url"
	"time"
)

// The defaults of Config, documented in the README's alerting section.
const (
	// DefaultResendDelay is how often firing alerts are re-sent, as
	// Prometheus's --rules.alert.resend-delay.
	DefaultResendDelay = time.Minute
	// DefaultTimeout bounds one POST to one Alertmanager.
	DefaultTimeout = 10 * time.Second
)

// Config is a set of Alertmanagers that receive chiso's alerts.
type Config struct {
	// URLs are the Alertmanagers' base URLs, e.g. http://127.0.0.1:9093;
	// alerts are posted to <url>/api/v2/alerts.
	URLs []string `yaml:"urls" json:"urls"`
	// Timeout bounds one POST; zero means DefaultTimeout.
	Timeout time.Duration `yaml:"timeout" json:"timeout"`
	// BasicAuth authenticates with a username and a password read from a
	// file; nil means none.
	BasicAuth *BasicAuth `yaml:"basic_auth" json:"basic_auth"`
	// BearerTokenFile holds a bearer token (surrounding space trimmed);
	// empty means none.
	BearerTokenFile string `yaml:"bearer_token_file" json:"bearer_token_file"`
	// ResendDelay is how often firing alerts are re-sent; each carries an
	// end time 4×ResendDelay ahead, so Alertmanager resolves an alert chiso
	// stopped sending. Zero means DefaultResendDelay.
	ResendDelay time.Duration `yaml:"resend_delay" json:"resend_delay"`
}

// BasicAuth is HTTP basic authentication with the password in a file.
type BasicAuth struct {
	Username     string `yaml:"username" json:"username"`
	PasswordFile string `yaml:"password_file" json:"password_file"`
}

// withDefaults returns c with zero durations set to their defaults.
func (c Config) withDefaults() Config {
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.ResendDelay == 0 {
		c.ResendDelay = DefaultResendDelay
	}
	return c
}

// Validate lists every problem of the configuration, each naming its key
// and the bad value. It reads no file.
func (c Config) Validate() []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if len(c.URLs) == 0 {
		bad("urls: none (want at least one Alertmanager, e.g. http://127.0.0.1:9093)")
	}
	for i, u := range c.URLs {
		if err := checkURL(u); err != nil {
			bad("urls[%d]: %v", i, err)
		}
	}
	if c.Timeout < 0 {
		bad("timeout: negative duration %s", c.Timeout)
	}
	if c.ResendDelay < 0 {
		bad("resend_delay: negative duration %s", c.ResendDelay)
	}
	if c.BasicAuth != nil && (c.BasicAuth.Username == "" || c.BasicAuth.PasswordFile == "") {
		bad("basic_auth: needs both username and password_file")
	}
	if c.BasicAuth != nil && c.BearerTokenFile != "" {
		bad("basic_auth and bearer_token_file: both set; choose one")
	}
	return errs
}

// checkURL accepts an absolute http or https URL.
func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("bad URL %q: %v", s, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("bad URL %q (want http:// or https:// and a host)", s)
	}
	return nil
}
