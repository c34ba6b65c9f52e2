-- Incidents in words and across services: a title people give (''
-- for one detection opened, which readers see under a title made from its
-- service), the services it affects besides incidents.service, and the
-- update templates on-call start an update from.
ALTER TABLE incidents ADD COLUMN title TEXT NOT NULL DEFAULT '';

-- The services an incident affects besides incidents.service, which stays
-- the one its detection belongs to (one incident per service and start).
CREATE TABLE incident_services (
	incident_id INTEGER NOT NULL REFERENCES incidents (id),
	service     TEXT NOT NULL CHECK (service != ''),
	PRIMARY KEY (incident_id, service)
) WITHOUT ROWID;

CREATE INDEX incident_services_service ON incident_services (service, incident_id);

-- Update templates: a name, the status an update made from one moves the
-- incident to, and the customer-facing text it starts from. Every change
-- is in the audit log, subject 'template/<id>'.
CREATE TABLE update_templates (
	id         INTEGER PRIMARY KEY,
	name       TEXT NOT NULL UNIQUE CHECK (name != ''),
	status     TEXT NOT NULL CHECK (status IN ('investigating', 'identified', 'monitoring', 'resolved')),
	body       TEXT NOT NULL CHECK (body != ''),
	created_ms INTEGER NOT NULL, -- UTC Unix milliseconds
	updated_ms INTEGER NOT NULL  -- UTC Unix milliseconds
);
