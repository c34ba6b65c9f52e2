-- The alert outbox: every notification slate owes a receiver, written in the
-- same transaction as the state change that caused it, then delivered (at
-- least once) by the alert sender, which records every attempt here. Rows are
-- never deleted by the sender, so the history of a delivery survives
-- restarts; state says where each one is.
CREATE TABLE outbox (
	id         INTEGER PRIMARY KEY,          -- assigned on enqueue, in order
	dedup_key  TEXT NOT NULL,                -- stable per incident or rule, 'incident/42'; receivers dedupe on it
	receiver   TEXT NOT NULL,                -- receiver name from the configuration
	kind       TEXT NOT NULL,                -- 'trigger', 'resolve', 'heartbeat', ...
	payload    BLOB NOT NULL,                -- the event as receiver-neutral JSON
	created_ms INTEGER NOT NULL,             -- when it was enqueued, UTC Unix milliseconds
	attempts   INTEGER NOT NULL DEFAULT 0,   -- delivery attempts recorded so far
	next_ms    INTEGER NOT NULL,             -- when the next attempt is due, UTC Unix milliseconds
	state      TEXT NOT NULL DEFAULT 'pending'
	           CHECK (state IN ('pending', 'delivered', 'failed')),
	last_error TEXT NOT NULL DEFAULT ''      -- error of the latest failed attempt; '' if none
);

-- The sender's query: pending rows in order of when they are due.
CREATE INDEX outbox_due ON outbox (next_ms, id) WHERE state = 'pending';
CREATE INDEX outbox_key ON outbox (dedup_key, receiver);

-- One row per delivery attempt, appended by RecordAttempt.
CREATE TABLE outbox_attempts (
	alert_id INTEGER NOT NULL REFERENCES outbox (id),
	at_ms    INTEGER NOT NULL, -- when the attempt was made, UTC Unix milliseconds
	outcome  TEXT NOT NULL,    -- 'delivered', 'retry' or 'gave_up'
	status   INTEGER NOT NULL, -- HTTP status code of the answer; 0 when there was none
	error    TEXT NOT NULL     -- why it failed; '' when delivered
);

CREATE INDEX outbox_attempts_alert ON outbox_attempts (alert_id, at_ms);
