-- What the catalogue says of a source (sources.name is the id observations
-- cite): its title, publisher, date (YYYY-MM-DD) and link; empty if unknown.
-- described is 1 for a source the catalogue describes, 0 for one only cited.
ALTER TABLE sources ADD COLUMN title TEXT NOT NULL DEFAULT '';
ALTER TABLE sources ADD COLUMN publisher TEXT NOT NULL DEFAULT '';
ALTER TABLE sources ADD COLUMN published TEXT;
ALTER TABLE sources ADD COLUMN url TEXT NOT NULL DEFAULT '';
ALTER TABLE sources ADD COLUMN described INTEGER NOT NULL DEFAULT 0;
