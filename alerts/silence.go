package alerts

import (
	"time"

	"github.com/chiso-vn/chiso/alerting"
)

// silenced reports whether an active silence among ss selects labels.
func silenced(ss []*alerting.Silence, labels map[string]string, now time.Time) bool {
	for _, s := range ss {
		if s.State(now) == alerting.SilenceActive && s.Matchers.Matches(labels) {
			return true
		}
	}
	return false
}
