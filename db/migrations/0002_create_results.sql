-- Raw probe results, kept for a short window (Options.RawRetention).
--
-- One row per run, keyed by its idempotency key (check, run start, location):
-- a retried write of the same run is ignored. WITHOUT ROWID stores the row in
-- the primary-key b-tree itself, with no separate rowid index, and the key
-- order (check first, then time) keeps one check's runs together on disk, so
-- appending and range reads touch few pages. Every column is a small integer;
-- the row is about 20 bytes.
CREATE TABLE results (
	check_id    INTEGER NOT NULL REFERENCES checks (id),
	at_ms       INTEGER NOT NULL, -- run start, UTC Unix milliseconds
	location_id INTEGER NOT NULL REFERENCES locations (id),
	ok          INTEGER NOT NULL, -- 1 when every condition held, else 0
	latency_us  INTEGER NOT NULL, -- total duration of the run, microseconds
	class_id    INTEGER NOT NULL, -- classes.id; 0 when the run has no failure class
	PRIMARY KEY (check_id, at_ms, location_id)
) WITHOUT ROWID;

-- The human-readable detail of a result, stored only when it is not empty
-- (usually failures), so passing runs pay nothing for it.
CREATE TABLE result_details (
	check_id    INTEGER NOT NULL,
	at_ms       INTEGER NOT NULL, -- run start, UTC Unix milliseconds
	location_id INTEGER NOT NULL,
	detail      TEXT NOT NULL,
	PRIMARY KEY (check_id, at_ms, location_id),
	FOREIGN KEY (check_id, at_ms, location_id)
		REFERENCES results (check_id, at_ms, location_id) ON DELETE CASCADE
) WITHOUT ROWID;
