-- Tokens may carry the metrics role: the token a Prometheus server scrapes
-- /metrics with, which opens nothing else.
ALTER TABLE tokens DROP CONSTRAINT tokens_role_check;
ALTER TABLE tokens ADD CONSTRAINT tokens_role_check
	CHECK (role IN ('admin', 'account_manager', 'oncall', 'viewer', 'metrics'));
