package rules

import (
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/checks"
	"github.com/chiso-vn/chiso/internal/bounded"
)

// Position is a place in a rule file.
type Position struct {
	File         string
	Line, Column int // 1-based; 0 when unknown
}

// Group is a named set of rules evaluated together on one schedule.
type Group struct {
	Name     string
	Schedule string            // cron expression, robfig syntax, in the configured time zone
	Labels   map[string]string // added to every rule's labels
	// Limit is the most findings each rule of the group may have; a rule
	// with more fails its evaluation and keeps its last findings. 0: no
	// limit.
	Limit int
	Rules []Rule
	Pos   Position
}

// AreaSelector chooses the areas a rule runs on. Empty fields select
// everything; set fields must all match.
type AreaSelector struct {
	Codes  []string        // explicit area codes
	Level  chiso.AreaLevel // country, province, district or commune
	Parent string          // code of the enclosing area
}

// Rule is one check with its alerting metadata.
type Rule struct {
	Alert      string   // the rule's name, unique in its group
	Check      string   // the check kind
	Indicators []string // from indicator: or indicators:; may be empty for kinds that name their own (consistency)
	Areas      AreaSelector
	Severity   chiso.Severity
	// For is how long a finding must persist before its alert fires; zero
	// fires at once.
	For time.Duration
	// KeepFiringFor keeps an alert firing this long after its finding
	// clears; zero resolves at once.
	KeepFiringFor time.Duration
	// AlertIndeterminate makes indeterminate findings alert too; by default
	// they are reported but do not alert.
	AlertIndeterminate bool
	Labels             map[string]string
	Annotations        map[string]string // Go templates over the finding
	Params             checks.Params     // the check kind's own keys
	Pos                Position

	templates map[string]*bounded.Template // Annotations, parsed at load
}
