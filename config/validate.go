package config

import (
	"fmt"

	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/chiso-vn/chiso"
)

// validate checks what decoding cannot: values, references and secrets.
func (c *Config) validate(d *decoder) {
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		d.add("listen", "%q is not host:port", c.Listen)
	}
	loc, err := time.LoadLocation(c.TimeZone)
	if err != nil {
		d.add("time_zone", "unknown time zone %q", c.TimeZone)
	}
	c.Location = loc
	oneOf(d, "language", c.Language, "vi", "en")
	oneOf(d, "locale", c.Locale, "vi", "en")
	if strings.TrimSpace(c.Database) == "" {
		d.add("database", "empty path")
	} else if why := MisspelledDatabase(c.Database); why != "" {
		d.add("database", "%s", why)
	}
	c.validateRules(d)
	for i, l := range c.Metrics.AreaLevels {
		if !l.Valid() {
			d.add(fmt.Sprintf("metrics.area_levels[%d]", i), "unknown area level %q (want country, province, district or commune)", l)
		}
	}
	c.validateTokens(d)
	if c.Drop.Settle < 0 {
		d.add("drop_folder.settle", "negative duration %s", c.Drop.Settle)
	}
	checkAreaList(d, "drop_folder.areas", c.Drop.Areas, c.Drop.Lineage)
	if c.Audit.Retention < 0 {
		d.add("audit.retention", "negative duration %s", c.Audit.Retention)
	}
	c.HTTP.validate(d)
	c.Cluster.validate(d)
	sortProblems(d.problems)
}

func oneOf(d *decoder, field, v string, allowed ...string) {
	for _, a := range allowed {
		if v == a {
			return
		}
	}
	d.add(field, "%q is not one of %s", v, strings.Join(allowed, ", "))
}

func (c *Config) validateRules(d *decoder) {
	for i, p := range c.Rules {
		field := fmt.Sprintf("rules[%d]", i)
		if _, err := filepath.Match(p, ""); err != nil || strings.TrimSpace(p) == "" {
			d.add(field, "bad glob %q", p)
		}
	}
}

// validateTokens reads every token's secret; a token never appears in an
// error, only where it was to be read from.
func (c *Config) validateTokens(d *decoder) {
	names := map[string]bool{}
	for i := range c.Auth.Tokens {
		t := &c.Auth.Tokens[i]
		field := fmt.Sprintf("auth.tokens[%d]", i)
		switch {
		case t.Name == "":
			d.add(field, "token has no name")
		case names[t.Name]:
			d.add(field+".name", "token %q given twice", t.Name)
		}
		names[t.Name] = true
		if err := t.read(c); err != nil {
			d.add(field+tokenSource(t), "%v", err)
		}
		checkAreaList(d, field+".areas", t.Areas, t.Lineage)
		checkActions(d, field+".actions", t.Actions)
	}
}

// checkAreaList checks a list of area codes as far as the file alone can:
// whether the catalogue knows them is CheckAreas's question. An empty list
// is refused rather than read as every area or as none.
func checkAreaList(d *decoder, field string, areas []string, lineage bool) {
	switch {
	case areas != nil && len(areas) == 0:
		d.add(field, "empty list: name the area codes, or leave areas out for every area")
	case areas == nil && lineage:
		d.add(strings.TrimSuffix(field, ".areas")+".lineage", "lineage without areas: name the areas whose predecessors to add")
	}
	seen := map[string]bool{}
	for i, a := range areas {
		f := fmt.Sprintf("%s[%d]", field, i)
		switch {
		case strings.TrimSpace(a) == "":
			d.add(f, "empty area code")
		case seen[a]:
			d.add(f, "area %q given twice", a)
		}
		seen[a] = true
	}
}

// checkActions refuses an unknown action and an empty list.
func checkActions(d *decoder, field string, actions []chiso.Action) {
	if actions != nil && len(actions) == 0 {
		d.add(field, "empty list: name the actions (%s), or leave actions out for all", actionList())
	}
	for i, a := range actions {
		if !a.Valid() {
			d.add(fmt.Sprintf("%s[%d]", field, i), "unknown action %q (want one of %s)", a, actionList())
		}
	}
}

func actionList() string {
	names := make([]string, len(chiso.Actions))
	for i, a := range chiso.Actions {
		names[i] = string(a)
	}
	return strings.Join(names, ", ")
}

func (t *Token) read(c *Config) error {
	switch {
	case (t.Env == "") == (t.File == ""):
		return fmt.Errorf("set exactly one of env and file")
	case t.Env != "":
		v, ok := os.LookupEnv(t.Env)
		if !ok || strings.TrimSpace(v) == "" {
			return fmt.Errorf("environment variable %s is not set", t.Env)
		}
		t.Value = Secret(strings.TrimSpace(v))
	default:
		b, err := os.ReadFile(c.Path(t.File))
		if err != nil {
			return fmt.Errorf("read token file: %w", err)
		}
		if strings.TrimSpace(string(b)) == "" {
			return fmt.Errorf("token file %s is empty", t.File)
		}
		t.Value = Secret(strings.TrimSpace(string(b)))
	}
	return nil
}

// tokenSource names the key a token is read from, for the error's position.
func tokenSource(t *Token) string {
	switch {
	case t.Env != "" && t.File == "":
		return ".env"
	case t.File != "" && t.Env == "":
		return ".file"
	}
	return ""
}
