// Package timespec reads the durations and cron schedules that chiso's
// rule files, configuration and API accept, in one way for all of them.
package timespec

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/prometheus/common/model"
)

// durationUnits are the units of a rule-file duration, largest first.
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
	d, err := model.ParseDuration(s)
	if err != nil {
		if s == "" {
			return 0, fmt.Errorf("empty duration")
		}
		return 0, fmt.Errorf("bad duration %q: %s", s, durationProblem(s))
	}
	return time.Duration(d), nil
}

// durationTermRE splits a duration into number-and-unit terms.
var durationTermRE = regexp.MustCompile(`^([0-9]*)([^0-9]*)`)

// durationProblem says what is wrong with a duration that
// model.ParseDuration refused, term by term, in a rule-file author's words.
func durationProblem(s string) string {
	next := 0
	for rest := s; rest != ""; {
		m := durationTermRE.FindStringSubmatch(rest)
		num, unit := m[1], m[2]
		rest = rest[len(m[0]):]
		i := unitIndex(unit, 0)
		switch {
		case num == "":
			return fmt.Sprintf("want a number at %q", m[0]+rest)
		case len(strings.TrimLeft(num, "0")) > 18:
			return fmt.Sprintf("number %s too large", num)
		case strings.HasPrefix(unit, "."):
			return "fractions are not allowed (write 1h30m, not 1.5h)"
		case unit == "":
			return "missing unit after " + num
		case i < 0:
			return fmt.Sprintf("unknown unit %q (want whole numbers with y, w, d, h, m, s or ms, e.g. 1h30m, 7d, 2w)", unit)
		case i < next:
			return fmt.Sprintf("unit %q out of order or repeated (write the largest unit first, each once, e.g. 1d12h)", unit)
		}
		next = i + 1
	}
	return "too long"
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
