package daemon

import (
	"fmt"
	"os"

	"github.com/goccy/go-yaml"
	"github.com/prometheus/exporter-toolkit/web"
)

// The listener follows Prometheus exporters: github.com/prometheus/exporter-toolkit
// reads the same --web.config.file as node_exporter or Prometheus itself
// (tls_server_config, basic_auth_users with bcrypt hashes,
// http_server_config), re-reads it on every new connection, and ops teams
// already know its format.

// CheckWebConfig reads a web configuration file as the listener will,
// certificates and keys included; the error names the file. An empty path
// is no file: plain HTTP.
func CheckWebConfig(path string) error {
	if path == "" {
		return nil
	}
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("--web.config.file: %w", err)
	}
	if err := web.Validate(path); err != nil {
		return fmt.Errorf("--web.config.file %s: %w", path, err)
	}
	return nil
}

// serveHTTP serves the HTTP server on the listener, with the web
// configuration's TLS and basic authentication when there is one.
func (d *Daemon) serveHTTP() error {
	path := d.opts.WebConfigFile
	if path == "" {
		return d.http.Serve(d.ln)
	}
	systemd := false
	addrs := []string{d.ln.Addr().String()}
	flags := &web.FlagConfig{WebConfigFile: &path, WebListenAddresses: &addrs, WebSystemdSocket: &systemd}
	return web.Serve(d.ln, d.http, flags, d.log)
}

// URL returns the base URL the daemon serves, https when the web
// configuration enables TLS.
func (d *Daemon) URL() string {
	if d.ln == nil {
		return ""
	}
	return d.scheme() + "://" + d.ln.Addr().String()
}

func (d *Daemon) scheme() string {
	if d.opts.WebConfigFile == "" {
		return "http"
	}
	b, err := os.ReadFile(d.opts.WebConfigFile)
	if err != nil {
		return "http"
	}
	var c struct {
		TLS map[string]any `yaml:"tls_server_config"`
	}
	if yaml.Unmarshal(b, &c) != nil {
		return "http"
	}
	for _, k := range []string{"cert", "cert_file"} {
		if s, _ := c.TLS[k].(string); s != "" {
			return "https"
		}
	}
	return "http"
}
