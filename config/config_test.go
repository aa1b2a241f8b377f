package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chiso-vn/chiso"
)

func TestLoadBadFilesListEveryProblem(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.bad.yaml")
	if len(files) == 0 {
		t.Fatal("no bad files")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			_, err := Load(f)
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("Load(%s) = %v, want *Error", f, err)
			}
			want, rerr := os.ReadFile(strings.TrimSuffix(f, ".yaml") + ".txt")
			if rerr != nil {
				t.Fatal(rerr)
			}
			if got := err.Error(); strings.TrimSpace(got) != strings.TrimSpace(string(want)) {
				t.Errorf("errors differ\ngot:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

func TestLoadGoodFileReadsEveryKey(t *testing.T) {
	t.Setenv("CHISO_TEST_TOKEN", " env-token ")
	c, err := Load("testdata/full.good.yaml")
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct{ name, got, want string }{
		{"listen", c.Listen, "0.0.0.0:9000"},
		{"database", c.Path(c.Database), filepath.Join("testdata", "data", "chiso.db")},
		{"zone", c.Location.String(), "UTC"},
		{"language", c.Language, "en"},
		{"locale", c.Locale, "en"},
		{"rules", strings.Join(c.RulePatterns(), ","), filepath.Join("testdata", "rules", "*.yaml")},
		{"watch", fmt.Sprint(c.WatchEnabled()), "false"},
		{"create_database", fmt.Sprint(c.CreateDatabaseEnabled()), "false"},
		{"levels", fmt.Sprint(c.Metrics.AreaLevels), "[province district]"},
		{"token0", string(c.Auth.Tokens[0].Value), "env-token"},
		{"token1", string(c.Auth.Tokens[1].Value), "s3cr3t-file"},
		{"drop", c.Drop.Path, "inbox"},
		{"settle", c.Drop.Settle.String(), "2s"},
		{"token0 scope", fmt.Sprint(c.Auth.Tokens[0].Areas, c.Auth.Tokens[0].Lineage, c.Auth.Tokens[0].Actions), "[] false []"},
		{"token1 scope", fmt.Sprint(c.Auth.Tokens[1].Areas, c.Auth.Tokens[1].Lineage, c.Auth.Tokens[1].Actions), "[PT25 DB] true [import ack silence]"},
		{"drop scope", fmt.Sprint(c.Drop.Areas, c.Drop.Lineage), "[DL25] true"},
		{"audit", c.Audit.Retention.String(), "720h0m0s"},
		{"alerting", fmt.Sprint(c.Alerting.Node != nil), "true"},
		{"http", fmt.Sprintf("%+v", c.HTTP), "{MaxConnections:64 ReadHeaderTimeout:5s ReadTimeout:20s ImportReadTimeout:30m0s " +
			"WriteTimeout:1m0s IdleTimeout:30s MaxHeaderBytes:32KiB MaxBodyBytes:2MiB MaxImportBytes:1GiB PageSize:500 MaxPageSize:5000}"},
		{"cluster", fmt.Sprintf("%+v", c.Cluster), "{Lease:10s Renew:2s Margin:2s AdvertiseURL:http://chiso-a.example.vn:9787}"},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s = %q, want %q", ch.name, ch.got, ch.want)
		}
	}
}

func TestDefaults(t *testing.T) {
	t.Setenv(DefaultTokenEnv, "")
	for _, c := range []*Config{Default("/srv"), mustParse(t, "")} {
		if c.Listen != DefaultListen || c.Language != "vi" || c.Locale != "vi" || c.Database != "chiso.db" {
			t.Errorf("defaults: %+v", c)
		}
		if c.Location == nil || c.Location.String() != DefaultTimeZone {
			t.Errorf("zone = %v", c.Location)
		}
		if len(c.Metrics.AreaLevels) != 2 || c.Metrics.AreaLevels[1] != chiso.LevelProvince {
			t.Errorf("levels = %v", c.Metrics.AreaLevels)
		}
		if c.Drop.Settle != time.Second || !c.WatchEnabled() || len(c.Auth.Tokens) != 0 || !c.CreateDatabaseEnabled() {
			t.Errorf("drop/watch/auth defaults wrong: %+v", c)
		}
		want := HTTP{MaxConnections: 256, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
			ImportReadTimeout: 10 * time.Minute, WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute,
			MaxHeaderBytes: 64 << 10, MaxBodyBytes: 1 << 20, MaxImportBytes: 256 << 20, PageSize: 1000, MaxPageSize: 10000}
		if c.HTTP != want {
			t.Errorf("http defaults = %+v, want %+v", c.HTTP, want)
		}
	}
	if got := Default("/srv").RulePatterns()[0]; got != "/srv/rules.d/*.yaml" {
		t.Errorf("rule pattern = %q", got)
	}
}

func TestDefaultTokenFromEnvironment(t *testing.T) {
	t.Setenv(DefaultTokenEnv, "abc")
	t.Setenv("CHISO_TEST_TOKEN", "own")
	cases := []struct {
		name string
		c    *Config
		want Secret
	}{
		{"no file", Default("."), "abc"},
		{"file without tokens", mustParse(t, "listen: 127.0.0.1:1"), "abc"},
		{"file with tokens", mustParse(t, "auth: {tokens: [{name: a, env: CHISO_TEST_TOKEN}]}"), "own"},
	}
	for _, c := range cases {
		if len(c.c.Auth.Tokens) != 1 || c.c.Auth.Tokens[0].Value != c.want {
			t.Errorf("%s: tokens = %+v", c.name, c.c.Auth.Tokens)
		}
	}
}

func TestSecretNeverPrinted(t *testing.T) {
	t.Setenv("CHISO_TEST_TOKEN", "topsecret")
	c := mustParse(t, "auth: {tokens: [{name: a, env: CHISO_TEST_TOKEN}]}")
	for _, s := range []string{fmt.Sprint(c.Auth.Tokens), fmt.Sprintf("%+v", c), fmt.Sprintf("%v", c.Auth.Tokens[0].Value)} {
		if strings.Contains(s, "topsecret") {
			t.Errorf("secret printed: %s", s)
		}
	}
	t.Setenv("CHISO_TEST_TOKEN", "")
	_, err := Parse("c.yaml", []byte("auth: {tokens: [{name: a, env: CHISO_TEST_TOKEN}]}"), ".")
	if err == nil || !strings.Contains(err.Error(), "c.yaml:1:") {
		t.Errorf("unset env: err = %v", err)
	}
}

func TestSectionDecodeKeepsPositions(t *testing.T) {
	c := mustParse(t, "alerting:\n  route:\n    receiver: x\n    bogus: 1\n")
	var v struct {
		Route struct {
			Receiver string `yaml:"receiver"`
		} `yaml:"route"`
	}
	err := c.Alerting.Decode(&v)
	if err == nil || !strings.Contains(err.Error(), "c.yaml:4:") {
		t.Fatalf("Decode err = %v, want position on line 4", err)
	}
}

func TestSyntaxErrorHasPosition(t *testing.T) {
	_, err := Parse("c.yaml", []byte("listen: [\n"), ".")
	if err == nil || !strings.HasPrefix(err.Error(), "c.yaml:") {
		t.Fatalf("err = %v", err)
	}
}

func mustParse(t *testing.T, s string) *Config {
	t.Helper()
	c, err := Parse("c.yaml", []byte(s), ".")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"", "listen: a:1", "rules: [a, b]", "metrics: {area_levels: [x]}", "auth: {tokens: [{name: a}]}", "- 1\n- 2", "a: &x 1\nb: *x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := Parse("f.yaml", []byte(s), ".")
		if err == nil && c.Location == nil {
			t.Fatalf("valid config without location: %q", s)
		}
		var ce *Error
		if err != nil && !errors.As(err, &ce) {
			t.Fatalf("error of type %T: %v", err, err)
		}
	})
}

// TestErrorfNamesTheKey places a problem found after loading at the
// value of its key, or at no line when the file does not set it.
func TestErrorfNamesTheKey(t *testing.T) {
	c := mustParse(t, "listen: 127.0.0.1:1\ndatabase: prod.db\n")
	if got := c.Errorf("database", "%s is missing", "prod.db").Error(); got != "c.yaml:2:11: database: prod.db is missing" {
		t.Errorf("got %q", got)
	}
	if got := c.Errorf("create_database", "no").Error(); got != "c.yaml: create_database: no" {
		t.Errorf("got %q", got)
	}
}
