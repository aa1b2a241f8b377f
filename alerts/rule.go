package alerts

import (
	"time"

	"github.com/chiso-vn/chiso"
)

// Group is what alerting needs of a rule group: its name, the labels it
// adds to every alert of its rules, and its rules.
type Group struct {
	Name   string
	Labels map[string]string // added to every alert of the group; the rule's and chiso's own win
	Rules  []Rule
}

// Rule is what alerting needs of a rule: the name its findings and alerts
// carry, its timing, its labels and how it writes annotations.
type Rule struct {
	Name string // the alertname, unique in its group
	// For is how long a finding must hold before its alert fires; zero
	// fires at once.
	For time.Duration
	// KeepFiringFor keeps an alert firing this long after its finding
	// clears; zero resolves at once.
	KeepFiringFor time.Duration
	// AlertIndeterminate makes the rule's indeterminate findings alert;
	// false: they do not.
	AlertIndeterminate bool
	Labels             map[string]string // added to the alert's labels; chiso's own win
	// Finds is what the rule finds (its check, indicators, areas,
	// severity, parameters), compared with reflect.DeepEqual between two
	// sets of rules: when it differs, an alert the rule stops finding
	// resolves as "rule changed". Nil equals nil.
	Finds any
	// Annotate writes the annotations of an alert of the rule; nil writes
	// none, and summary and description default to the finding's message.
	Annotate Annotator
}

// Annotator writes the annotations of a finding's alert, whose labels are
// given, in lang ("vi" or "en"), naming areas and indicators from the
// catalogue (nil: none known). An annotation cut at a bound or failed keeps
// what it wrote or its error text, and the error is returned with the
// annotations: the alert goes on with them. Errors may be joined.
type Annotator func(f chiso.Finding, cat *chiso.Catalogue, labels map[string]string, lang string) (map[string]string, error)
