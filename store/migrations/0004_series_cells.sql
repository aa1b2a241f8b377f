-- The current revision of each cell, kept as one row per series instead of
-- one row per cell: cells is a blob of (period int32, observation id int64)
-- pairs, little-endian, sorted by period. An import rewrites each series it
-- touches once, instead of inserting a row per figure into current, which
-- cost a third of a bulk import. Go code (convertCurrent) fills it from
-- current in the same transaction and then drops current.
CREATE TABLE series_cells (
	series_id INTEGER PRIMARY KEY,
	cells BLOB NOT NULL
);
