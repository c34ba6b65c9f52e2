-- The latest heartbeat of each push check, kept in the store rather than
-- in the memory of the replica that received it, so that every replica
-- judges a push check by the heartbeats any replica received, and a
-- restart or a change of leader loses none. One row per check, replaced
-- by each later heartbeat (the time never moves back): the judgement
-- needs only the latest.
CREATE TABLE push_beats (
	check_id text PRIMARY KEY CHECK (check_id <> ''),
	at_ms    bigint NOT NULL CHECK (at_ms > 0), -- when the receiving replica took it, UTC Unix milliseconds
	down     boolean NOT NULL DEFAULT false, -- it reported the service down
	msg      text NOT NULL DEFAULT '' CHECK (octet_length(msg) <= 160) -- its message
);
