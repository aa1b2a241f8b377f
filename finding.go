package chiso

import (
	"encoding/json"
	"fmt"
	"math"
)

// Severity is how urgent a finding is.
type Severity string

// The severities, from the least to the most urgent.
const (
	Info     Severity = "info"
	Warning  Severity = "warning"
	Critical Severity = "critical"
)

// Rank orders severities: info 1, warning 2, critical 3, unknown 0.
func (s Severity) Rank() int {
	switch s {
	case Info:
		return 1
	case Warning:
		return 2
	case Critical:
		return 3
	}
	return 0
}

// ParseSeverity reads info, warning or critical.
func ParseSeverity(s string) (Severity, error) {
	if Severity(s).Rank() == 0 {
		return "", fmt.Errorf("unknown severity %q (want info, warning or critical)", s)
	}
	return Severity(s), nil
}

// Status is the verdict of a finding.
type Status string

// The statuses.
const (
	// Fail: the data breaks the rule.
	Fail Status = "fail"
	// Indeterminate: the qualifiers make the verdict unknowable, e.g. "over
	// 95" against a target of 100.
	Indeterminate Status = "indeterminate"
)

// Diagnosis names what a finding says is wrong.
type Diagnosis string

// The diagnoses.
const (
	OutOfRange        Diagnosis = "out_of_range"
	BelowTarget       Diagnosis = "below_target"
	OffTrack          Diagnosis = "off_track"
	ImplausibleChange Diagnosis = "implausible_change"
	UnitSlip          Diagnosis = "unit_slip"
	DefinitionChange  Diagnosis = "definition_change"
	Inconsistent      Diagnosis = "inconsistent"
	Decrease          Diagnosis = "decrease"
	Missing           Diagnosis = "missing"
	Outlier           Diagnosis = "outlier"
)

// PointDiagnosis reports whether the diagnosis is about one period's data
// (so the period is part of an alert's identity) rather than about the
// state of a series (below target, off track, missing, definition change).
func (d Diagnosis) PointDiagnosis() bool {
	switch d {
	case BelowTarget, OffTrack, Missing, DefinitionChange:
		return false
	}
	return true
}

// Finding is what a check returns: one thing wrong, or possibly wrong, with
// the data.
type Finding struct {
	Rule      string    // the rule's alert name
	Group     string    // the rule group
	Check     string    // the check kind, e.g. target
	Diagnosis Diagnosis // what is wrong
	Severity  Severity
	Status    Status
	Indicator string // indicator code; for a consistency finding, the first one named
	Area      string // area code
	// Period is the period the finding is about; zero if none (e.g. a
	// definition change spanning the series).
	Period Period
	// Value is the figure judged, in the indicator's unit; NaN if none.
	Value float64
	// Qualifier is Value's qualifier as published ("trên", "gần" …); Exact
	// when the figure was printed as is or is not a published one.
	Qualifier Qualifier
	// Expected is the bound, target or predicted value it was judged
	// against; NaN if none.
	Expected float64
	// Message explains the finding to a department head in the configured
	// language: names, numbers with units, the comparison, the source.
	// It is empty when Note writes it: read it with Text.
	Message string
	// Note, when not nil, writes the message on demand, so that an
	// evaluation with many findings does not write them all.
	Note Note
	// Source is the publication of the figure judged; empty if none.
	Source string
	// DataID is the highest store sequence number of the observations the
	// finding was computed from: a new revision of that data raises it, so an
	// acknowledgement given at one DataID lapses when the data changes.
	DataID int64
}

// A Note writes the message of a finding when it is asked for. It must be
// safe for concurrent use and hold nothing that changes.
type Note interface {
	Text(f *Finding) string
}

// Text returns the finding's message: Message, or what Note writes.
func (f *Finding) Text() string {
	if f.Message == "" && f.Note != nil {
		return f.Note.Text(f)
	}
	return f.Message
}

// Written returns the finding with its message written out and no Note,
// for keeping: a Note may hold the data of many findings.
func (f Finding) Written() Finding {
	f.Message, f.Note = f.Text(), nil
	return f
}

// findingJSON is the wire form of a Finding: NaN becomes null.
type findingJSON struct {
	Rule      string    `json:"rule"`
	Group     string    `json:"group"`
	Check     string    `json:"check"`
	Diagnosis Diagnosis `json:"diagnosis"`
	Severity  Severity  `json:"severity"`
	Status    Status    `json:"status"`
	Indicator string    `json:"indicator"`
	Area      string    `json:"area"`
	Period    *Period   `json:"period"`
	Value     *float64  `json:"value"`
	Qualifier Qualifier `json:"qualifier,omitempty"`
	Expected  *float64  `json:"expected"`
	Message   string    `json:"message"`
	Source    string    `json:"source,omitempty"`
	DataID    int64     `json:"data_id,omitempty"`
}

func numOrNil(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

// MarshalJSON writes the finding with snake_case keys; a missing value,
// expected value or period is null.
func (f Finding) MarshalJSON() ([]byte, error) {
	w := findingJSON{Rule: f.Rule, Group: f.Group, Check: f.Check, Diagnosis: f.Diagnosis,
		Severity: f.Severity, Status: f.Status, Indicator: f.Indicator, Area: f.Area,
		Value: numOrNil(f.Value), Qualifier: f.Qualifier, Expected: numOrNil(f.Expected), Message: f.Text(),
		Source: f.Source, DataID: f.DataID}
	if !f.Period.IsZero() {
		p := f.Period
		w.Period = &p
	}
	return json.Marshal(w)
}

// UnmarshalJSON reads what MarshalJSON writes.
func (f *Finding) UnmarshalJSON(b []byte) error {
	var w findingJSON
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*f = Finding{Rule: w.Rule, Group: w.Group, Check: w.Check, Diagnosis: w.Diagnosis,
		Severity: w.Severity, Status: w.Status, Indicator: w.Indicator, Area: w.Area,
		Value: math.NaN(), Qualifier: w.Qualifier, Expected: math.NaN(), Message: w.Message, Source: w.Source, DataID: w.DataID}
	if w.Period != nil {
		f.Period = *w.Period
	}
	if w.Value != nil {
		f.Value = *w.Value
	}
	if w.Expected != nil {
		f.Expected = *w.Expected
	}
	return nil
}
