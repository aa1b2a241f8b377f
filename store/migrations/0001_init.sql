-- The catalogue. Rows are upserted by code and never deleted while
-- observations refer to them; version is the catalogue_versions entry of the
-- import that last changed the row.
CREATE TABLE catalogue_versions (
	version INTEGER PRIMARY KEY,
	changed INTEGER NOT NULL,            -- rows inserted or updated
	applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE indicators (
	id INTEGER PRIMARY KEY,
	code TEXT NOT NULL UNIQUE,
	name_vi TEXT NOT NULL,
	name_en TEXT NOT NULL,
	unit TEXT NOT NULL,
	kind TEXT NOT NULL,
	additive INTEGER NOT NULL,
	min REAL,                            -- NULL: unbounded
	max REAL,                            -- NULL: unbounded
	method TEXT NOT NULL,
	concept TEXT NOT NULL,
	description TEXT NOT NULL,
	version INTEGER NOT NULL REFERENCES catalogue_versions(version)
);

CREATE TABLE areas (
	id INTEGER PRIMARY KEY,
	code TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL,
	level TEXT NOT NULL,
	parent TEXT NOT NULL,                -- area code; '' for the country
	gso_code TEXT NOT NULL,
	valid_from TEXT,                     -- YYYY-MM-DD; NULL: always
	valid_to TEXT,                       -- YYYY-MM-DD; NULL: still exists
	version INTEGER NOT NULL REFERENCES catalogue_versions(version)
);

CREATE TABLE lineage (
	from_code TEXT NOT NULL,
	to_code TEXT NOT NULL,
	effective TEXT NOT NULL,             -- YYYY-MM-DD
	kind TEXT NOT NULL,
	version INTEGER NOT NULL REFERENCES catalogue_versions(version),
	PRIMARY KEY (from_code, to_code)
) WITHOUT ROWID;

CREATE TABLE targets (
	indicator TEXT NOT NULL REFERENCES indicators(code),
	area TEXT NOT NULL,                  -- area code or '*'
	period INTEGER NOT NULL,             -- chiso.Period.Key()
	op TEXT NOT NULL,
	value REAL NOT NULL,
	source TEXT NOT NULL,
	version INTEGER NOT NULL REFERENCES catalogue_versions(version),
	PRIMARY KEY (indicator, area, period)
) WITHOUT ROWID;

-- One series per (indicator, area): observations refer to it by integer.
CREATE TABLE series (
	id INTEGER PRIMARY KEY,
	indicator_id INTEGER NOT NULL REFERENCES indicators(id),
	area_id INTEGER NOT NULL REFERENCES areas(id),
	UNIQUE (indicator_id, area_id)
);

-- Source names (file, article, URL), stored once.
CREATE TABLE sources (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL UNIQUE
);

CREATE TABLE imports (
	id INTEGER PRIMARY KEY,
	source TEXT NOT NULL,
	started_at INTEGER NOT NULL,         -- unix ns, from the caller
	finished_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
	added INTEGER NOT NULL DEFAULT 0,
	revised INTEGER NOT NULL DEFAULT 0,
	unchanged INTEGER NOT NULL DEFAULT 0,
	first_id INTEGER NOT NULL DEFAULT 0, -- observation ids written, 0 if none
	last_id INTEGER NOT NULL DEFAULT 0
);

-- Every revision of every figure, append-only; id is the sequence number
-- (chiso.Observation.ID). The columns are checked by the importer rather than
-- by foreign keys, which would cost three lookups a row.
CREATE TABLE observations (
	id INTEGER PRIMARY KEY,
	series_id INTEGER NOT NULL,
	period INTEGER NOT NULL,             -- chiso.Period.Key()
	revision INTEGER NOT NULL,           -- 1, 2, …
	prev_id INTEGER,                     -- the previous revision; NULL for the first
	value REAL NOT NULL,
	qualifier INTEGER NOT NULL,          -- chiso.Qualifier
	raw TEXT,                            -- NULL: none
	source_id INTEGER,                   -- sources.id; NULL: none
	reported_on INTEGER,                 -- unix s; NULL: unknown
	method TEXT,                         -- NULL: the indicator's default
	ingested_at INTEGER NOT NULL,        -- unix ns
	import_id INTEGER NOT NULL
);

-- The latest revision of each cell.
CREATE TABLE current (
	series_id INTEGER NOT NULL,
	period INTEGER NOT NULL,
	obs_id INTEGER NOT NULL,
	PRIMARY KEY (series_id, period)
) WITHOUT ROWID;
