package rules

import (
	"time"

	"github.com/chiso-vn/chiso/internal/timespec"
)

// NextRuns returns the next n times the group's schedule fires after now,
// in the time zone loc.
func (g Group) NextRuns(now time.Time, loc *time.Location, n int) ([]time.Time, error) {
	s, err := timespec.ParseSchedule(g.Schedule)
	if err != nil {
		return nil, err
	}
	out := make([]time.Time, 0, n)
	t := now.In(loc)
	for len(out) < n {
		t = s.Next(t)
		if t.IsZero() {
			break
		}
		out = append(out, t)
	}
	return out, nil
}
