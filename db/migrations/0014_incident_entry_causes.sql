-- The cause of an automatic timeline entry: the checks failing in the
-- minute it records, each with the tenant whose endpoint it measures
-- ('' or absent for a shared check). Readers are shown the part of an
-- incident their own checks saw, computed from it. NULL for people's
-- entries, recoveries, and entries written before causes were recorded.
ALTER TABLE incident_entries ADD COLUMN cause TEXT; -- JSON array of {"check", "tenant", "degraded", "locations"}
