-- Dated ranges of possible values that replace an indicator's min and max
-- for the periods ending within them: DTI ranks run 1–63 until 2025-06-30
-- and 1–34 after the merger of provinces.
CREATE TABLE bounds (
	indicator TEXT NOT NULL REFERENCES indicators(code),
	valid_from TEXT NOT NULL,            -- YYYY-MM-DD; '' for always
	valid_to TEXT,                       -- YYYY-MM-DD; NULL: still valid
	min REAL,                            -- NULL: unbounded
	max REAL,                            -- NULL: unbounded
	version INTEGER NOT NULL REFERENCES catalogue_versions(version),
	PRIMARY KEY (indicator, valid_from)
) WITHOUT ROWID;

-- The days a target is in force: it applies only when in force on its
-- deadline's last day. NULL: no limit on that side.
ALTER TABLE targets ADD COLUMN valid_from TEXT;
ALTER TABLE targets ADD COLUMN valid_to TEXT;
