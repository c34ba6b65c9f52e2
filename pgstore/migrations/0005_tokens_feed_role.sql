-- Tokens may carry the feed role: one tenant's read-only feed token, which
-- a feed reader presents in the feed's URL and which opens nothing else.
-- Like a viewer token it names its tenant.
ALTER TABLE tokens DROP CONSTRAINT tokens_role_check;
ALTER TABLE tokens ADD CONSTRAINT tokens_role_check
	CHECK (role IN ('admin', 'account_manager', 'oncall', 'viewer', 'metrics', 'feed'));
ALTER TABLE tokens DROP CONSTRAINT tokens_check;
ALTER TABLE tokens ADD CONSTRAINT tokens_check
	CHECK ((role IN ('viewer', 'feed')) = (tenant <> ''));
