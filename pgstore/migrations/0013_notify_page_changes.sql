-- Every replica serves the status pages, but a change made through one
-- (an incident opened by the leader's detection, an update posted through
-- another replica's API, a maintenance window, a credit) must reach the
-- pages of all. A statement-level trigger on each table the pages read
-- notifies the channel slate_pages when the change commits; each replica
-- LISTENs and rebuilds its pages at once (pgstore.ListenPages). NOTIFY
-- folds identical notifications of one transaction into one, so a batch
-- of a thousand credits notifies once. The evidence tables (results,
-- minutes) have no trigger: they are the ingest path, and the pages judge
-- them on their own clock.
CREATE FUNCTION slate_notify_pages() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('slate_pages', TG_TABLE_NAME);
	RETURN NULL;
END;
$$;

CREATE TRIGGER incidents_notify_pages AFTER INSERT OR UPDATE OR DELETE ON incidents
	FOR EACH STATEMENT EXECUTE FUNCTION slate_notify_pages();
CREATE TRIGGER incident_tenants_notify_pages AFTER INSERT OR UPDATE OR DELETE ON incident_tenants
	FOR EACH STATEMENT EXECUTE FUNCTION slate_notify_pages();
CREATE TRIGGER incident_entries_notify_pages AFTER INSERT OR UPDATE OR DELETE ON incident_entries
	FOR EACH STATEMENT EXECUTE FUNCTION slate_notify_pages();
CREATE TRIGGER incident_services_notify_pages AFTER INSERT OR UPDATE OR DELETE ON incident_services
	FOR EACH STATEMENT EXECUTE FUNCTION slate_notify_pages();
CREATE TRIGGER postmortems_notify_pages AFTER INSERT OR UPDATE OR DELETE ON postmortems
	FOR EACH STATEMENT EXECUTE FUNCTION slate_notify_pages();
CREATE TRIGGER maintenance_notify_pages AFTER INSERT OR UPDATE OR DELETE ON maintenance
	FOR EACH STATEMENT EXECUTE FUNCTION slate_notify_pages();
CREATE TRIGGER maintenance_updates_notify_pages AFTER INSERT OR UPDATE OR DELETE ON maintenance_updates
	FOR EACH STATEMENT EXECUTE FUNCTION slate_notify_pages();
CREATE TRIGGER credits_notify_pages AFTER INSERT OR UPDATE OR DELETE ON credits
	FOR EACH STATEMENT EXECUTE FUNCTION slate_notify_pages();
CREATE TRIGGER exclusions_notify_pages AFTER INSERT OR UPDATE OR DELETE ON exclusions
	FOR EACH STATEMENT EXECUTE FUNCTION slate_notify_pages();
