-- Lookup tables: raw results and minute history refer to checks, locations
-- and failure classes by small integer ids, which SQLite stores in one or two
-- bytes, instead of repeating their names in every row.

CREATE TABLE checks (
	id   INTEGER PRIMARY KEY, -- small integer, assigned on first write
	name TEXT NOT NULL UNIQUE -- check ID from the configuration (sla.Result.CheckID)
);

CREATE TABLE locations (
	id   INTEGER PRIMARY KEY, -- small integer, assigned on first write
	name TEXT NOT NULL UNIQUE -- probe location; '' is the local collector
);

CREATE TABLE classes (
	id   INTEGER PRIMARY KEY, -- 0 is never used: results store 0 for "no class"
	name TEXT NOT NULL UNIQUE -- sla.FailureClass
);

-- The known classes get fixed ids so that the stored numbers mean the same in
-- every database; classes added later get the next free id on first write.
INSERT INTO classes (id, name) VALUES
	(1, 'dns'),
	(2, 'connect'),
	(3, 'tls'),
	(4, 'timeout'),
	(5, 'status'),
	(6, 'body'),
	(7, 'expectation');
