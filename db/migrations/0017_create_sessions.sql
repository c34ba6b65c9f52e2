-- Staff console sessions, one per sign-in with OpenID Connect. The browser
-- holds the session's text in a cookie; the store keeps only its SHA-256,
-- so a copy of the file (a backup) holds nothing a browser could present.
-- Revoked and expired sessions stay until pruned with the raw results.
CREATE TABLE sessions (
	id           INTEGER PRIMARY KEY,
	hash         BLOB NOT NULL UNIQUE, -- SHA-256 of the session's text, 32 bytes
	subject      TEXT NOT NULL,        -- the identity provider's "sub"
	email        TEXT NOT NULL DEFAULT '',
	name         TEXT NOT NULL DEFAULT '',
	role         TEXT NOT NULL,
	created_ms   INTEGER NOT NULL,     -- UTC Unix milliseconds
	last_seen_ms INTEGER NOT NULL,     -- UTC Unix milliseconds; moved about once a minute
	expires_ms   INTEGER NOT NULL,     -- absolute expiry, UTC Unix milliseconds
	revoked_ms   INTEGER,              -- NULL while valid
	revoked_by   TEXT,
	CHECK (length(hash) = 32),
	CHECK (subject != ''),
	CHECK (role IN ('admin', 'account_manager', 'oncall'))
);
CREATE INDEX sessions_expires ON sessions (expires_ms);
