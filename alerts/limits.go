package alerts

import "errors"

// DefaultMaxSilences is how many silences may be active or pending at
// once unless alerting.silences.max_active says otherwise.
const DefaultMaxSilences = 1000

// ErrTooManySilences is wrapped by the error of a silence added beyond
// the configured number of active and pending silences.
var ErrTooManySilences = errors.New("too many silences")

// SilenceLimits bound the silences of the alerting section.
type SilenceLimits struct {
	// MaxActive is how many silences may be active or pending at once;
	// zero means DefaultMaxSilences. Expired ones do not count.
	MaxActive int `yaml:"max_active"`
}
