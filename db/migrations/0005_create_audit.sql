-- The audit log: an append-only, hash-chained record of every change to the
-- ledger (and of other changes made by people, such as manual exclusions).
--
-- Each entry's hash covers the previous entry's hash and the entry's own
-- fields (encoding in audit.go), so editing, deleting or reordering a stored
-- entry breaks the chain where it happened, which VerifyAudit reports. The
-- triggers refuse updates and deletes by ordinary statements; the chain is
-- what catches someone who drops them first.
CREATE TABLE audit (
	id        INTEGER PRIMARY KEY, -- 1, 2, 3, ... in order of appending; part of the hash
	at_ms     INTEGER NOT NULL,    -- when it was appended, UTC Unix milliseconds
	actor     TEXT NOT NULL,       -- who: a user, a token's name, or 'slate' for automatic jobs
	action    TEXT NOT NULL,       -- what: 'credit.recorded', 'credit.issued', ...
	subject   TEXT NOT NULL,       -- on what: 'credit/42'
	detail    TEXT NOT NULL,       -- canonical JSON of the changed fields
	prev_hash TEXT NOT NULL,       -- hash of the entry before; 64 zeros for the first
	hash      TEXT NOT NULL UNIQUE -- hex SHA-256, see audit.go
);

CREATE INDEX audit_subject ON audit (subject, id);

CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
	SELECT RAISE(ABORT, 'audit is append-only');
END;

CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
	SELECT RAISE(ABORT, 'audit is append-only');
END;
