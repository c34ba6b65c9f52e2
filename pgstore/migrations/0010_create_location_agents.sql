-- Which agent holds each location and the location's health, kept in the
-- store rather than in one server's memory, so that every replica refuses
-- a second agent of a location and reports the same health. A row is made
-- by an agent's first call for its location.
CREATE TABLE location_agents (
	location            text PRIMARY KEY CHECK (location <> ''),
	agent               text NOT NULL, -- the instance ID holding the location; '' only inside the transaction of a first claim
	expires_ms          bigint NOT NULL DEFAULT 0, -- end of the agent's lease, UTC Unix milliseconds
	last_seen_ms        bigint NOT NULL DEFAULT 0, -- the agent's latest call, UTC Unix milliseconds
	last_batch_ms       bigint NOT NULL DEFAULT 0, -- latest batch stored, UTC Unix milliseconds; 0 before the first
	complete_through_ms bigint NOT NULL DEFAULT 0, -- latest measurement time stored, UTC Unix milliseconds; 0 before the first
	clock_offset_ms     bigint NOT NULL DEFAULT 0, -- the agent's clock minus the server's, milliseconds
	round_trip_ms       bigint NOT NULL DEFAULT 0, -- of that estimate, milliseconds
	results             bigint NOT NULL DEFAULT 0 CHECK (results >= 0), -- results stored from the location's batches
	clock_refused       boolean NOT NULL DEFAULT false -- while its batches are refused for its clock
);
