-- chiso on PostgreSQL: the same data as the SQLite store, laid out for
-- set-based imports. Text columns use the "C" collation: codes, names and
-- times sort by their bytes, as in SQLite, whatever the database's locale. Ids of the catalogue, series, sources, methods, imports
-- and observations are assigned by the store (the largest plus one, under
-- the writer lock, pgstore.writerLock), so that they have no gaps and a
-- copy from SQLite keeps them.

CREATE TABLE catalogue_versions (
	version bigint PRIMARY KEY,
	changed integer NOT NULL,            -- rows inserted or updated
	applied_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE indicators (
	id bigint PRIMARY KEY,
	code text COLLATE "C" NOT NULL UNIQUE,
	name_vi text COLLATE "C" NOT NULL,
	name_en text COLLATE "C" NOT NULL,
	unit text COLLATE "C" NOT NULL,
	kind text COLLATE "C" NOT NULL,
	additive boolean NOT NULL,
	min double precision,                -- NULL: unbounded
	max double precision,                -- NULL: unbounded
	method text COLLATE "C" NOT NULL,
	concept text COLLATE "C" NOT NULL,
	description text COLLATE "C" NOT NULL,
	aliases text COLLATE "C" NOT NULL DEFAULT '[]',  -- JSON array of other names
	integral boolean NOT NULL DEFAULT false,
	version bigint NOT NULL REFERENCES catalogue_versions(version)
);

CREATE TABLE areas (
	id bigint PRIMARY KEY,
	code text COLLATE "C" NOT NULL UNIQUE,
	name text COLLATE "C" NOT NULL,
	level text COLLATE "C" NOT NULL,
	parent text COLLATE "C" NOT NULL,                -- area code; '' for the country
	gso_code text COLLATE "C" NOT NULL,
	valid_from text COLLATE "C",                     -- YYYY-MM-DD; NULL: always
	valid_to text COLLATE "C",                       -- YYYY-MM-DD; NULL: still exists
	aliases text COLLATE "C" NOT NULL DEFAULT '[]',
	version bigint NOT NULL REFERENCES catalogue_versions(version)
);

CREATE TABLE lineage (
	from_code text COLLATE "C" NOT NULL,
	to_code text COLLATE "C" NOT NULL,
	effective text COLLATE "C" NOT NULL,             -- YYYY-MM-DD
	kind text COLLATE "C" NOT NULL,
	version bigint NOT NULL REFERENCES catalogue_versions(version),
	PRIMARY KEY (from_code, to_code)
);

CREATE TABLE targets (
	indicator text COLLATE "C" NOT NULL REFERENCES indicators(code),
	area text COLLATE "C" NOT NULL,                  -- area code or '*'
	period integer NOT NULL,             -- chiso.Period.Key()
	op text COLLATE "C" NOT NULL,
	value double precision NOT NULL,
	source text COLLATE "C" NOT NULL,
	description_vi text COLLATE "C" NOT NULL DEFAULT '',
	description_en text COLLATE "C" NOT NULL DEFAULT '',
	valid_from text COLLATE "C",                     -- YYYY-MM-DD; NULL: no limit
	valid_to text COLLATE "C",
	version bigint NOT NULL REFERENCES catalogue_versions(version),
	PRIMARY KEY (indicator, area, period)
);

CREATE TABLE bounds (
	indicator text COLLATE "C" NOT NULL REFERENCES indicators(code),
	valid_from text COLLATE "C" NOT NULL,            -- YYYY-MM-DD; '' for always
	valid_to text COLLATE "C",                       -- YYYY-MM-DD; NULL: still valid
	min double precision,
	max double precision,
	version bigint NOT NULL REFERENCES catalogue_versions(version),
	PRIMARY KEY (indicator, valid_from)
);

-- Source names (file, article, URL), stored once, and what the catalogue
-- says of them; described marks the sources the catalogue describes.
CREATE TABLE sources (
	id integer PRIMARY KEY,
	name text COLLATE "C" NOT NULL UNIQUE,
	title text COLLATE "C" NOT NULL DEFAULT '',
	publisher text COLLATE "C" NOT NULL DEFAULT '',
	published text COLLATE "C",                      -- YYYY-MM-DD
	url text COLLATE "C" NOT NULL DEFAULT '',
	described boolean NOT NULL DEFAULT false
);

-- Method tags, stored once; 0 (no row) is the indicator's default.
CREATE TABLE methods (
	id integer PRIMARY KEY CHECK (id > 0),
	name text COLLATE "C" NOT NULL UNIQUE CHECK (name <> '')
);

-- One series per (indicator, area).
CREATE TABLE series (
	id integer PRIMARY KEY,
	indicator_id bigint NOT NULL REFERENCES indicators(id),
	area_id bigint NOT NULL REFERENCES areas(id),
	UNIQUE (indicator_id, area_id)
);

CREATE TABLE imports (
	id bigint PRIMARY KEY,
	source text COLLATE "C" NOT NULL,
	started_at bigint NOT NULL,          -- unix ns, from the caller
	finished_at timestamptz NOT NULL DEFAULT clock_timestamp(),
	added integer NOT NULL DEFAULT 0,
	revised integer NOT NULL DEFAULT 0,
	unchanged integer NOT NULL DEFAULT 0,
	first_id bigint NOT NULL DEFAULT 0,  -- observation ids written, 0 if none
	last_id bigint NOT NULL DEFAULT 0
);

-- Every revision of every figure, append-only; id is the sequence number
-- (chiso.Observation.ID). The importer checks the references, as the
-- SQLite store does: foreign keys would cost three lookups a row.
CREATE TABLE observations (
	id bigint PRIMARY KEY,
	series_id integer NOT NULL,
	period integer NOT NULL,             -- chiso.Period.Key()
	revision integer NOT NULL,           -- 1, 2, …
	prev_id bigint,                      -- the previous revision; NULL for the first
	value double precision NOT NULL,
	qualifier smallint NOT NULL,         -- chiso.Qualifier
	raw text COLLATE "C",                            -- NULL: none
	source_id integer NOT NULL,          -- sources.id; 0: none
	reported_on bigint,                  -- unix s; NULL: unknown
	method_id integer NOT NULL,          -- methods.id; 0: the indicator's default
	ingested_at bigint NOT NULL,         -- unix ns
	import_id bigint NOT NULL
);
-- The revisions a later one replaced: Scan skips them.
CREATE INDEX observations_superseded ON observations(prev_id) WHERE prev_id IS NOT NULL;

-- The current figure of each cell, the engine's full load in one ordered
-- read.
CREATE TABLE current (
	series_id integer NOT NULL,
	period integer NOT NULL,
	obs_id bigint NOT NULL,
	revision integer NOT NULL,
	value double precision NOT NULL,
	qualifier smallint NOT NULL,
	source_id integer NOT NULL,
	method_id integer NOT NULL,
	PRIMARY KEY (series_id, period)
);

-- Alerting, as in the SQLite store. Times are UTC text of fixed width
-- (2006-01-02T15:04:05.000000000Z), which keeps nanoseconds and sorts as
-- text; NULL is "never".
CREATE TABLE alerts (
	fingerprint text COLLATE "C" PRIMARY KEY,
	alertname text COLLATE "C" NOT NULL,
	grp text COLLATE "C" NOT NULL,
	area text COLLATE "C" NOT NULL,
	indicator text COLLATE "C" NOT NULL,
	state text COLLATE "C" NOT NULL CHECK (state IN ('pending', 'firing', 'resolved')),
	labels text COLLATE "C" NOT NULL,
	annotations text COLLATE "C" NOT NULL,
	active_at text COLLATE "C",
	fired_at text COLLATE "C",
	resolved_at text COLLATE "C",
	last_eval text COLLATE "C",
	keep_firing_since text COLLATE "C",
	value double precision,
	expected double precision,
	finding text COLLATE "C" NOT NULL,
	ack_kind text COLLATE "C",
	ack_by text COLLATE "C",
	ack_at text COLLATE "C",
	ack_comment text COLLATE "C",
	ack_data_id bigint,
	resolved_because text COLLATE "C" NOT NULL DEFAULT ''
);

CREATE TABLE alert_transitions (
	id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	fingerprint text COLLATE "C" NOT NULL,
	at text COLLATE "C" NOT NULL,
	kind text COLLATE "C" NOT NULL CHECK (kind IN ('transition', 'acknowledged', 'ack_lapsed')),
	from_state text COLLATE "C" NOT NULL,
	to_state text COLLATE "C" NOT NULL,
	alertname text COLLATE "C" NOT NULL,
	area text COLLATE "C" NOT NULL,
	indicator text COLLATE "C" NOT NULL,
	labels text COLLATE "C" NOT NULL,
	value double precision,
	data_id bigint NOT NULL,
	note text COLLATE "C" NOT NULL
);
CREATE INDEX alert_transitions_fingerprint ON alert_transitions(fingerprint, at);
CREATE INDEX alert_transitions_at ON alert_transitions(at);

CREATE TABLE acknowledgements (
	id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	fingerprint text COLLATE "C" NOT NULL,
	kind text COLLATE "C" NOT NULL CHECK (kind IN ('correct', 'will_be_corrected')),
	by_whom text COLLATE "C" NOT NULL,
	at text COLLATE "C" NOT NULL,
	comment text COLLATE "C" NOT NULL,
	data_id bigint NOT NULL
);
CREATE INDEX acknowledgements_fingerprint ON acknowledgements(fingerprint, at);

CREATE TABLE silences (
	id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	matchers text COLLATE "C" NOT NULL,
	starts_at text COLLATE "C" NOT NULL,
	ends_at text COLLATE "C" NOT NULL,
	created_by text COLLATE "C" NOT NULL,
	comment text COLLATE "C" NOT NULL,
	created_at text COLLATE "C" NOT NULL,
	updated_at text COLLATE "C" NOT NULL
);

-- The outbox; id is the idempotency key of the delivery.
CREATE TABLE notifications (
	id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	receiver text COLLATE "C" NOT NULL,
	integration text COLLATE "C" NOT NULL,
	group_key text COLLATE "C" NOT NULL,
	reason text COLLATE "C" NOT NULL,
	payload text COLLATE "C" NOT NULL,
	attempts integer NOT NULL DEFAULT 0,
	next_attempt text COLLATE "C" NOT NULL,
	status text COLLATE "C" NOT NULL CHECK (status IN ('queued', 'sent', 'failed', 'dead')),
	last_error text COLLATE "C" NOT NULL DEFAULT '',
	created_at text COLLATE "C" NOT NULL,
	sent_at text COLLATE "C"
);
CREATE INDEX notifications_due ON notifications(next_attempt) WHERE status IN ('queued', 'failed');

CREATE TABLE notification_log (
	receiver text COLLATE "C" NOT NULL,
	group_key text COLLATE "C" NOT NULL,
	firing text COLLATE "C" NOT NULL,
	resolved text COLLATE "C" NOT NULL,
	at text COLLATE "C" NOT NULL,
	sent_at text COLLATE "C",
	PRIMARY KEY (receiver, group_key)
);
