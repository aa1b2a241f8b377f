package alerting

import (
	"encoding/json"
	"math"
	"time"

	"github.com/chiso-vn/chiso"
)

// EventKind says what an Event records.
type EventKind string

// The event kinds of an alert's history.
const (
	EventTransition   EventKind = "transition"   // the state changed
	EventAcknowledged EventKind = "acknowledged" // a data steward acknowledged it
	EventAckLapsed    EventKind = "ack_lapsed"   // the data got a new revision
)

// Event is one entry of an alert's history.
type Event struct {
	ID          int64 // store sequence; zero before it is stored
	Fingerprint string
	At          time.Time
	Kind        EventKind
	From, To    chiso.AlertState // From is empty for a new alert
	Labels      map[string]string
	Value       float64 // the finding's value; NaN if none
	DataID      int64
	Note        string // for acknowledgements: kind, who and the comment
}

// HistoryFilter selects alert events; zero fields select everything.
type HistoryFilter struct {
	Fingerprint string
	Alertname   string
	Area        string
	Indicator   string
	Kind        EventKind
	Since       time.Time // inclusive
	Until       time.Time // exclusive
	Limit       int       // newest first; zero means 1000
	// After is the last event of the previous page: only events after it
	// in the newest-first order (older ones) are returned; zero starts
	// at the newest.
	After EventPosition
}

// EventPosition is where an event lies in the history's newest-first
// order: by time, then by id.
type EventPosition struct {
	At time.Time
	ID int64
}

// MarshalJSON writes the event with snake_case keys; a missing value is
// null.
func (e Event) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		ID          int64             `json:"id"`
		Fingerprint string            `json:"fingerprint"`
		At          time.Time         `json:"at"`
		Kind        EventKind         `json:"kind"`
		From        chiso.AlertState  `json:"from"`
		To          chiso.AlertState  `json:"to"`
		Labels      map[string]string `json:"labels"`
		Value       *float64          `json:"value"`
		DataID      int64             `json:"data_id"`
		Note        string            `json:"note,omitempty"`
	}{e.ID, e.Fingerprint, e.At, e.Kind, e.From, e.To, e.Labels, valueOrNil(e.Value), e.DataID, e.Note})
}

// valueOrNil is v, or nil for NaN and infinities, which JSON cannot write.
func valueOrNil(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}
