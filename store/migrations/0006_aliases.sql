-- Other names departments write for an indicator or an area (Trạm BTS,
-- Tỉnh Điện Biên), matched when a file names one: a JSON array of strings,
-- '[]' for none.
ALTER TABLE indicators ADD COLUMN aliases TEXT NOT NULL DEFAULT '[]';
ALTER TABLE areas ADD COLUMN aliases TEXT NOT NULL DEFAULT '[]';
