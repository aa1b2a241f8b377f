-- Other names departments write for an indicator or an area (Trạm BTS,
-- Tỉnh Điện Biên), matched when a file names one: a JSON array of strings,
-- '[]' for none.
ALTER TABLE indicators ADD COLUMN aliases TEXT NOT NULL DEFAULT '[]';
ALTER TABLE areas ADD COLUMN aliases TEXT NOT NULL DEFAULT '[]';

-- An indicator whose values are whole numbers although its kind (ratio,
-- money …) does not say so: 1 marks it; counts and ranks always are.
ALTER TABLE indicators ADD COLUMN integral INTEGER NOT NULL DEFAULT 0;

-- What a target asks, in each language, beside the decision that set it.
ALTER TABLE targets ADD COLUMN description_vi TEXT NOT NULL DEFAULT '';
ALTER TABLE targets ADD COLUMN description_en TEXT NOT NULL DEFAULT '';
