-- How a ledger entry's credit is stated in its contract: a days contract's
-- credit in days of service, a proportional contract's multiplier. Entries
-- recorded before this migration have '' (unknown): statements then show the
-- credit as a percentage of the fee.
ALTER TABLE credits ADD COLUMN credit_days TEXT NOT NULL DEFAULT '';       -- decimal days of service; '' unless a days contract
ALTER TABLE credits ADD COLUMN credit_multiplier TEXT NOT NULL DEFAULT ''; -- decimal; '' unless proportional

-- Confirmed e-mail subscriptions. An address is personal data: it is stored
-- here and nowhere else (never in the outbox's dedup keys or in logs).
-- A subscription is written only after its address confirmed it (double
-- opt-in); until then it lives only in the signed confirmation link.
CREATE TABLE subscribers (
	id           INTEGER PRIMARY KEY,
	address      TEXT NOT NULL,    -- normalised: trimmed, domain in lower case
	page         TEXT NOT NULL,    -- '' for the public page, else the tenant's ID
	components   TEXT NOT NULL,    -- JSON array of service IDs; [] for every component
	confirmed_ms INTEGER NOT NULL, -- UTC Unix milliseconds of the latest confirmation
	UNIQUE (address, page)
);
