-- Tokens may carry the agent role: a probe agent's token, bound to exactly
-- one declared location, which the server takes from the token and never
-- from what the agent says. Agent tokens name their location in a new
-- column; every other role has ''. SQLite cannot change a CHECK
-- constraint, so the table is rebuilt with the old columns and rows.
CREATE TABLE tokens_next (
	id           INTEGER PRIMARY KEY,
	prefix       TEXT NOT NULL UNIQUE, -- 'slt_' and 8 hex digits
	hash         BLOB NOT NULL UNIQUE, -- SHA-256 of the whole token text, 32 bytes
	name         TEXT NOT NULL,
	role         TEXT NOT NULL,
	tenant       TEXT NOT NULL DEFAULT '', -- the one tenant a viewer or feed token sees; '' for every other role
	location     TEXT NOT NULL DEFAULT '', -- the one location an agent token reports from; '' for every other role
	created_ms   INTEGER NOT NULL,     -- UTC Unix milliseconds
	created_by   TEXT NOT NULL,
	last_used_ms INTEGER,              -- NULL until first used; updated at most about once a minute
	revoked_ms   INTEGER,              -- NULL while valid
	revoked_by   TEXT,
	CHECK (length(hash) = 32),
	CHECK (name != ''),
	CHECK (role IN ('admin', 'account_manager', 'oncall', 'viewer', 'metrics', 'feed', 'agent')),
	CHECK ((role IN ('viewer', 'feed')) = (tenant != '')),
	CHECK ((role = 'agent') = (location != ''))
);

INSERT INTO tokens_next (id, prefix, hash, name, role, tenant, created_ms, created_by, last_used_ms, revoked_ms, revoked_by)
SELECT id, prefix, hash, name, role, tenant, created_ms, created_by, last_used_ms, revoked_ms, revoked_by FROM tokens;

DROP TABLE tokens;
ALTER TABLE tokens_next RENAME TO tokens;
