-- The service-credit ledger: what slate owes each tenant under each contract
-- for each closed period, and every correction to it.
--
-- Entries are never rewritten except for their state (and the void reason):
-- when the evidence of a period changes after the period was recorded, a new
-- 'adjustment' entry carries the new figures and the signed difference in
-- money, so what was approved or issued stays as it was.
CREATE TABLE credits (
	id               INTEGER PRIMARY KEY,
	tenant           TEXT NOT NULL,
	contract         TEXT NOT NULL,
	period           TEXT NOT NULL,    -- period name: '2026-10', '2026-Q3'
	period_start_ms  INTEGER NOT NULL, -- first instant of the period, UTC Unix milliseconds (inclusive)
	period_end_ms    INTEGER NOT NULL, -- end of the period, UTC Unix milliseconds (exclusive)
	kind             TEXT NOT NULL CHECK (kind IN ('credit', 'adjustment')),
	adjusts          INTEGER REFERENCES credits (id), -- adjustment: the credit entry it corrects; NULL for a credit
	state            TEXT NOT NULL CHECK (state IN ('computed', 'approved', 'issued', 'voided')),
	uptime_exact     TEXT NOT NULL,    -- reduced fraction, '2672123/26748'
	uptime_percent   TEXT NOT NULL,    -- decimal strings, as reported
	breach_minutes   TEXT NOT NULL,
	credit_percent   TEXT NOT NULL,
	coverage_percent TEXT NOT NULL,
	flagged          INTEGER NOT NULL CHECK (flagged IN (0, 1)), -- 1: coverage below the contract's threshold
	amount_minor     INTEGER NOT NULL, -- integer minor units (cents); an adjustment's is the signed difference
	currency         TEXT NOT NULL,    -- ISO 4217 code
	evidence_hash    TEXT NOT NULL,    -- hex SHA-256 of the evidence the figures came from
	reason           TEXT NOT NULL DEFAULT '', -- why it was voided; '' otherwise
	created_ms       INTEGER NOT NULL, -- UTC Unix milliseconds
	updated_ms       INTEGER NOT NULL, -- last state change, UTC Unix milliseconds
	CHECK ((kind = 'credit') = (adjusts IS NULL)),
	CHECK (period_start_ms < period_end_ms)
);

-- At most one 'credit' entry per tenant, contract and period, whatever
-- processes race to close it; adjustments are not limited.
CREATE UNIQUE INDEX credits_one_per_period ON credits (tenant, contract, period) WHERE kind = 'credit';

-- The adjustments of a credit, in order, for RecordClose and the statements.
CREATE INDEX credits_adjustments ON credits (adjusts, id) WHERE adjusts IS NOT NULL;
