-- API tokens. A token's text is shown once, when it is created; the store
-- keeps only its SHA-256, so a copy of the file (a backup) holds nothing a
-- caller could present. The prefix is the visible part of the text, enough
-- to name the token in lists, logs and the audit log. Revoked tokens stay.
CREATE TABLE tokens (
	id           INTEGER PRIMARY KEY,
	prefix       TEXT NOT NULL UNIQUE, -- 'slt_' and 8 hex digits
	hash         BLOB NOT NULL UNIQUE, -- SHA-256 of the whole token text, 32 bytes
	name         TEXT NOT NULL,
	role         TEXT NOT NULL,
	tenant       TEXT NOT NULL DEFAULT '', -- the one tenant a viewer sees; '' for staff roles
	created_ms   INTEGER NOT NULL,     -- UTC Unix milliseconds
	created_by   TEXT NOT NULL,
	last_used_ms INTEGER,              -- NULL until first used; updated at most about once a minute
	revoked_ms   INTEGER,              -- NULL while valid
	revoked_by   TEXT,
	CHECK (length(hash) = 32),
	CHECK (name != ''),
	CHECK (role IN ('admin', 'account_manager', 'oncall', 'viewer')),
	CHECK ((role = 'viewer') = (tenant != ''))
);

-- Keys slate makes for itself (the one that signs expiring tenant links),
-- created on first use and never changed, so links signed before a restart
-- stay valid after it.
CREATE TABLE secrets (
	name       TEXT PRIMARY KEY,
	value      BLOB NOT NULL,
	created_ms INTEGER NOT NULL, -- UTC Unix milliseconds
	CHECK (length(value) = 32)
);
