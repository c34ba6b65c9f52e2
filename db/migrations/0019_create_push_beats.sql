-- The latest heartbeat of each push check, kept in the store rather than
-- in the memory of the server that received it, so that every replica
-- judges a push check by the heartbeats any replica received, and a
-- restart loses none. One row per check, replaced by each later heartbeat
-- (the time never moves back): the judgement needs only the latest.
CREATE TABLE push_beats (
	check_id TEXT PRIMARY KEY CHECK (check_id != ''),
	at_ms    INTEGER NOT NULL CHECK (at_ms > 0), -- when the receiving server took it, UTC Unix milliseconds
	down     INTEGER NOT NULL DEFAULT 0 CHECK (down IN (0, 1)), -- 1 when it reported the service down
	msg      TEXT NOT NULL DEFAULT '' CHECK (length(CAST(msg AS BLOB)) <= 160) -- its message
) WITHOUT ROWID;
