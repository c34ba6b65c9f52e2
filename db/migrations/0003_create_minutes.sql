-- Per-minute history, the evidence kept for years (Options.HistoryRetention).
--
-- One row per check per UTC day, not one per minute: data holds, for every
-- location that reported that day, the sla.LocationMinute of each of the 1,440
-- minutes, run-length encoded (see minutes.go for the format). Most minutes
-- repeat the one before, so a day is usually a few dozen bytes.
CREATE TABLE minutes (
	check_id INTEGER NOT NULL REFERENCES checks (id),
	day      INTEGER NOT NULL, -- UTC day: floor(Unix milliseconds / 86,400,000)
	data     BLOB NOT NULL,    -- encoded day, see minutes.go
	PRIMARY KEY (check_id, day)
) WITHOUT ROWID;
