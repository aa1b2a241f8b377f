package alerts_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/chiso-vn/chiso"

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

// TestExampleConfiguration keeps the documented example valid.
func TestExampleConfiguration(t *testing.T) {
	src, err := os.ReadFile("testdata/alerting.good.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var c alerts.Config
	if err := yaml.UnmarshalWithOptions(src, &c, yaml.Strict()); err != nil {
		t.Fatal(err)
	}
	if errs := c.Validate(); len(errs) > 0 {
		t.Fatal(errs)
	}
	if got := c.Receivers[2].Integrations(); len(got) != 1 || got[0] != alerts.IntegrationEmail {
		t.Errorf("integrations %v", got)
	}
}

func TestAlertGauges(t *testing.T) {
	reg := prometheus.NewRegistry()
	e := newEnv(t, baseConfig)
	m, err := alerts.New(alerts.Options{Store: e.db, Config: e.cfg, Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	e.m = m
	if err := m.Start(context.Background(), t0); err != nil {
		t.Fatal(err)
	}
	e.process(t0, finding("BelowTarget", "PT"), finding("Slow", "PT"), finding("Sticky", "HN"))
	fp := alerts.Fingerprint(alerts.IdentityLabels(finding("Sticky", "HN")))
	if _, err := m.Ack(context.Background(), fp, chiso.AckCorrect, "lan", "", t0); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		state string
		want  float64
	}{{"firing", 1}, {"pending", 1}, {"acknowledged", 1}, {"resolved", 0}} {
		got, err := gauge(reg, "chiso_alerts", map[string]string{"state": c.state, "severity": "warning"})
		if err != nil || got != c.want {
			t.Errorf("chiso_alerts{state=%q,severity=\"warning\"} = %v (%v), want %v", c.state, got, err, c.want)
		}
	}
}

// gauge reads one series of a gathered gauge.
func gauge(reg *prometheus.Registry, name string, labels map[string]string) (float64, error) {
	mfs, err := reg.Gather()
	if err != nil {
		return 0, err
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	series:
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if labels[lp.GetName()] != lp.GetValue() {
					continue series
				}
			}
			return m.GetGauge().GetValue(), nil
		}
	}
	return 0, fmt.Errorf("no series %s%v", name, labels)
}
