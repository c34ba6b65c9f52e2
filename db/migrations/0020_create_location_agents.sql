-- Which agent holds each location and the location's health, kept in the
-- store rather than in one server's memory, so that every replica refuses
-- a second agent of a location and reports the same health. A row is made
-- by an agent's first call for its location.
CREATE TABLE location_agents (
	location            TEXT PRIMARY KEY CHECK (location != ''),
	agent               TEXT NOT NULL CHECK (agent != ''), -- the instance ID holding the location
	expires_ms          INTEGER NOT NULL, -- end of the agent's lease, UTC Unix milliseconds
	last_seen_ms        INTEGER NOT NULL, -- the agent's latest call, UTC Unix milliseconds
	last_batch_ms       INTEGER NOT NULL DEFAULT 0, -- latest batch stored, UTC Unix milliseconds; 0 before the first
	complete_through_ms INTEGER NOT NULL DEFAULT 0, -- latest measurement time stored, UTC Unix milliseconds; 0 before the first
	clock_offset_ms     INTEGER NOT NULL DEFAULT 0, -- the agent's clock minus the server's, milliseconds
	round_trip_ms       INTEGER NOT NULL DEFAULT 0, -- of that estimate, milliseconds
	results             INTEGER NOT NULL DEFAULT 0 CHECK (results >= 0), -- results stored from the location's batches
	clock_refused       INTEGER NOT NULL DEFAULT 0 CHECK (clock_refused IN (0, 1)) -- 1 while its batches are refused for its clock
) WITHOUT ROWID;
