-- Tokens may carry the agent role: a probe agent's token, bound to exactly
-- one declared location, which the server takes from the token and never
-- from what the agent says. Agent tokens name their location; every other
-- role has ''.
ALTER TABLE tokens ADD COLUMN location TEXT NOT NULL DEFAULT '';
ALTER TABLE tokens DROP CONSTRAINT tokens_role_check;
ALTER TABLE tokens ADD CONSTRAINT tokens_role_check
	CHECK (role IN ('admin', 'account_manager', 'oncall', 'viewer', 'metrics', 'feed', 'agent'));
ALTER TABLE tokens ADD CONSTRAINT tokens_location_check
	CHECK ((role = 'agent') = (location <> ''));
