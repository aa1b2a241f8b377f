package chiso

import "time"

// AuditEntry is one write to chiso, or one refused: who (the token's name,
// never its value), from where, what and how it ended. The audit log keeps
// them for the configured time.
type AuditEntry struct {
	// ID is the log's sequence number, increasing with every entry; zero
	// before it is stored.
	ID int64 `json:"id"`
	// At is when the write was decided.
	At time.Time `json:"at"`
	// Token names the token the request carried; empty when it carried no
	// valid one. Writes that no token makes name their channel in
	// brackets: [drop_folder], [watch], [signal].
	Token string `json:"token"`
	// Remote is the client's address (host:port); empty for local writes.
	Remote string `json:"remote,omitempty"`
	// Action is import, ack, silence_add, silence_expire, reload,
	// test_receiver, audit_read or catalogue_import (chiso catalogue
	// import, on the database file).
	Action string `json:"action"`
	// Target is what the write was about: a file's name and source, an
	// alert's fingerprint, a silence's id, a receiver; empty for reload.
	Target string `json:"target,omitempty"`
	// Areas are the areas the write touched or asked for; nil when it
	// names none.
	Areas []string `json:"areas,omitempty"`
	// Outcome is ok, dry_run, denied (out of the token's scope),
	// unauthenticated (no valid token) or failed.
	Outcome string `json:"outcome"`
	// Detail says more: an import's counts, why a write was refused or
	// failed; empty when there is nothing to add.
	Detail string `json:"detail,omitempty"`
}

// The outcomes of audited writes.
const (
	AuditOK              = "ok"
	AuditDryRun          = "dry_run"
	AuditDenied          = "denied"
	AuditUnauthenticated = "unauthenticated"
	AuditFailed          = "failed"
)

// AuditFilter selects entries of the audit log. Zero fields select all.
type AuditFilter struct {
	Since, Until time.Time // At ≥ Since, At < Until
	Token        string
	Action       string
	Outcome      string
	// Before returns only entries with an ID below it (the previous
	// page's last); zero: from the newest.
	Before int64
	// Limit is the most entries returned; zero or less: all.
	Limit int
}

// Matches reports whether the entry is one the filter selects, ignoring
// Before and Limit.
func (f AuditFilter) Matches(e AuditEntry) bool {
	return (f.Since.IsZero() || !e.At.Before(f.Since)) && (f.Until.IsZero() || e.At.Before(f.Until)) &&
		(f.Token == "" || e.Token == f.Token) && (f.Action == "" || e.Action == f.Action) &&
		(f.Outcome == "" || e.Outcome == f.Outcome)
}
