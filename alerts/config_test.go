package alerts_test

import (
	"testing"

	"github.com/chiso-vn/chiso/alerts"
	"github.com/chiso-vn/chiso/config"
)

// TestSectionOfTheDaemonConfiguration decodes the alerting section the way
// the daemon does, through config.Section, and hands an integration block
// on undecoded, positions and all.
func TestSectionOfTheDaemonConfiguration(t *testing.T) {
	src := `
alerting:
  route:
    receiver: heads
    group_by: [area]
  receivers:
    - name: heads
      to_from_label: area
      email:
        smarthost: 127.0.0.1:2525
        from: chiso@example.vn
  departments:
    PT: {name: Phú Thọ, head: head.pt@example.vn}
`
	cfg, err := config.Parse("chiso.yaml", []byte(src), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var c alerts.Config
	if err := cfg.Alerting.Decode(&c); err != nil {
		t.Fatal(err)
	}
	if errs := c.Validate(); len(errs) > 0 {
		t.Fatal(errs)
	}
	r := c.Receivers[0]
	if got := r.Integrations(); len(got) != 1 || got[0] != alerts.IntegrationEmail {
		t.Fatalf("integrations %v", got)
	}
	var email struct {
		Smarthost string `yaml:"smarthost"`
		From      string `yaml:"from"`
	}
	if err := r.Email.Decode(&email); err != nil || email.Smarthost != "127.0.0.1:2525" {
		t.Fatalf("email block %+v, %v", email, err)
	}
	var strict struct {
		Smarthost string `yaml:"smarthost"`
	}
	if err := r.Email.Decode(&strict); err == nil {
		t.Error("an unknown key of the block was accepted")
	}
	if tk := r.Email.Node.GetToken(); tk == nil || tk.Position.Line != 10 {
		t.Errorf("block position %+v, want line 10", tk)
	}
}
