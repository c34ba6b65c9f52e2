-- How far incident detection has judged each service: the latest minute it
-- judged final and the recovery hold under way, so that a restart judges
-- every minute since and finishes the hold instead of starting it over.
CREATE TABLE detection (
	service     TEXT PRIMARY KEY CHECK (service != ''),
	judged_ms   INTEGER NOT NULL, -- start of the latest minute judged, UTC Unix milliseconds; 0 when none
	up_since_ms INTEGER NOT NULL, -- first up minute of the hold under way, UTC Unix milliseconds; 0 when none
	up_minutes  INTEGER NOT NULL CHECK (up_minutes >= 0) -- up minutes of that hold so far
) WITHOUT ROWID;

-- The outbox's queues: the alerts of one key to one receiver in order, for
-- finding whether an earlier one is still pending.
CREATE INDEX outbox_queue ON outbox (dedup_key, receiver, id) WHERE state = 'pending';

-- The ledger's latest period per contract, for the period close.
CREATE INDEX credits_contract_end ON credits (contract, period_end_ms);
