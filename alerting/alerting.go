// Package alerting holds what alerting persists and any store of it
// speaks: silences and their label matchers, the alert history, the outbox
// of notifications, the notification log, and the batch one decision
// writes. Of the project it imports only the domain and internal/clip, so
// that a store of alerts needs neither the alerts package nor the rules.
package alerting

import "errors"

// The labels chiso puts on every alert.
const (
	LabelAlertname = "alertname"
	LabelGroup     = "group"
	LabelSeverity  = "severity"
	LabelDiagnosis = "diagnosis"
	LabelStatus    = "status"
	LabelIndicator = "indicator"
	LabelArea      = "area"
	LabelPeriod    = "period" // point diagnoses only
)

// ErrNotFound is returned for an unknown alert or silence.
var ErrNotFound = errors.New("not found")
