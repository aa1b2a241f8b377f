package timespec

import (
	"fmt"
	"strings"
	"time"

	"github.com/chiso-vn/chiso/internal/panics"
	"github.com/robfig/cron/v3"
)

// ParseSchedule reads a cron schedule in robfig syntax: five fields
// (minute, hour, day of month, month, day of week) or a descriptor such as
// @daily, @hourly or @every 6h. The schedule runs in the time zone the
// caller gives Next, so a TZ= or CRON_TZ= prefix is refused: the time zone
// is set in the configuration. A spec that can never fire (30 February) is
// refused too.
func ParseSchedule(spec string) (cron.Schedule, error) {
	t := strings.TrimSpace(spec)
	if strings.HasPrefix(t, "TZ=") || strings.HasPrefix(t, "CRON_TZ=") {
		return nil, fmt.Errorf("schedule %q: a time zone cannot be set here; the time zone is set in the configuration", spec)
	}
	s, err := parseCron(t)
	if err != nil {
		return nil, fmt.Errorf("schedule %q: %w", spec, err)
	}
	ref := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	if s.Next(ref).IsZero() {
		return nil, fmt.Errorf("schedule %q never fires", spec)
	}
	return s, nil
}

// parseCron calls the cron parser, turning its panics into errors: some
// malformed specs make it panic rather than fail.
func parseCron(spec string) (s cron.Schedule, err error) {
	defer panics.Into(&err, "malformed")
	return cron.ParseStandard(spec)
}
