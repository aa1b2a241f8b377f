package amclient

import (
	"testing"
	"time"

	"github.com/goccy/go-yaml"
)

// TestConfigYAML decodes a receiver as the daemon's configuration does:
// goccy/go-yaml, strictly.
func TestConfigYAML(t *testing.T) {
	src := `
urls: [http://127.0.0.1:9093, http://127.0.0.1:9094]
timeout: 3s
resend_delay: 2m
basic_auth:
  username: chiso
  password_file: /etc/chiso/am-password
`
	var c Config
	if err := yaml.UnmarshalWithOptions([]byte(src), &c, yaml.Strict()); err != nil {
		t.Fatal(err)
	}
	if len(c.URLs) != 2 || c.Timeout != 3*time.Second || c.ResendDelay != 2*time.Minute || c.BasicAuth == nil || c.BasicAuth.Username != "chiso" {
		t.Errorf("decoded %+v", c)
	}
	if errs := c.Validate(); len(errs) != 0 {
		t.Errorf("valid file: %v", errs)
	}
	if err := yaml.UnmarshalWithOptions([]byte("urls: [http://x]\nbearer_token: inline\n"), &c, yaml.Strict()); err == nil {
		t.Errorf("an inline token was accepted")
	}
}
