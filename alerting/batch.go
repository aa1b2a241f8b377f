package alerting

import "github.com/chiso-vn/chiso"

// Change is one alert to write: its new state, or its removal.
type Change struct {
	Alert  chiso.Alert
	Delete bool // forget the alert (resolved longer than the retention)
}

// Batch is what one decision writes, all or nothing.
type Batch struct {
	Changes []Change
	Events  []Event
	Acks    []chiso.Acknowledgement
	Queue   []OutboxEntry
	Log     []LogEntry
}

// Empty reports whether the batch writes nothing.
func (b *Batch) Empty() bool {
	return len(b.Changes)+len(b.Events)+len(b.Acks)+len(b.Queue)+len(b.Log) == 0
}
