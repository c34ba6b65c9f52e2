-- Incidents: outages of a service, their timelines as the detector and
-- people wrote them, the tenants they affect and their post-mortems.
--
-- Timeline entries and post-mortem versions are only ever added: an entry
-- is a fact about a moment, and a post-mortem that readers saw must stay
-- readable as they saw it. Every change is in the audit log, subject
-- 'incident/<id>'.
CREATE TABLE incidents (
	id                INTEGER PRIMARY KEY,
	service           TEXT NOT NULL CHECK (service != ''),
	status            TEXT NOT NULL
	                  CHECK (status IN ('investigating', 'identified', 'monitoring', 'resolved', 'postmortem')),
	severity          TEXT NOT NULL CHECK (severity IN ('minor', 'major', 'critical')),
	severity_override INTEGER NOT NULL CHECK (severity_override IN (0, 1)), -- 1: a person chose the severity
	started_ms        INTEGER NOT NULL, -- first down or degraded minute, UTC Unix milliseconds
	ended_ms          INTEGER,          -- first minute of the recovery that held, UTC Unix milliseconds; NULL while open
	failing           TEXT NOT NULL DEFAULT '[]', -- JSON array of what failed at the latest observation, sorted
	revision          INTEGER NOT NULL DEFAULT 1, -- 1, then one more for each save that changed the incident
	published_version INTEGER,          -- post-mortem version readers see; NULL before one is published
	created_ms        INTEGER NOT NULL, -- when it was first saved, UTC Unix milliseconds
	updated_ms        INTEGER NOT NULL, -- its latest change, UTC Unix milliseconds
	CHECK (ended_ms IS NULL OR ended_ms >= started_ms)
);

-- Lists, newest first, of everything or of one service. A service has one
-- incident per start: a retried first save finds the row it wrote.
CREATE INDEX incidents_started ON incidents (started_ms, id);
CREATE UNIQUE INDEX incidents_service ON incidents (service, started_ms);
-- Open incidents, for the status page and the detector's restart.
CREATE INDEX incidents_open ON incidents (id) WHERE status IN ('investigating', 'identified', 'monitoring');

-- The tenants an incident affects: a tenant's status page lists these.
CREATE TABLE incident_tenants (
	incident_id INTEGER NOT NULL REFERENCES incidents (id),
	tenant      TEXT NOT NULL CHECK (tenant != ''),
	PRIMARY KEY (incident_id, tenant)
) WITHOUT ROWID;

CREATE INDEX incident_tenants_tenant ON incident_tenants (tenant, incident_id);

-- Timeline entries, in the order they were recorded (id). The unique key is
-- what makes saving an incident again add only its new entries.
CREATE TABLE incident_entries (
	id          INTEGER PRIMARY KEY,
	incident_id INTEGER NOT NULL REFERENCES incidents (id),
	at_ms       INTEGER NOT NULL, -- UTC Unix milliseconds
	kind        TEXT NOT NULL CHECK (kind != ''), -- 'detected', 'locations', 'degraded', 'recovered', 'update', 'severity'
	status      TEXT NOT NULL,    -- the incident's status after the entry
	body        TEXT NOT NULL,
	author      TEXT NOT NULL,    -- '' for automatic entries
	UNIQUE (incident_id, at_ms, kind, status, author, body)
);

-- Post-mortem versions: each save is a new draft; publishing marks one
-- published and points incidents.published_version at it.
CREATE TABLE postmortems (
	incident_id  INTEGER NOT NULL REFERENCES incidents (id),
	version      INTEGER NOT NULL CHECK (version > 0), -- 1, 2, ... per incident
	markdown     TEXT NOT NULL CHECK (markdown != ''),
	state        TEXT NOT NULL CHECK (state IN ('draft', 'published')),
	author       TEXT NOT NULL CHECK (author != ''),
	created_ms   INTEGER NOT NULL, -- UTC Unix milliseconds
	published_ms INTEGER,          -- first publication, UTC Unix milliseconds; NULL while a draft
	published_by TEXT,             -- NULL while a draft
	PRIMARY KEY (incident_id, version),
	CHECK ((state = 'published') = (published_ms IS NOT NULL))
);
