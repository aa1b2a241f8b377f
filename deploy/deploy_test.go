// Package deploy_test checks what ops teams install from deploy/: the
// Prometheus alerting rules for chiso itself with promtool, every alert
// against its unit tests, and the systemd unit with systemd-analyze.
package deploy_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/chiso-vn/chiso/config"
)

// tool finds an outside program; without it the test is skipped, except
// in CI (CI=true), where it fails.
func tool(t *testing.T, name, pkg string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s not found: apt-get install %s", name, pkg)
	}
	t.Skipf("%s not found: apt-get install %s", name, pkg)
	return ""
}

const (
	rulesFile = "prometheus/chiso-alerts.yml"
)

var ruleTests = []string{"prometheus/chiso-alerts.test.yml", "prometheus/chiso-alerts-long.test.yml"}

func TestAlertRulesPassPromtool(t *testing.T) {
	promtool := tool(t, "promtool", "prometheus")
	run := func(args ...string) {
		cmd := exec.Command(promtool, args...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		t.Logf("promtool %s:\n%s", strings.Join(args, " "), out)
	}
	run("check", "rules", rulesFile)
	run(append([]string{"test", "rules"}, ruleTests...)...)
}

type ruleFile struct {
	Groups []struct {
		Rules []struct {
			Alert string `yaml:"alert"`
			Expr  string `yaml:"expr"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

type testFile struct {
	RuleFiles []string `yaml:"rule_files"`
	Tests     []struct {
		Name  string `yaml:"name"`
		Cases []struct {
			Alertname string `yaml:"alertname"`
			ExpAlerts []any  `yaml:"exp_alerts"`
		} `yaml:"alert_rule_test"`
	} `yaml:"tests"`
}

func readYAML(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// TestEveryAlertIsTested requires, for every alert of the rules file, a
// unit test case where it fires and one where it must not.
func TestEveryAlertIsTested(t *testing.T) {
	var rf ruleFile
	readYAML(t, rulesFile, &rf)
	fires, quiet := map[string]int{}, map[string]int{}
	for _, path := range ruleTests {
		var tf testFile
		readYAML(t, path, &tf)
		if !slices.Contains(tf.RuleFiles, filepath.Base(rulesFile)) {
			t.Errorf("%s does not load %s", path, filepath.Base(rulesFile))
		}
		for _, tc := range tf.Tests {
			for _, c := range tc.Cases {
				if len(c.ExpAlerts) > 0 {
					fires[c.Alertname]++
				} else {
					quiet[c.Alertname]++
				}
			}
		}
	}
	n := 0
	for _, g := range rf.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" {
				continue
			}
			n++
			if fires[r.Alert] == 0 {
				t.Errorf("alert %s has no unit test where it fires", r.Alert)
			}
			if quiet[r.Alert] == 0 {
				t.Errorf("alert %s has no unit test where it must not fire", r.Alert)
			}
			delete(fires, r.Alert)
			delete(quiet, r.Alert)
		}
	}
	for name := range fires {
		t.Errorf("unit tests name alert %s, which the rules file lacks", name)
	}
	for name := range quiet {
		t.Errorf("unit tests name alert %s, which the rules file lacks", name)
	}
	if n < 7 {
		t.Errorf("only %d alerts in %s", n, rulesFile)
	}
}

// TestSystemdUnitVerifies runs systemd-analyze verify on the unit, with
// ExecStart pointing at a freshly built chiso (verify checks that the
// program exists), and treats any warning as a failure. It also checks that
// chiso accepts the unit's command line and loads the example
// configuration.
func TestSystemdUnitVerifies(t *testing.T) {
	analyze := tool(t, "systemd-analyze", "systemd")
	unit, err := os.ReadFile("systemd/chiso.service")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "chiso")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/chiso").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	const installed = "/usr/local/bin/chiso"
	if !strings.Contains(string(unit), "ExecStart="+installed+" ") {
		t.Fatalf("the unit's ExecStart does not run %s", installed)
	}
	copyUnit := filepath.Join(dir, "chiso.service")
	if err := os.WriteFile(copyUnit, []byte(strings.ReplaceAll(string(unit), installed, bin)), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", copyUnit).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "" {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
	for _, want := range []string{"DynamicUser=yes", "ProtectSystem=strict", "ReadWritePaths=/var/lib/chiso", "NoNewPrivileges=yes"} {
		if !strings.Contains(string(unit), "\n"+want+"\n") {
			t.Errorf("the unit lacks %s", want)
		}
	}
	// the command line of ExecStart, with -h: chiso parses every flag
	// before it, so an unknown or mistyped one exits 2
	var args []string
	for line := range strings.SplitSeq(string(unit), "\n") {
		if rest, ok := strings.CutPrefix(line, "ExecStart="+installed+" "); ok {
			args = strings.Fields(rest)
		}
	}
	if out, err := exec.Command(bin, append(args, "-h")...).CombinedOutput(); err != nil {
		t.Errorf("chiso %s -h: %v\n%s", strings.Join(args, " "), err, out)
	}
	cfg, err := config.Load("systemd/chiso.yaml")
	if err != nil {
		t.Fatalf("the example configuration: %v", err)
	}
	if cfg.Path(cfg.Database) != "/var/lib/chiso/chiso.db" {
		t.Errorf("the example configuration keeps the database at %s, outside the unit's ReadWritePaths", cfg.Path(cfg.Database))
	}
}
