package webhook

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"golang.org/x/net/http/httpguts"
)

// DefaultTimeout bounds one POST when Config.Timeout is zero.
const DefaultTimeout = 10 * time.Second

// Config is one webhook receiver.
type Config struct {
	// URL receives the POST; use URLFile instead when the URL holds a
	// token.
	URL string `yaml:"url" json:"url"`
	// URLFile holds the URL (surrounding space trimmed).
	URLFile string `yaml:"url_file" json:"url_file"`
	// HMACSecretFile holds the signing secret (surrounding space trimmed);
	// with neither it nor HMACSecretEnv, requests are not signed.
	HMACSecretFile string `yaml:"hmac_secret_file" json:"hmac_secret_file"`
	// HMACSecretEnv names the environment variable holding the secret.
	HMACSecretEnv string `yaml:"hmac_secret_env" json:"hmac_secret_env"`
	// Timeout bounds one POST; zero means DefaultTimeout.
	Timeout time.Duration `yaml:"timeout" json:"timeout"`
	// MaxAlerts caps the alerts in one payload (firing ones kept first);
	// the rest are counted in truncatedAlerts. Zero means no cap.
	MaxAlerts int `yaml:"max_alerts" json:"max_alerts"`
	// Headers are added to every request; they may not replace the ones
	// chiso sets (Content-Type, Idempotency-Key, X-Chiso-*).
	Headers map[string]string `yaml:"headers" json:"headers"`
}

// reserved are the headers chiso sets itself.
var reserved = []string{"Content-Type", "Content-Length", "Host", "Idempotency-Key"}

// Validate lists every problem of the configuration, each naming its key
// and the bad value. It reads no file.
func (c Config) Validate() []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	switch {
	case c.URL == "" && c.URLFile == "":
		bad("url or url_file: missing")
	case c.URL != "" && c.URLFile != "":
		bad("url and url_file: both set; choose one")
	case c.URL != "":
		if err := checkURL(c.URL); err != nil {
			bad("url: %v", err)
		}
	}
	if c.HMACSecretFile != "" && c.HMACSecretEnv != "" {
		bad("hmac_secret_file and hmac_secret_env: both set; choose one")
	}
	if c.Timeout < 0 {
		bad("timeout: negative duration %s", c.Timeout)
	}
	if c.MaxAlerts < 0 {
		bad("max_alerts: negative number %d", c.MaxAlerts)
	}
	errs = append(errs, validateHeaders(c.Headers)...)
	return errs
}

// validateHeaders checks names and values and refuses reserved names.
func validateHeaders(h map[string]string) []error {
	var errs []error
	names := make([]string, 0, len(h))
	for name := range h {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		v := h[name]
		canon := http.CanonicalHeaderKey(name)
		switch {
		case !httpguts.ValidHeaderFieldName(name):
			errs = append(errs, fmt.Errorf("headers: bad header name %q", name))
		case !httpguts.ValidHeaderFieldValue(v):
			errs = append(errs, fmt.Errorf("headers: %s: bad value %q (no line breaks or control characters)", name, v))
		case strings.HasPrefix(canon, "X-Chiso-") || contains(reserved, canon):
			errs = append(errs, fmt.Errorf("headers: %s is set by chiso and cannot be configured", name))
		}
	}
	return errs
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// checkURL accepts an absolute http or https URL.
func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("bad URL: %v", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("bad URL %q (want http:// or https:// and a host)", s)
	}
	return nil
}
