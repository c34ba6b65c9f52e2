-- A maintenance window's description (what will happen and what customers
-- notice) and the updates people post while it runs. The window's state
-- follows its clock (scheduled before the start, in progress from it,
-- completed from the end); an update adds words to a state and a
-- completed update posted before the end ends the window then, so the
-- time excluded from SLAs is only the time the work took.
ALTER TABLE maintenance ADD COLUMN description TEXT NOT NULL DEFAULT '';

CREATE TABLE maintenance_updates (
	id             INTEGER PRIMARY KEY,
	maintenance_id INTEGER NOT NULL REFERENCES maintenance (id),
	status         TEXT NOT NULL,
	body           TEXT NOT NULL,
	at_ms          INTEGER NOT NULL, -- UTC Unix milliseconds, when it was posted
	actor          TEXT NOT NULL,
	CHECK (status IN ('scheduled', 'in_progress', 'completed')),
	CHECK (body != '')
);
CREATE INDEX maintenance_updates_window ON maintenance_updates (maintenance_id, id);
