package daemon

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chiso-vn/chiso/config"
)

// TestConfigStatusMasksSecrets loads a configuration with a token, a
// webhook URL carrying its credential, headers and an Alertmanager URL with
// user information, and checks that /api/v1/status/config shows none of
// them while keeping the rest.
func TestConfigStatusMasksSecrets(t *testing.T) {
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	writeFile(t, tokenFile, "tok-very-secret\n")
	path := filepath.Join(dir, "chiso.yaml")
	writeFile(t, path, `listen: 127.0.0.1:9999
auth:
  tokens: [{name: ops, file: `+tokenFile+`}]
alerting:
  route: {receiver: ops}
  receivers:
    - name: ops
      webhook:
        url: https://hooks.example.vn/services/T000/B000/hook-very-secret
        headers: {Authorization: Bearer header-very-secret}
    - name: pager
      alertmanager:
        urls: [http://user:am-very-secret@127.0.0.1:9093]
`)
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := redactedConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	out := string(b)
	if strings.Contains(out, "very-secret") {
		t.Fatalf("a secret shows:\n%s", out)
	}
	for _, want := range []string{"listen: 127.0.0.1:9999", tokenFile, "url: <secret>", "Authorization: <secret>",
		"http://127.0.0.1:9093", "area_levels:"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q:\n%s", want, out)
		}
	}
}

func TestBadWebConfigNamesTheFile(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "web.yml")
	writeFile(t, bad, "tls_server_config:\n  cert_file: "+filepath.Join(dir, "missing.crt")+"\n  key_file: "+filepath.Join(dir, "missing.key")+"\n")
	for path, want := range map[string]string{
		bad:                            "--web.config.file " + bad,
		filepath.Join(dir, "nope.yml"): "--web.config.file: stat " + filepath.Join(dir, "nope.yml"),
		writeTemp(t, dir, "typo.yml", "tls_server_confg: {}\n"): "--web.config.file " + filepath.Join(dir, "typo.yml"),
	} {
		err := CheckWebConfig(path)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an error with %q", path, err, want)
		}
	}
	if err := CheckWebConfig(""); err != nil {
		t.Errorf("no file: %v", err)
	}
}

func writeTemp(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestConfigStatusMasksDatabasePassword: a PostgreSQL URL's password, in
// its user information or as a password parameter, does not show in
// /api/v1/status/config; the rest of the URL does.
func TestConfigStatusMasksDatabasePassword(t *testing.T) {
	for _, db := range []string{
		"postgres://chiso:pg-very-secret@db.example:5432/chiso?sslmode=require",
		"postgresql://db.example/chiso?user=chiso&password=pg-very-secret",
	} {
		cfg := &config.Config{Listen: "127.0.0.1:9999", Database: db}
		b, err := redactedConfig(cfg)
		if err != nil {
			t.Fatal(err)
		}
		out := string(b)
		if strings.Contains(out, "very-secret") {
			t.Errorf("the database password shows:\n%s", out)
		}
		if !strings.Contains(out, "db.example") {
			t.Errorf("the database host is missing:\n%s", out)
		}
	}
}

// TestReloadWarningMasksDatabasePassword: a changed database URL (a new
// password, say) is logged as taking effect at the next start, without
// either password.
func TestReloadWarningMasksDatabasePassword(t *testing.T) {
	cur := &config.Config{Database: "postgres://chiso:old-very-secret@db.example/chiso"}
	next := &config.Config{Database: "postgres://chiso:new-very-secret@db.example/chiso"}
	var logged []string
	keepRestartSettings(cur, next, func(msg string, args ...any) {
		logged = append(logged, fmt.Sprint(append([]any{msg}, args...)...))
	})
	if len(logged) == 0 {
		t.Fatal("the change of database is not logged")
	}
	for _, l := range logged {
		if strings.Contains(l, "very-secret") {
			t.Errorf("a password is logged: %s", l)
		}
	}
}
