-- Numbered 0003: 0002 is the store's superseded-revisions migration.
-- Alerting: the current alerts, their history, acknowledgements, silences,
-- the notification outbox and the log of what was queued per receiver and
-- group. Times are UTC text of fixed width (2006-01-02T15:04:05.000000000Z),
-- so that they sort and compare as text; NULL is "never".

CREATE TABLE alerts (
	fingerprint TEXT PRIMARY KEY,
	alertname TEXT NOT NULL,
	grp TEXT NOT NULL,                   -- the rule group
	area TEXT NOT NULL,
	indicator TEXT NOT NULL,
	state TEXT NOT NULL CHECK (state IN ('pending', 'firing', 'resolved')),
	labels TEXT NOT NULL,                -- JSON object
	annotations TEXT NOT NULL,           -- JSON object
	active_at TEXT,
	fired_at TEXT,
	resolved_at TEXT,
	last_eval TEXT,
	keep_firing_since TEXT,
	value REAL,                          -- NULL: none
	expected REAL,                       -- NULL: none
	finding TEXT NOT NULL,               -- JSON of chiso.Finding
	ack_kind TEXT,                       -- NULL: not acknowledged
	ack_by TEXT,
	ack_at TEXT,
	ack_comment TEXT,
	ack_data_id INTEGER
);

CREATE TABLE alert_transitions (
	id INTEGER PRIMARY KEY,
	fingerprint TEXT NOT NULL,
	at TEXT NOT NULL,
	kind TEXT NOT NULL CHECK (kind IN ('transition', 'acknowledged', 'ack_lapsed')),
	from_state TEXT NOT NULL,            -- '' for a new alert
	to_state TEXT NOT NULL,
	alertname TEXT NOT NULL,
	area TEXT NOT NULL,
	indicator TEXT NOT NULL,
	labels TEXT NOT NULL,                -- JSON object
	value REAL,
	data_id INTEGER NOT NULL,
	note TEXT NOT NULL
);
CREATE INDEX alert_transitions_fingerprint ON alert_transitions(fingerprint, at);
CREATE INDEX alert_transitions_at ON alert_transitions(at);

CREATE TABLE acknowledgements (
	id INTEGER PRIMARY KEY,
	fingerprint TEXT NOT NULL,
	kind TEXT NOT NULL CHECK (kind IN ('correct', 'will_be_corrected')),
	by_whom TEXT NOT NULL,
	at TEXT NOT NULL,
	comment TEXT NOT NULL,
	data_id INTEGER NOT NULL
);
CREATE INDEX acknowledgements_fingerprint ON acknowledgements(fingerprint, at);

CREATE TABLE silences (
	id INTEGER PRIMARY KEY,
	matchers TEXT NOT NULL,              -- JSON list of {name, op, value}
	starts_at TEXT NOT NULL,
	ends_at TEXT NOT NULL,
	created_by TEXT NOT NULL,
	comment TEXT NOT NULL,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);

-- The outbox: written in the same transaction as the alert changes that
-- cause its entries.
CREATE TABLE notifications (
	id INTEGER PRIMARY KEY,              -- the idempotency key of the delivery
	receiver TEXT NOT NULL,
	integration TEXT NOT NULL,
	group_key TEXT NOT NULL,
	reason TEXT NOT NULL,
	payload TEXT NOT NULL,               -- JSON of the notification
	attempts INTEGER NOT NULL DEFAULT 0,
	next_attempt TEXT NOT NULL,
	status TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'failed', 'dead')),
	last_error TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL,
	sent_at TEXT
);
CREATE INDEX notifications_due ON notifications(next_attempt) WHERE status IN ('queued', 'failed');

-- What was last queued per receiver and group: de-duplication and
-- repeat_interval survive restarts.
CREATE TABLE notification_log (
	receiver TEXT NOT NULL,
	group_key TEXT NOT NULL,
	firing TEXT NOT NULL,                -- JSON list of fingerprints
	resolved TEXT NOT NULL,              -- JSON list of fingerprints
	at TEXT NOT NULL,
	sent_at TEXT,
	PRIMARY KEY (receiver, group_key)
) WITHOUT ROWID;
