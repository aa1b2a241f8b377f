// Package config reads chiso's configuration: one YAML file, decoded
// strictly, with every problem reported at once with its file, line and
// column. A missing file is not an error for the daemon: Default gives a
// configuration that works at once on the sample data.
package config

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	_ "time/tzdata" // the default zone must load on hosts without a zoneinfo database

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/internal/yamlpos"
	"github.com/goccy/go-yaml/ast"
)

// The defaults, documented in the README's configuration section.
const (
	DefaultListen   = "127.0.0.1:9787"
	DefaultDatabase = "chiso.db"
	DefaultTimeZone = "Asia/Ho_Chi_Minh"
	DefaultLanguage = "vi"
	DefaultLocale   = "vi"
	DefaultRulesDir = "rules.d"
	// DefaultTokenEnv is the environment variable read for a bearer token
	// when the file configures none.
	DefaultTokenEnv = "CHISO_TOKEN"
	// DefaultSettle is how long a file in the drop folder must stay
	// unchanged before it is imported.
	DefaultSettle = time.Second
	// DefaultAuditRetention is how long the audit log keeps an entry.
	DefaultAuditRetention = 365 * 24 * time.Hour
)

// DefaultRules are the rule file globs used when the file names none.
var DefaultRules = []string{DefaultRulesDir + "/*.yaml"}

// Config is the daemon's configuration.
type Config struct {
	// Listen is the HTTP listen address, host:port.
	Listen string `yaml:"listen"`
	// Database is the SQLite file, relative to Dir, or a PostgreSQL
	// connection URL (postgres://user:password@host:5432/chiso).
	Database string `yaml:"database"`
	// CreateDatabase creates a missing Database, empty but for the
	// built-in catalogue, at start; false refuses to start without it.
	// nil means true.
	CreateDatabase *bool `yaml:"create_database"`
	// TimeZone names the zone cron schedules and due dates are read in.
	TimeZone string `yaml:"time_zone"`
	// Language of findings' messages: vi or en.
	Language string `yaml:"language"`
	// Locale of numbers in imported files (API and drop folder): vi or en.
	Locale string `yaml:"locale"`
	// Rules are globs of rule files, relative to Dir.
	Rules []string `yaml:"rules"`
	// Watch reloads when a rule file or this file changes; nil means true.
	Watch *bool `yaml:"watch"`
	// Metrics chooses what /metrics exports.
	Metrics Metrics `yaml:"metrics"`
	// Auth holds the bearer tokens write endpoints accept.
	Auth Auth `yaml:"auth"`
	// Audit configures the audit log of writes.
	Audit Audit `yaml:"audit"`
	// Drop configures the folder department files are dropped into.
	Drop Drop `yaml:"drop_folder"`
	// HTTP bounds connections, request bodies, timeouts and pages of the
	// HTTP server.
	HTTP HTTP `yaml:"http"`
	// Alerting is the alerting section, decoded by the alerting package.
	Alerting Section `yaml:"alerting"`
	// Cluster configures the leader election among daemons that share a
	// PostgreSQL database.
	Cluster Cluster `yaml:"cluster"`

	// File is the path the configuration was read from; empty for Default.
	File string `yaml:"-"`
	// Dir is the directory relative paths are resolved against: the
	// file's directory, or the working directory for Default.
	Dir string `yaml:"-"`
	// Location is TimeZone loaded.
	Location *time.Location `yaml:"-"`

	// pos is where each key's value is in File, by dotted key path; nil
	// for Default.
	pos *yamlpos.Decoder
}

// Metrics chooses what /metrics exports.
type Metrics struct {
	// AreaLevels are the levels whose areas export indicator values;
	// default country and province.
	AreaLevels []chiso.AreaLevel `yaml:"area_levels"`
}

// Auth holds the bearer tokens that write endpoints accept.
type Auth struct {
	Tokens []Token `yaml:"tokens"`
}

// Token is one bearer token, read from an environment variable or a file,
// never written in the configuration itself, and what it may do.
type Token struct {
	Name string `yaml:"name"` // who holds it, for the log and the audit
	Env  string `yaml:"env"`  // environment variable holding the token
	File string `yaml:"file"` // file holding the token (surrounding space trimmed)
	// Areas are the codes of the areas the token may write for, with the
	// areas below them; nil means every area.
	Areas []string `yaml:"areas"`
	// Lineage adds to Areas the areas that became them (a merged
	// province's predecessors).
	Lineage bool `yaml:"lineage"`
	// Actions are what the token may do (chiso.Actions); nil means all.
	Actions []chiso.Action `yaml:"actions"`
	// Value is the token read; it prints as a mask.
	Value Secret `yaml:"-"`
}

// Audit configures the audit log of writes kept in the database.
type Audit struct {
	// Retention is how long an entry is kept; zero means
	// DefaultAuditRetention.
	Retention time.Duration `yaml:"retention"`
}

// Drop configures the drop folder: files placed there are imported and moved
// to done/ or failed/ (with an error report beside them).
type Drop struct {
	// Path is the folder, relative to Dir; empty disables it.
	Path string `yaml:"path"`
	// Settle is how long a file must stay unchanged before import; zero
	// means DefaultSettle.
	Settle time.Duration `yaml:"settle"`
	// Areas are the only areas files dropped here may hold figures of, as
	// a token's; nil means every area.
	Areas []string `yaml:"areas"`
	// Lineage adds to Areas the areas that became them.
	Lineage bool `yaml:"lineage"`
}

// Section is a part of the file that another package decodes; it keeps
// the YAML node so that errors still name line and column.
type Section struct {
	File string
	Node ast.Node // nil when the section is absent
}

// Decode decodes the section strictly into v; an absent section leaves v
// unchanged.
func (s Section) Decode(v any) error {
	if s.Node == nil {
		return nil
	}
	if err := yamlpos.NodeToValue(s.Node, v); err != nil {
		return &Error{Problems: []Problem{problemFrom(s.File, "alerting", err)}}
	}
	return nil
}

// Secret is a credential: it prints, marshals and logs as a mask.
type Secret string

// String masks the secret.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return "<secret>"
}

// MarshalText masks the secret.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Default returns the configuration used without a file, with relative
// paths resolved against dir.
func Default(dir string) *Config {
	c := &Config{Dir: dir}
	c.applyDefaults()
	c.Location, _ = time.LoadLocation(c.TimeZone)
	c.defaultToken()
	return c
}

// defaultToken takes the token from $CHISO_TOKEN when none is configured.
func (c *Config) defaultToken() {
	if len(c.Auth.Tokens) > 0 {
		return
	}
	if v := strings.TrimSpace(os.Getenv(DefaultTokenEnv)); v != "" {
		c.Auth.Tokens = []Token{{Name: "default", Env: DefaultTokenEnv, Value: Secret(v)}}
	}
}

func (c *Config) applyDefaults() {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&c.Listen, DefaultListen)
	def(&c.Database, DefaultDatabase)
	def(&c.TimeZone, DefaultTimeZone)
	def(&c.Language, DefaultLanguage)
	def(&c.Locale, DefaultLocale)
	if c.Rules == nil {
		c.Rules = append([]string(nil), DefaultRules...)
	}
	if c.Metrics.AreaLevels == nil {
		c.Metrics.AreaLevels = []chiso.AreaLevel{chiso.LevelCountry, chiso.LevelProvince}
	}
	if c.Drop.Settle == 0 {
		c.Drop.Settle = DefaultSettle
	}
	if c.Audit.Retention == 0 {
		c.Audit.Retention = DefaultAuditRetention
	}
	c.HTTP.applyDefaults()
	c.Cluster.applyDefaults()
}

// WatchEnabled reports whether file changes trigger a reload.
func (c *Config) WatchEnabled() bool { return c.Watch == nil || *c.Watch }

// CreateDatabaseEnabled reports whether a missing database is created.
func (c *Config) CreateDatabaseEnabled() bool { return c.CreateDatabase == nil || *c.CreateDatabase }

// Errorf returns an *Error with one problem of the file at the value of
// field (a dotted key path, e.g. database), for what is found wrong after
// loading: a database that does not exist, say. A field the file does not
// set is placed at no line.
func (c *Config) Errorf(field, format string, args ...any) error {
	return &Error{Problems: []Problem{c.problem(field, format, args...)}}
}

// problem places a message at the value of field, as Errorf does.
func (c *Config) problem(field, format string, args ...any) Problem {
	p := Problem{File: c.File, Field: field, Msg: fmt.Sprintf(format, args...)}
	if c.pos != nil {
		pos, _ := c.pos.TokenPos(field)
		p.Line, p.Column = pos.Line, pos.Column
	}
	return p
}

// Path resolves a configured path against Dir.
func (c *Config) Path(p string) string {
	if p == "" || filepath.IsAbs(p) || isURL(p) {
		return p
	}
	return filepath.Join(c.Dir, p)
}

// RulePatterns returns the rule globs resolved against Dir.
func (c *Config) RulePatterns() []string {
	out := make([]string, len(c.Rules))
	for i, p := range c.Rules {
		out[i] = c.Path(p)
	}
	return out
}

// isURL reports whether p is a database URL (postgres://…) rather than a
// path: Path leaves it as it is.
func isURL(p string) bool {
	return strings.HasPrefix(p, "postgres://") || strings.HasPrefix(p, "postgresql://")
}

var (
	urlScheme   = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*://`)
	connKeyword = regexp.MustCompile(`(?i)(?:^|\s)(?:host|hostaddr|port|dbname|user|password|sslmode)\s*=`)
)

// MisspelledDatabase says why a database, meant as a PostgreSQL URL, is
// neither that nor a SQLite file's path: a URL of another scheme
// (postgress://, POSTGRES://) or libpq's key=value form would otherwise
// name a new SQLite file, and be printed with its password. It is empty
// for a postgres:// URL and anything else.
func MisspelledDatabase(p string) string {
	switch {
	case isURL(p):
		return ""
	case urlScheme.MatchString(p):
		return "a URL whose scheme is not postgres:// or postgresql://, so neither a PostgreSQL database nor a SQLite file"
	case connKeyword.MatchString(p):
		return "a key=value connection string: write it as a postgres:// URL (postgres://user@host:5432/dbname?sslmode=…)"
	}
	return ""
}
