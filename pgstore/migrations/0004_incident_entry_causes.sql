-- The cause of an automatic timeline entry: the checks failing in the
-- minute it records (see the SQLite store's migration of the same name).
-- NULL for people's entries, recoveries, and entries written before
-- causes were recorded.
ALTER TABLE incident_entries ADD COLUMN cause text; -- JSON array of {"check", "tenant", "degraded", "locations"}
