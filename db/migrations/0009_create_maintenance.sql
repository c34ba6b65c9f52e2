-- Maintenance windows announced at run time (the configuration holds the
-- others). The announcement time is when the row was written: a window
-- counts as an SLA exclusion only when it was announced early enough, so the
-- store, not the caller, says when that was. Cancelled windows stay.
CREATE TABLE maintenance (
	id            INTEGER PRIMARY KEY,
	services      TEXT NOT NULL,    -- JSON list of service ids
	title         TEXT NOT NULL,
	start_ms      INTEGER NOT NULL, -- UTC Unix milliseconds, inclusive
	end_ms        INTEGER NOT NULL, -- UTC Unix milliseconds, exclusive
	announced_ms  INTEGER NOT NULL, -- UTC Unix milliseconds, when it was recorded
	actor         TEXT NOT NULL,
	cancelled_ms  INTEGER,          -- NULL while planned
	cancelled_by  TEXT,
	CHECK (start_ms < end_ms),
	CHECK (title != '')
);
