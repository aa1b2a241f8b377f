-- The current figure of each cell, kept per series as columns: series_cells
-- held only the (period, observation id) of each cell, so a full load read
-- every current figure from observations, five column reads a row. cells
-- is a blob of columns (periods, ids, values, revisions, qualifiers,
-- sources, methods; cellblob.go describes it) and n its number of cells. An
-- import rewrites each series it touches once, as before. Go code
-- (convertFigures) fills it from series_cells and observations in the same
-- transaction and then drops series_cells.
CREATE TABLE series_figures (
	series_id INTEGER PRIMARY KEY,
	n INTEGER NOT NULL,
	cells BLOB NOT NULL
);

-- Method tags, stored once: series_figures refers to them by id, 0 being
-- the indicator's default. observations keeps the tag itself.
CREATE TABLE methods (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL UNIQUE CHECK (name <> '')
);
