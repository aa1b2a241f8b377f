package chiso

import "time"

// AlertState is where an alert is in its life.
type AlertState string

// The alert states, as in Prometheus.
const (
	// Pending: the finding holds, but not yet for the rule's `for`.
	Pending AlertState = "pending"
	// Firing: the finding has held for `for`; receivers are told.
	Firing AlertState = "firing"
	// Resolved: the finding cleared (and keep_firing_for ran out).
	Resolved AlertState = "resolved"
)

// Alert is a finding followed over time. Its identity is its Fingerprint,
// computed from the identity labels: rule, area, indicator, and the period
// for point diagnoses (chiso.Diagnosis.PointDiagnosis).
type Alert struct {
	Fingerprint string
	// Labels identify and route the alert: alertname, group, severity,
	// diagnosis, status, indicator, area, (period), plus the rule's and the
	// group's labels.
	Labels map[string]string
	// Annotations are the rule's rendered templates; "summary" and
	// "description" are always set.
	Annotations map[string]string
	State       AlertState
	ActiveAt    time.Time // when the finding was first seen; zero if never
	FiredAt     time.Time // when it last started firing; zero if never
	ResolvedAt  time.Time // when it last resolved; zero if not resolved
	// ResolvedBecause says why it last resolved; empty if not resolved or
	// not known (resolved before chiso recorded it).
	ResolvedBecause ResolveReason
	LastEval        time.Time // the evaluation that last saw the finding
	// KeepFiringSince is when the finding cleared while keep_firing_for
	// holds the alert firing; zero otherwise.
	KeepFiringSince time.Time
	Value, Expected float64 // of the latest finding; NaN if none
	Finding         Finding // the latest finding
	// Ack is the data steward's acknowledgement, nil if none. It holds only
	// while the finding's DataID is the one acknowledged.
	Ack *Acknowledgement
}

// ResolveReason says why an alert resolved.
type ResolveReason string

// The reasons an alert resolves.
const (
	// ResolvedRevised: the figure judged got a newer revision (a
	// correction) and the finding no longer holds.
	ResolvedRevised ResolveReason = "revised"
	// ResolvedNewData: other figures arrived (a later period, a part of a
	// sum) and changed the verdict; the figure judged is as it was.
	ResolvedNewData ResolveReason = "new_data"
	// ResolvedRuleChanged: a reload removed or changed the rule.
	ResolvedRuleChanged ResolveReason = "rule_changed"
)

// AckKind is what a data steward says of a finding.
type AckKind string

// The acknowledgement kinds.
const (
	AckCorrect       AckKind = "correct"           // reviewed: the figure is right, stop alerting
	AckWillBeCorrect AckKind = "will_be_corrected" // the figure is wrong and a correction is coming
)

// Acknowledgement is a data steward's word on an alert, valid for the
// revision of the data it was given on.
type Acknowledgement struct {
	Fingerprint string
	Kind        AckKind
	By          string
	At          time.Time
	Comment     string
	// DataID is the Finding.DataID acknowledged: a new revision of the data
	// raises the finding's DataID and the acknowledgement lapses.
	DataID int64
}
