-- Manual exclusions: time a contract excludes from its SLA (customer-caused
-- downtime, force majeure, an incident ruled out), entered by a person with
-- a reason. Rows are never deleted: a withdrawn exclusion is cancelled, and
-- both the entry and the cancellation are in the audit log.
CREATE TABLE exclusions (
	id           INTEGER PRIMARY KEY,
	contract     TEXT NOT NULL,
	start_ms     INTEGER NOT NULL, -- UTC Unix milliseconds, inclusive
	end_ms       INTEGER NOT NULL, -- UTC Unix milliseconds, exclusive
	reason       TEXT NOT NULL,
	actor        TEXT NOT NULL,    -- who entered it
	created_ms   INTEGER NOT NULL, -- UTC Unix milliseconds
	cancelled_ms INTEGER,          -- UTC Unix milliseconds; NULL while in force
	cancelled_by TEXT,
	cancel_reason TEXT,
	CHECK (start_ms < end_ms),
	CHECK (reason != '')
);

CREATE INDEX exclusions_contract ON exclusions (contract, start_ms);
