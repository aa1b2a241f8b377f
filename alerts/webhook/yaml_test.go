package webhook

import (
	"testing"
	"time"

	"github.com/goccy/go-yaml"
)

// TestConfigYAML decodes a receiver as the daemon's configuration does:
// goccy/go-yaml, strictly.
func TestConfigYAML(t *testing.T) {
	src := `
url_file: /etc/chiso/webhook-url
hmac_secret_env: CHISO_WEBHOOK_SECRET
timeout: 5s
max_alerts: 20
headers:
  X-Team: so-khcn
`
	var c Config
	if err := yaml.UnmarshalWithOptions([]byte(src), &c, yaml.Strict()); err != nil {
		t.Fatal(err)
	}
	if c.Timeout != 5*time.Second || c.MaxAlerts != 20 || c.Headers["X-Team"] != "so-khcn" || c.URLFile == "" || c.HMACSecretEnv == "" {
		t.Errorf("decoded %+v", c)
	}
	if errs := c.Validate(); len(errs) != 0 {
		t.Errorf("valid file: %v", errs)
	}
	if err := yaml.UnmarshalWithOptions([]byte("url: http://x\nhmac_secret: inline\n"), &c, yaml.Strict()); err == nil {
		t.Errorf("an inline secret was accepted")
	}
}
