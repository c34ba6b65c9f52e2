-- Leadership leases: one row per named role (the leader of the singleton
-- jobs). expires_ms is read and written by SQLite's own clock, the
-- database's 'now', never by a caller's, so every process sharing the file
-- judges a lease by the same clock.
CREATE TABLE leases (
	name       TEXT PRIMARY KEY,
	holder     TEXT NOT NULL,
	epoch      INTEGER NOT NULL CHECK (epoch > 0), -- 1, then one more each time the lease is taken anew
	expires_ms INTEGER NOT NULL                    -- UTC Unix milliseconds by the database's clock
);

-- Outbox claims: a sender claims due alerts before it attempts them, so two
-- senders never attempt the same alert at once. A claim lapses at
-- claimed_until_ms (the sender died mid-attempt) and ends with the attempt's
-- record.
ALTER TABLE outbox ADD COLUMN claim TEXT NOT NULL DEFAULT '';           -- token of the claim; '' when none
ALTER TABLE outbox ADD COLUMN claimed_until_ms INTEGER NOT NULL DEFAULT 0; -- UTC Unix milliseconds; 0 when none
