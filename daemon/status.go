package daemon

import (
	"fmt"
	"net/url"
	"runtime"
	"strings"

	"github.com/goccy/go-yaml"

	"github.com/chiso-vn/chiso/config"
	"github.com/chiso-vn/chiso/server"
)

// mask is what a secret shows as in /api/v1/status/config.
const mask = "<secret>"

// buildInfo is what /api/v1/status/buildinfo answers.
func (d *Daemon) buildInfo() server.BuildInfo {
	return server.BuildInfo{Version: d.opts.Version, Revision: d.opts.Revision, BuildDate: d.opts.BuildDate,
		GoVersion: runtime.Version()}
}

// configYAML returns the running configuration as YAML for
// /api/v1/status/config, defaults filled in, with every secret masked:
// tokens are never in it (only where they are read from), and of the
// alerting section, webhook URLs, header values and passwords given inline
// are masked, and user information in URLs is removed; a PostgreSQL
// database URL's password is replaced by xxxxx.
func (d *Daemon) configYAML() ([]byte, error) {
	return redactedConfig(d.cfg.Load())
}

func redactedConfig(cfg *config.Config) ([]byte, error) {
	b, err := yaml.Marshal(cfg)
	if err != nil {
		return nil, fmt.Errorf("marshal configuration: %w", err)
	}
	var out yaml.MapSlice
	if err := yaml.UnmarshalWithOptions(b, &out, yaml.UseOrderedMap()); err != nil {
		return nil, fmt.Errorf("marshal configuration: %w", err)
	}
	var alerting any
	if err := cfg.Alerting.Decode(&alerting); err != nil {
		return nil, err
	}
	for i := range out {
		switch out[i].Key {
		case "alerting":
			out[i].Value = redact("alerting", alerting)
		case "database": // a PostgreSQL URL may carry its password
			out[i].Value = DatabaseName(cfg.Database)
		}
	}
	return yaml.Marshal(out)
}

// redact masks the secrets of a decoded YAML value found under key.
func redact(key string, v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, val := range x {
			out[k] = redact(k, val)
		}
		if key == "headers" {
			for k := range out {
				out[k] = mask
			}
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, val := range x {
			out[i] = redact(key, val)
		}
		return out
	case string:
		return redactString(key, x)
	}
	return v
}

func redactString(key, s string) string {
	k := strings.ToLower(key)
	switch {
	case k == "url": // a webhook URL carries its own credential (Slack, Teams)
		return mask
	case strings.HasSuffix(k, "_file") || strings.HasSuffix(k, "_env"):
		return s // where a secret is read from, not the secret
	case strings.Contains(k, "password") || strings.Contains(k, "secret") || strings.Contains(k, "token"):
		return mask
	case strings.Contains(k, "url"):
		if u, err := url.Parse(s); err == nil && u.User != nil {
			u.User = nil
			return u.String()
		}
	}
	return s
}
