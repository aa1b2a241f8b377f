package alerting

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
	"strconv"
	"strings"

	"github.com/chiso-vn/chiso/internal/clip"
)

// MatchOp is how a matcher compares a label's value.
type MatchOp string

// The match operators, as in Alertmanager.
const (
	MatchEqual     MatchOp = "="
	MatchNotEqual  MatchOp = "!="
	MatchRegexp    MatchOp = "=~"
	MatchNotRegexp MatchOp = "!~"
)

// Matcher selects alerts by one label. A missing label matches as the empty
// string, so `team=""` selects alerts without a team. Regular expressions
// are anchored at both ends, as in Alertmanager: `area=~"P"` does not match
// PT.
type Matcher struct {
	Name  string  `json:"name"`
	Op    MatchOp `json:"op"`
	Value string  `json:"value"`
	re    *regexp.Regexp
	size  int // the estimated size of re's program, in instructions; 0 for = and !=
}

// NewMatcher builds a matcher, compiling the regular expression of =~ and
// !~. It refuses a name, a value or a program beyond MaxLabelNameBytes,
// MaxMatcherBytes and MaxRegexpSize before compiling anything.
func NewMatcher(name string, op MatchOp, value string) (*Matcher, error) {
	if err := checkMatcherSize(name, value); err != nil {
		return nil, err
	}
	m, err := newMatcher(name, op, value)
	if err != nil {
		return nil, err
	}
	return m, m.compile(MaxRegexpSize)
}

// newMatcher checks the name and operator of a matcher; it compiles
// nothing.
func newMatcher(name string, op MatchOp, value string) (*Matcher, error) {
	if !ValidLabelName(name) {
		return nil, fmt.Errorf("invalid label name %s", clip.Quote(name))
	}
	switch op {
	case MatchEqual, MatchNotEqual, MatchRegexp, MatchNotRegexp:
	default:
		return nil, fmt.Errorf("unknown match operator %s (want =, !=, =~ or !~)", clip.Quote(string(op)))
	}
	return &Matcher{Name: name, Op: op, Value: value}, nil
}

// unlimited is the program size compile accepts from a stored matcher.
const unlimited = 1 << 30

// compile compiles the regular expression of =~ and !~, refusing one
// whose program would exceed limit instructions before compiling it.
func (m *Matcher) compile(limit int) error {
	if m.re != nil || m.Op != MatchRegexp && m.Op != MatchNotRegexp {
		return nil
	}
	expr := anchored(m.Value)
	size, err := regexpSize(expr, limit)
	if err == nil && size > limit {
		return fmt.Errorf("label %s: regular expression %s compiles to more than %d instructions", m.Name, clip.Quote(m.Value), limit)
	}
	var re *regexp.Regexp
	if err == nil {
		re, err = regexp.Compile(expr)
	}
	if err != nil {
		return fmt.Errorf("label %s: invalid regular expression %s: %s", m.Name, clip.Quote(m.Value), syntaxProblem(err))
	}
	m.re, m.size = re, size
	return nil
}

// syntaxProblem is a regular expression's error without its whole text.
func syntaxProblem(err error) string {
	var se *syntax.Error
	if errors.As(err, &se) {
		if se.Expr == "" {
			return string(se.Code)
		}
		return string(se.Code) + ": " + clip.Quote(se.Expr)
	}
	return clip.Text(err.Error())
}

// Matches reports whether the labels satisfy the matcher.
func (m *Matcher) Matches(labels map[string]string) bool {
	v := labels[m.Name]
	switch m.Op {
	case MatchEqual:
		return v == m.Value
	case MatchNotEqual:
		return v != m.Value
	case MatchRegexp:
		return m.regexp().MatchString(v)
	case MatchNotRegexp:
		return !m.regexp().MatchString(v)
	}
	return false
}

// regexp returns the compiled expression. A Matcher written as a literal,
// or decoded from JSON and not compiled since, compiles it on each call (an
// invalid one matches its text literally).
func (m *Matcher) regexp() *regexp.Regexp {
	if m.re != nil {
		return m.re
	}
	if re, err := regexp.Compile(anchored(m.Value)); err == nil {
		return re
	}
	return regexp.MustCompile(anchored(regexp.QuoteMeta(m.Value)))
}

func anchored(expr string) string { return "^(?:" + expr + ")$" }

// UnmarshalJSON reads {"name", "op", "value"} as the store keeps it: it
// checks the name and the operator but neither the limits nor the regular
// expression, which it does not compile, so that a silence stored before
// the limits still loads and an expired one costs no program. The manager
// compiles the matchers of the silences in effect; input from users goes
// through NewMatcher or ParseMatcher.
func (m *Matcher) UnmarshalJSON(b []byte) error {
	var w struct {
		Name  string  `json:"name"`
		Op    MatchOp `json:"op"`
		Value string  `json:"value"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	n, err := newMatcher(w.Name, w.Op, w.Value)
	if err != nil {
		return err
	}
	*m = *n
	return nil
}

// String writes the matcher in the syntax ParseMatcher reads.
func (m *Matcher) String() string {
	return m.Name + string(m.Op) + strconv.Quote(m.Value)
}

// Matchers are all required to match (a logical and).
type Matchers []*Matcher

// Matches reports whether every matcher matches the labels; no matchers
// match everything.
func (ms Matchers) Matches(labels map[string]string) bool {
	for _, m := range ms {
		if !m.Matches(labels) {
			return false
		}
	}
	return true
}

// String writes the matchers as `{a="b", c=~"d"}`.
func (ms Matchers) String() string {
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = m.String()
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// ParseMatcher reads one matcher in Alertmanager's syntax: a label name, an
// operator (=, !=, =~, !~) and a value, double-quoted with Go escapes or
// bare, e.g. `severity="critical"` or `area=~PT|VP`.
func ParseMatcher(s string) (*Matcher, error) {
	if n := len(s); n > maxMatcherText {
		return nil, fmt.Errorf("matcher %s: %d bytes, at most %d", clip.Quote(s), n, maxMatcherText)
	}
	s = strings.TrimSpace(s)
	i := 0
	for i < len(s) && isLabelChar(s[i], i == 0) {
		i++
	}
	name, rest := s[:i], strings.TrimLeft(s[i:], " \t")
	if name == "" {
		return nil, fmt.Errorf("matcher %s: want a label name first", clip.Quote(s))
	}
	op, rest, ok := cutOp(rest)
	if !ok {
		return nil, fmt.Errorf("matcher %s: want =, !=, =~ or !~ after %s", clip.Quote(s), name)
	}
	value, err := matcherValue(strings.TrimSpace(rest))
	if err != nil {
		return nil, fmt.Errorf("matcher %s: %w", clip.Quote(s), err)
	}
	m, err := NewMatcher(name, op, value)
	if err != nil {
		return nil, fmt.Errorf("matcher %s: %w", clip.Quote(s), err)
	}
	return m, nil
}

// maxMatcherText bounds the text ParseMatcher reads: a name, an operator
// and a value of MaxMatcherBytes quoted with escapes.
const maxMatcherText = MaxLabelNameBytes + 3 + 4*MaxMatcherBytes + 2

// cutOp splits the operator off the front of s.
func cutOp(s string) (MatchOp, string, bool) {
	for _, op := range []MatchOp{MatchRegexp, MatchNotRegexp, MatchNotEqual, MatchEqual} {
		if rest, ok := strings.CutPrefix(s, string(op)); ok {
			return op, rest, true
		}
	}
	return "", s, false
}

// matcherValue reads a quoted or bare value.
func matcherValue(s string) (string, error) {
	if !strings.HasPrefix(s, `"`) {
		if strings.ContainsAny(s, `"`) {
			return "", fmt.Errorf("unbalanced quote in value %s", clip.Text(s))
		}
		return s, nil
	}
	v, err := strconv.Unquote(s)
	if err != nil {
		return "", fmt.Errorf("bad quoted value %s", clip.Text(s))
	}
	return v, nil
}

// ParseMatchers reads a comma-separated list of matchers, optionally in
// braces: `{severity="critical", area=~"PT|VP"}`. Commas inside quoted
// values do not split.
func ParseMatchers(s string) (Matchers, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "{") {
		if !strings.HasSuffix(s, "}") {
			return nil, fmt.Errorf("matchers %s: missing closing brace", clip.Quote(s))
		}
		s = s[1 : len(s)-1]
	}
	var out Matchers
	var errs []string
	for _, part := range splitOutsideQuotes(s) {
		if strings.TrimSpace(part) == "" {
			continue
		}
		m, err := ParseMatcher(part)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		out = append(out, m)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	if len(out) > MaxMatchers {
		return nil, fmt.Errorf("matchers %s: %d matchers, at most %d", clip.Quote(s), len(out), MaxMatchers)
	}
	return out, nil
}

// splitOutsideQuotes splits s at commas that are not inside double quotes.
func splitOutsideQuotes(s string) []string {
	var parts []string
	start, quoted := 0, false
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && quoted:
			i++
		case s[i] == '"':
			quoted = !quoted
		case s[i] == ',' && !quoted:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}

func isLabelChar(c byte, first bool) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || !first && c >= '0' && c <= '9'
}

// ValidLabelName reports whether s is a Prometheus label name: a letter or
// an underscore, then letters, digits and underscores.
func ValidLabelName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isLabelChar(s[i], i == 0) {
			return false
		}
	}
	return true
}
