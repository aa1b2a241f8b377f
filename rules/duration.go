package rules

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"
)

// durationUnits are the units of a rule-file duration, in the order they
// must appear: 1w2d is valid, 2d1w is not.
var durationUnits = []struct {
	name string
	d    time.Duration
}{
	{"y", 365 * 24 * time.Hour},
	{"w", 7 * 24 * time.Hour},
	{"d", 24 * time.Hour},
	{"h", time.Hour},
	{"m", time.Minute},
	{"s", time.Second},
	{"ms", time.Millisecond},
}

// ParseDuration reads a duration written as in Prometheus: integers with the
// units y (365 days), w, d, h, m, s and ms, largest first, each at most once,
// e.g. "1h30m", "7d", "2w", or "0". Negative and fractional values are
// rejected.
func ParseDuration(s string) (time.Duration, error) {
	if s == "0" {
		return 0, nil
	}
	if s == "" {
		return 0, fmt.Errorf("empty duration")
	}
	var total time.Duration
	rest, next := s, 0
	for rest != "" {
		n, unit, tail, err := durationTerm(rest)
		if err != nil {
			return 0, fmt.Errorf("bad duration %q: %w", s, err)
		}
		i := unitIndex(unit, next)
		switch {
		case i < 0 && unitIndex(unit, 0) < 0:
			return 0, fmt.Errorf("bad duration %q: unknown unit %q (want whole numbers with y, w, d, h, m, s or ms, e.g. 1h30m, 7d, 2w)", s, unit)
		case i < 0:
			return 0, fmt.Errorf("bad duration %q: unit %q out of order or repeated (write the largest unit first, each once, e.g. 1d12h)", s, unit)
		}
		if n > math.MaxInt64/int64(durationUnits[i].d) || total > time.Duration(math.MaxInt64)-time.Duration(n)*durationUnits[i].d {
			return 0, fmt.Errorf("bad duration %q: too long", s)
		}
		total += time.Duration(n) * durationUnits[i].d
		rest, next = tail, i+1
	}
	return total, nil
}

// nodeDuration reads a duration node: a string or an integer that
// ParseDuration accepts, or null for none (0).
func nodeDuration(n ast.Node) (time.Duration, error) {
	var text string
	switch v := n.(type) {
	case *ast.StringNode:
		text = v.Value
	case *ast.IntegerNode:
		text = v.GetToken().Value
	case *ast.NullNode:
		return 0, nil
	default:
		return 0, fmt.Errorf("want a duration such as 5m, 1h30m, 7d or 2w, got %s", kindName(n))
	}
	return ParseDuration(text)
}

// durationTerm splits one number-and-unit term off s.
func durationTerm(s string) (n int64, unit, rest string, err error) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 {
		return 0, "", "", fmt.Errorf("want a number at %q", s)
	}
	n, err = strconv.ParseInt(s[:i], 10, 64)
	if err != nil {
		return 0, "", "", fmt.Errorf("number %s too large", s[:i])
	}
	if i < len(s) && s[i] == '.' {
		return 0, "", "", fmt.Errorf("fractions are not allowed (write 1h30m, not 1.5h)")
	}
	j := i
	for j < len(s) && (s[j] < '0' || s[j] > '9') {
		j++
	}
	if j == i {
		return 0, "", "", fmt.Errorf("missing unit after %s", s[:i])
	}
	return n, s[i:j], s[j:], nil
}

// unitIndex returns the index of unit among durationUnits at or after from,
// or -1.
func unitIndex(unit string, from int) int {
	for i := from; i < len(durationUnits); i++ {
		if durationUnits[i].name == unit {
			return i
		}
	}
	return -1
}

// FormatDuration writes d in the form ParseDuration reads, e.g. "1w2d" or
// "1h30m"; zero is "0s". Sub-millisecond parts are dropped.
func FormatDuration(d time.Duration) string {
	if d <= 0 {
		return "0s"
	}
	var b strings.Builder
	for _, u := range durationUnits {
		if n := d / u.d; n > 0 {
			fmt.Fprintf(&b, "%d%s", n, u.name)
			d -= n * u.d
		}
	}
	if b.Len() == 0 {
		return "0s"
	}
	return b.String()
}
