-- The audit log: every write to chiso, and every refused one. token is the
-- token's name, never its value; areas a JSON array of area codes.
CREATE TABLE audit (
	id      INTEGER PRIMARY KEY AUTOINCREMENT,
	at      TEXT NOT NULL,
	token   TEXT NOT NULL,
	remote  TEXT NOT NULL,
	action  TEXT NOT NULL,
	target  TEXT NOT NULL,
	areas   TEXT NOT NULL,
	outcome TEXT NOT NULL,
	detail  TEXT NOT NULL
);
CREATE INDEX audit_at ON audit(at);
