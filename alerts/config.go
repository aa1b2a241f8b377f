package alerts

import (
	"fmt"
	"net/mail"
	"time"

	"github.com/chiso-vn/chiso/internal/timespec"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"

	"github.com/chiso-vn/chiso/alerting"
	"github.com/chiso-vn/chiso/internal/clip"
)

// The defaults of the alerting section, documented in the README.
const (
	DefaultGroupWait         = 30 * time.Second
	DefaultGroupInterval     = 5 * time.Minute
	DefaultRepeatInterval    = 7 * 24 * time.Hour
	DefaultResolvedRetention = 30 * 24 * time.Hour
)

// Never is the repeat interval written `never`: a group is not re-notified
// while nothing changes.
const Never time.Duration = -1

// Config is the `alerting:` section of chiso's configuration, shaped like
// Alertmanager's: a routing tree, inhibition rules and receivers, plus the
// departments whose heads receive the alerts of their area. Durations are
// strings in the rule files' syntax (30s, 5m, 4h, 1d, 2w), so that Validate
// can report every bad one at once with its field.
type Config struct {
	// Route is the root of the routing tree; nil sends nothing.
	Route *Route `yaml:"route"`
	// InhibitRules mute alerts while other alerts fire.
	InhibitRules []InhibitRule `yaml:"inhibit_rules"`
	// Receivers are the destinations routes name.
	Receivers []Receiver `yaml:"receivers"`
	// Departments are keyed by the value of a receiver's to_from_label,
	// usually the area code: the alerts of area PT go to the head of PT.
	Departments map[string]Department `yaml:"departments"`
	// ResolvedRetention is how long a resolved alert is kept for digests
	// and the API before it is forgotten (its history stays); empty means
	// DefaultResolvedRetention.
	ResolvedRetention string `yaml:"resolved_retention"`
	// ExternalURL is the daemon's public URL, put in notifications for
	// links; empty if none.
	ExternalURL string `yaml:"external_url"`
	// Silences bounds how many silences may be in effect.
	Silences SilenceLimits `yaml:"silences"`
}

// Route is one node of the routing tree. An alert enters at the root and
// descends into the first child whose matchers match (and the following
// ones while children say `continue`); it is handled by the deepest routes
// it reaches. Unset fields are inherited from the parent.
type Route struct {
	// Receiver names the receiver; inherited when empty (required at the root).
	Receiver string `yaml:"receiver"`
	// Matchers in Alertmanager syntax, e.g. `severity="critical"`,
	// `area=~"PT|VP"`; all must match. Ignored at the root.
	Matchers []string `yaml:"matchers"`
	// GroupBy lists the labels alerts are grouped by; `...` groups by all
	// labels (one alert a group). Nil inherits; an empty list makes one
	// group of every alert of the route.
	GroupBy []string `yaml:"group_by"`
	// GroupWait is how long a new group waits for more alerts before its
	// first notification; default 30s.
	GroupWait string `yaml:"group_wait"`
	// GroupInterval is how long a group waits before notifying of changes;
	// default 5m.
	GroupInterval string `yaml:"group_interval"`
	// RepeatInterval is how long before an unchanged group is notified
	// again; `never` turns repeats off; default 1w.
	RepeatInterval string `yaml:"repeat_interval"`
	// Continue lets an alert that matched this route try its next siblings.
	Continue bool `yaml:"continue"`
	// Routes are the children.
	Routes []*Route `yaml:"routes"`
}

// InhibitRule mutes the alerts matching TargetMatchers while an alert
// matching SourceMatchers fires with the same values of the Equal labels.
type InhibitRule struct {
	SourceMatchers []string `yaml:"source_matchers"`
	TargetMatchers []string `yaml:"target_matchers"`
	Equal          []string `yaml:"equal"`
}

// Receiver is a named destination with one or more integrations. Its
// integration blocks (email, webhook, alertmanager) are decoded by the
// packages alerts/email, alerts/webhook and alerts/amclient, which the
// daemon wires: this package only needs to know which ones are set.
type Receiver struct {
	Name string `yaml:"name"`
	// To are addresses that receive every notification of this receiver.
	To []string `yaml:"to"`
	// ToFromLabel names the label (usually area) whose value is looked up
	// in Departments to add that department's head and cc to the
	// recipients; empty for none.
	ToFromLabel string `yaml:"to_from_label"`
	// SendResolved tells the receiver when its alerts resolve; nil means true.
	SendResolved *bool `yaml:"send_resolved"`
	// Digest, when set, replaces per-group notifications with one digest per
	// recipient on a cron schedule.
	Digest *DigestConfig `yaml:"digest"`

	Email        RawConfig `yaml:"email"`
	Webhook      RawConfig `yaml:"webhook"`
	Alertmanager RawConfig `yaml:"alertmanager"`
}

// The integration kinds, as used in Notification.Integration and metrics.
const (
	IntegrationEmail        = "email"
	IntegrationWebhook      = "webhook"
	IntegrationAlertmanager = "alertmanager"
)

// Integrations returns the kinds of the receiver's configured blocks, in a
// fixed order.
func (r Receiver) Integrations() []string {
	var out []string
	for _, it := range []struct {
		kind string
		raw  RawConfig
	}{{IntegrationEmail, r.Email}, {IntegrationWebhook, r.Webhook}, {IntegrationAlertmanager, r.Alertmanager}} {
		if it.raw.IsSet() {
			out = append(out, it.kind)
		}
	}
	return out
}

// sendResolved reports whether resolved alerts are sent.
func (r Receiver) sendResolved() bool { return r.SendResolved == nil || *r.SendResolved }

// DigestConfig makes a receiver a digest.
type DigestConfig struct {
	// Schedule is a cron expression (robfig syntax) in the configured time
	// zone, e.g. "0 8 * * 1" for Monday 08:00.
	Schedule string `yaml:"schedule"`
}

// Department is the office responsible for an area's figures.
type Department struct {
	Name string `yaml:"name"`
	// Head is the address of the head of department.
	Head string `yaml:"head"`
	// CC are further addresses.
	CC []string `yaml:"cc"`
}

// RawConfig keeps an integration's YAML block undecoded, with its
// positions, for the package that owns the integration.
type RawConfig struct {
	Node ast.Node
}

// UnmarshalYAML keeps the node.
func (r *RawConfig) UnmarshalYAML(n ast.Node) error {
	r.Node = n
	return nil
}

// IsSet reports whether the block is present and not null.
func (r RawConfig) IsSet() bool {
	if r.Node == nil {
		return false
	}
	_, null := r.Node.(*ast.NullNode)
	return !null
}

// Decode decodes the block strictly into v; an absent block leaves v
// unchanged. Errors carry go-yaml's line and column.
func (r RawConfig) Decode(v any) error {
	if !r.IsSet() {
		return nil
	}
	return yaml.NodeToValue(r.Node, v, yaml.Strict())
}

// FieldError is one problem of the alerting section, at a dotted field path
// relative to the section, e.g. route.routes[0].group_wait.
type FieldError struct {
	Field string
	Value string // the bad value; empty when the problem is a missing one
	Msg   string
}

// Error formats the problem as `field: message`.
func (e FieldError) Error() string {
	if e.Value != "" {
		return fmt.Sprintf("%s: %s (got %s)", e.Field, e.Msg, clip.Quote(e.Value))
	}
	return e.Field + ": " + e.Msg
}

// Validate checks the whole section and returns every problem, each naming
// its field and the bad value.
func (c *Config) Validate() []error {
	_, errs := compile(c)
	return errs
}

// problems collects FieldErrors.
type problems []error

func (p *problems) add(field, value, format string, args ...any) {
	*p = append(*p, FieldError{Field: field, Value: value, Msg: fmt.Sprintf(format, args...)})
}

// duration reads a duration field; empty gives def. allowNever accepts
// the word never.
func (p *problems) duration(field, s string, def time.Duration, allowNever bool) time.Duration {
	switch {
	case s == "":
		return def
	case s == "never" && allowNever:
		return Never
	}
	d, err := timespec.ParseDuration(s)
	if err != nil {
		p.add(field, s, "%v", err)
		return def
	}
	return d
}

// matchers reads a list of matcher strings.
func (p *problems) matchers(field string, list []string) alerting.Matchers {
	var out alerting.Matchers
	for i, s := range list {
		m, err := alerting.ParseMatcher(s)
		if err != nil {
			p.add(fmt.Sprintf("%s[%d]", field, i), s, "%v", err)
			continue
		}
		out = append(out, m)
	}
	return out
}

// address checks an e-mail address.
func (p *problems) address(field, s string) {
	if _, err := mail.ParseAddress(s); err != nil {
		p.add(field, s, "not an e-mail address")
	}
}
