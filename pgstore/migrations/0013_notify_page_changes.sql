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

-- One trigger per table, named <table>_notify_pages.
DO $$
DECLARE
	t text;
BEGIN
	FOREACH t IN ARRAY ARRAY['incidents', 'incident_tenants', 'incident_entries', 'incident_services',
		'postmortems', 'maintenance', 'maintenance_updates', 'credits', 'exclusions']
	LOOP
		EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %I FOR EACH STATEMENT EXECUTE FUNCTION slate_notify_pages()',
			t || '_notify_pages', t);
	END LOOP;
END;
$$;
