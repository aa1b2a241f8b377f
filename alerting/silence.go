package alerting

import (
	"fmt"
	"strings"
	"time"

	"github.com/chiso-vn/chiso/internal/clip"
)

// Silence mutes the alerts its matchers select between StartsAt and
// EndsAt: they keep their state but are not notified.
type Silence struct {
	ID        int64     `json:"id"`
	Matchers  Matchers  `json:"matchers"`
	StartsAt  time.Time `json:"starts_at"`
	EndsAt    time.Time `json:"ends_at"`
	CreatedBy string    `json:"created_by"`
	Comment   string    `json:"comment"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// SilenceState is where a silence is in its life.
type SilenceState string

// The silence states, as in Alertmanager.
const (
	SilencePending SilenceState = "pending"
	SilenceActive  SilenceState = "active"
	SilenceExpired SilenceState = "expired"
)

// State returns the silence's state at now.
func (s *Silence) State(now time.Time) SilenceState {
	switch {
	case now.Before(s.StartsAt):
		return SilencePending
	case now.Before(s.EndsAt):
		return SilenceActive
	}
	return SilenceExpired
}

// Validate lists every problem of a silence to be added at now.
func (s *Silence) Validate(now time.Time) error {
	var errs []string
	errs = append(errs, s.LimitProblems()...)
	if len(s.Matchers) == 0 {
		errs = append(errs, "a silence needs at least one matcher")
	} else if len(errs) == 0 && s.Matchers.Matches(map[string]string{}) {
		errs = append(errs, fmt.Sprintf("matchers %s all match an alert without labels: at least one must need a value, e.g. area=\"PT\"",
			clip.Text(s.Matchers.String())))
	}
	if s.StartsAt.IsZero() || s.EndsAt.IsZero() {
		errs = append(errs, "starts_at and ends_at are required")
	} else if !s.EndsAt.After(s.StartsAt) {
		errs = append(errs, fmt.Sprintf("ends_at %s is not after starts_at %s",
			s.EndsAt.Format(time.RFC3339), s.StartsAt.Format(time.RFC3339)))
	} else if !s.EndsAt.After(now) {
		errs = append(errs, fmt.Sprintf("ends_at %s is in the past", s.EndsAt.Format(time.RFC3339)))
	}
	if strings.TrimSpace(s.CreatedBy) == "" {
		errs = append(errs, "created_by is required")
	}
	if strings.TrimSpace(s.Comment) == "" {
		errs = append(errs, "comment is required")
	}
	if len(errs) > 0 {
		return fmt.Errorf("invalid silence: %s", strings.Join(errs, "; "))
	}
	return nil
}
