package email

import (
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"
)

// TestConfigYAML decodes a receiver as the daemon's configuration does:
// goccy/go-yaml, strictly.
func TestConfigYAML(t *testing.T) {
	src := `
smarthost: mail.sokhcn.dienbien.gov.vn:587
tls: starttls
username: chiso
password_file: /etc/chiso/smtp-password
from: "chiso <chiso@sokhcn.dienbien.gov.vn>"
to: [giamdoc@sokhcn.dienbien.gov.vn]
lang: en
timeout: 45s
hello: chiso.dienbien.gov.vn
text: /etc/chiso/mail.txt.tmpl
`
	var c Config
	if err := yaml.UnmarshalWithOptions([]byte(src), &c, yaml.Strict()); err != nil {
		t.Fatal(err)
	}
	if c.Timeout != 45*time.Second || c.PasswordFile != "/etc/chiso/smtp-password" || len(c.To) != 1 || c.Lang != "en" || c.Text == "" {
		t.Errorf("decoded %+v", c)
	}
	if errs := c.Validate(); len(errs) != 0 {
		t.Errorf("valid file: %v", errs)
	}
	err := yaml.UnmarshalWithOptions([]byte("smarthost: x:1\npassword: inline\n"), &c, yaml.Strict())
	if err == nil || !strings.Contains(err.Error(), "password") {
		t.Errorf("an inline password: err %v, want the unknown key refused", err)
	}
}
