package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/slatehq/slate/incident"
	"github.com/slatehq/slate/store"
)

// SaveIncident stores inc; see store.Incidents and db.DB.SaveIncident,
// whose rules it follows.
func (s *Store) SaveIncident(ctx context.Context, inc *store.Incident, actor string) (int64, error) {
	return s.SaveIncidentWithAlerts(ctx, inc, actor, nil)
}

// SaveIncidentWithAlerts is SaveIncident that also enqueues, in the same
// transaction, the alerts alerts returns for the saved incident's ID.
func (s *Store) SaveIncidentWithAlerts(ctx context.Context, inc *store.Incident, actor string, alerts func(id int64) ([]store.Alert, error)) (int64, error) {
	what := "save incident of " + inc.Service
	if inc.ID != 0 {
		what = fmt.Sprintf("save incident %d", inc.ID)
	}
	if err := store.CheckIncident(inc, actor); err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	tenants := store.SortedTenants(inc.Tenants)
	failing, err := json.Marshal(store.NonNil(inc.Failing))
	if err != nil {
		return 0, fmt.Errorf("%s: encode failing: %w", what, err)
	}
	var id, rev int64
	err = s.update(ctx, true, func(ctx context.Context, tx pgx.Tx) error {
		now := s.opts.Now()
		var err error
		id, rev, err = saveIncidentTx(ctx, tx, now.UnixMilli(), inc, tenants, string(failing), actor)
		if err != nil || alerts == nil {
			return err
		}
		as, err := alerts(id)
		if err != nil {
			return fmt.Errorf("alerts: %w", err)
		}
		return enqueueTx(ctx, tx, now.UnixMilli(), as)
	})
	if err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	inc.ID, inc.Revision = id, rev
	return id, nil
}

func saveIncidentTx(ctx context.Context, tx pgx.Tx, now int64, inc *store.Incident, tenants []string, failing, actor string) (int64, int64, error) {
	var ended any
	if !inc.Ended.IsZero() {
		ended = inc.Ended.UnixMilli()
	}
	id := inc.ID
	if id == 0 {
		err := tx.QueryRow(ctx, `SELECT id FROM incidents WHERE service = $1 AND started_ms = $2`, inc.Service, inc.Started.UnixMilli()).Scan(&id)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return 0, 0, fmt.Errorf("look up: %w", err)
		}
	}
	if id == 0 {
		err := tx.QueryRow(ctx, `INSERT INTO incidents (service, status, severity, severity_override,
	started_ms, ended_ms, failing, revision, created_ms, updated_ms, title) VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $8, $9) RETURNING id`,
			inc.Service, string(inc.Status), string(inc.Severity), inc.SeverityOverride, inc.Started.UnixMilli(), ended, failing, now, inc.Title).Scan(&id)
		if err != nil {
			return 0, 0, fmt.Errorf("insert: %w", err)
		}
		if _, err := setTenants(ctx, tx, id, tenants); err != nil {
			return 0, 0, err
		}
		if _, err := setServices(ctx, tx, id, store.SortedTenants(inc.Also)); err != nil {
			return 0, 0, err
		}
		added, err := addEntries(ctx, tx, id, inc.Timeline)
		if err != nil {
			return 0, 0, err
		}
		return id, 1, audit(ctx, tx, msTime(now), actor, "incident.opened", store.IncidentSubject(id), store.IncidentDetail(inc, "", tenants, added))
	}
	old, err := scanIncident(tx.QueryRow(ctx, selectIncident+` WHERE id = $1`, id))
	if err != nil {
		return 0, 0, notFound(err)
	}
	if old.Service != inc.Service {
		return 0, 0, fmt.Errorf("service %s differs from the stored %s", inc.Service, old.Service)
	}
	if store.ClosedRank(inc.Status) < store.ClosedRank(old.Status) {
		return 0, 0, fmt.Errorf("%w: is %s, cannot go back to %s", store.ErrIncidentState, old.Status, inc.Status)
	}
	oldFailing, err := json.Marshal(store.NonNil(old.Failing))
	if err != nil {
		return 0, 0, fmt.Errorf("encode stored failing: %w", err)
	}
	rowChanged := store.IncidentChanged(&old, inc, string(oldFailing), failing)
	tenantsChanged, err := setTenants(ctx, tx, id, tenants)
	if err != nil {
		return 0, 0, err
	}
	servicesChanged, err := setServices(ctx, tx, id, store.SortedTenants(inc.Also))
	if err != nil {
		return 0, 0, err
	}
	added, err := addEntries(ctx, tx, id, inc.Timeline)
	if err != nil {
		return 0, 0, err
	}
	if !rowChanged && !tenantsChanged && !servicesChanged && added == 0 {
		return id, old.Revision, nil
	}
	if inc.Revision != old.Revision {
		return 0, 0, fmt.Errorf("%w: saved from revision %d, stored is %d", store.ErrIncidentConflict, inc.Revision, old.Revision)
	}
	rev := old.Revision + 1
	_, err = tx.Exec(ctx, `UPDATE incidents SET status = $1, severity = $2, severity_override = $3,
	started_ms = $4, ended_ms = $5, failing = $6, revision = $7, updated_ms = $8, title = $10 WHERE id = $9`,
		string(inc.Status), string(inc.Severity), inc.SeverityOverride, inc.Started.UnixMilli(), ended, failing, rev, now, id, inc.Title)
	if err != nil {
		return 0, 0, fmt.Errorf("update: %w", err)
	}
	action := "incident.updated"
	if old.Open() && !inc.Open() {
		action = "incident.resolved"
	}
	return id, rev, audit(ctx, tx, msTime(now), actor, action, store.IncidentSubject(id), store.IncidentDetail(inc, old.Status, tenants, added))
}

func notFound(err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return store.ErrNotFound
	}
	return err
}

func setTenants(ctx context.Context, tx pgx.Tx, id int64, tenants []string) (bool, error) {
	return setList(ctx, tx, "incident_tenants", "tenant", id, tenants)
}

func setServices(ctx context.Context, tx pgx.Tx, id int64, services []string) (bool, error) {
	return setList(ctx, tx, "incident_services", "service", id, services)
}

// setList makes the values of column in table (a list of the incident's,
// keyed by incident_id) exactly values, sorted and unique, and reports
// whether that changed anything.
func setList(ctx context.Context, tx pgx.Tx, table, column string, id int64, values []string) (bool, error) {
	rows, err := tx.Query(ctx, `SELECT `+column+` FROM `+table+` WHERE incident_id = $1 ORDER BY `+column, id)
	if err != nil {
		return false, fmt.Errorf("read %s: %w", table, err)
	}
	stored, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return false, fmt.Errorf("read %s: %w", table, err)
	}
	if slices.Equal(stored, values) {
		return false, nil
	}
	if _, err := tx.Exec(ctx, `DELETE FROM `+table+` WHERE incident_id = $1`, id); err != nil {
		return false, fmt.Errorf("replace %s: %w", table, err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO `+table+` (incident_id, `+column+`) SELECT $1, unnest($2::text[])`, id, values); err != nil {
		return false, fmt.Errorf("insert %s: %w", table, err)
	}
	return true, nil
}

func addEntries(ctx context.Context, tx pgx.Tx, id int64, entries []incident.Entry) (int, error) {
	added := 0
	for i, e := range entries {
		cause, err := store.CauseJSON(e.Cause)
		if err != nil {
			return 0, fmt.Errorf("entry %d: %w", i, err)
		}
		tag, err := tx.Exec(ctx, `INSERT INTO incident_entries (incident_id, at_ms, kind, status, body, author, cause)
VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`, id, e.At.UnixMilli(), string(e.Kind), string(e.Status), e.Body, e.Author, cause)
		if err != nil {
			return 0, fmt.Errorf("insert entry %d: %w", i, err)
		}
		added += int(tag.RowsAffected())
	}
	return added, nil
}

const selectIncident = `SELECT id, title, service, status, severity, severity_override, started_ms, coalesce(ended_ms, 0),
	failing, revision, coalesce(published_version, 0), created_ms, updated_ms FROM incidents`

func scanIncident(r pgx.Row) (store.Incident, error) {
	var inc store.Incident
	var status, severity, failing string
	var started, ended, created, updated int64
	var published int32
	if err := r.Scan(&inc.ID, &inc.Title, &inc.Service, &status, &severity, &inc.SeverityOverride, &started, &ended,
		&failing, &inc.Revision, &published, &created, &updated); err != nil {
		return store.Incident{}, err
	}
	inc.Status, inc.Severity = incident.Status(status), incident.Severity(severity)
	inc.Started, inc.PublishedPostmortem = msTime(started), int(published)
	if ended != 0 {
		inc.Ended = msTime(ended)
	}
	if err := json.Unmarshal([]byte(failing), &inc.Failing); err != nil {
		return store.Incident{}, fmt.Errorf("decode failing of incident %d: %w", inc.ID, err)
	}
	if len(inc.Failing) == 0 {
		inc.Failing = nil
	}
	inc.CreatedAt, inc.UpdatedAt = msTime(created), msTime(updated)
	return inc, nil
}

// Incident returns incident id with its timeline and tenants, or
// ErrNotFound.
func (s *Store) Incident(ctx context.Context, id int64) (store.Incident, error) {
	out, err := s.incidents(ctx, ` WHERE id = $1`, []any{id})
	if err != nil {
		return store.Incident{}, fmt.Errorf("incident %d: %w", id, err)
	}
	if len(out) == 0 {
		return store.Incident{}, fmt.Errorf("incident %d: %w", id, store.ErrNotFound)
	}
	return out[0], nil
}

// Incidents returns the incidents f selects, newest first.
func (s *Store) Incidents(ctx context.Context, f store.IncidentFilter) ([]store.Incident, error) {
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	where := store.IncidentConditions(f, arg)
	q := ""
	if len(where) > 0 {
		q = " WHERE " + strings.Join(where, " AND ")
	}
	q += ` ORDER BY started_ms DESC, id DESC`
	if f.Limit > 0 {
		q += " LIMIT " + arg(f.Limit)
	}
	out, err := s.incidents(ctx, q, args)
	if err != nil {
		return nil, fmt.Errorf("incidents: %w", err)
	}
	return out, nil
}

// OpenIncidents returns every open incident, newest first.
func (s *Store) OpenIncidents(ctx context.Context) ([]store.Incident, error) {
	open := true
	return s.Incidents(ctx, store.IncidentFilter{Open: &open})
}

// incidents reads the incidents tail selects with their timelines and
// tenants, in one snapshot so that the three agree.
func (s *Store) incidents(ctx context.Context, tail string, args []any) ([]store.Incident, error) {
	var out []store.Incident
	err := s.read(ctx, func(ctx context.Context, tx pgx.Tx) error {
		rows, err := tx.Query(ctx, selectIncident+tail, args...)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Incident, error) { return scanIncident(r) })
		if err != nil || len(out) == 0 {
			return err
		}
		index := make(map[int64]int, len(out))
		ids := make([]int64, len(out))
		for i, inc := range out {
			index[inc.ID], ids[i] = i, inc.ID
		}
		rows, err = tx.Query(ctx, `SELECT incident_id, at_ms, kind, status, body, author, cause FROM incident_entries
WHERE incident_id = ANY($1) ORDER BY incident_id, id`, ids)
		if err != nil {
			return fmt.Errorf("read timelines: %w", err)
		}
		for rows.Next() {
			var id, at int64
			var e incident.Entry
			var kind, status string
			var cause *string
			if err := rows.Scan(&id, &at, &kind, &status, &e.Body, &e.Author, &cause); err != nil {
				rows.Close()
				return fmt.Errorf("read timelines: %w", err)
			}
			e.At, e.Kind, e.Status = msTime(at), incident.Kind(kind), incident.Status(status)
			if e.Cause, err = store.ParseCause(cause); err != nil {
				rows.Close()
				return fmt.Errorf("read timeline of incident %d: %w", id, err)
			}
			out[index[id]].Timeline = append(out[index[id]].Timeline, e)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read timelines: %w", err)
		}
		if err := readList(ctx, tx, "incident_tenants", "tenant", ids, func(id int64, v string) {
			out[index[id]].Tenants = append(out[index[id]].Tenants, v)
		}); err != nil {
			return err
		}
		return readList(ctx, tx, "incident_services", "service", ids, func(id int64, v string) {
			out[index[id]].Also = append(out[index[id]].Also, v)
		})
	})
	return out, err
}

// readList reads column of table for the incidents ids, giving each value
// to add with its incident's ID.
func readList(ctx context.Context, tx pgx.Tx, table, column string, ids []int64, add func(id int64, v string)) error {
	rows, err := tx.Query(ctx, `SELECT incident_id, `+column+` FROM `+table+` WHERE incident_id = ANY($1) ORDER BY incident_id, `+column, ids)
	if err != nil {
		return fmt.Errorf("read %s: %w", table, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var v string
		if err := rows.Scan(&id, &v); err != nil {
			return fmt.Errorf("read %s: %w", table, err)
		}
		add(id, v)
	}
	return rows.Err()
}

// SavePostmortem stores markdown as the next draft version; see
// store.Incidents.
func (s *Store) SavePostmortem(ctx context.Context, incidentID int64, markdown, author string) (int, error) {
	what := fmt.Sprintf("save post-mortem of incident %d", incidentID)
	if err := store.CheckPostmortem(markdown, author); err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	var version int
	err := s.update(ctx, true, func(ctx context.Context, tx pgx.Tx) error {
		version = 0
		if _, err := scanIncident(tx.QueryRow(ctx, selectIncident+` WHERE id = $1`, incidentID)); err != nil {
			return notFound(err)
		}
		var latest string
		err := tx.QueryRow(ctx, `SELECT version, markdown FROM postmortems WHERE incident_id = $1 ORDER BY version DESC LIMIT 1`,
			incidentID).Scan(&version, &latest)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
		case err != nil:
			return fmt.Errorf("read latest version: %w", err)
		case latest == markdown:
			return nil
		}
		version++
		now := s.opts.Now()
		if _, err := tx.Exec(ctx, `INSERT INTO postmortems (incident_id, version, markdown, state, author, created_ms)
VALUES ($1, $2, $3, 'draft', $4, $5)`, incidentID, version, markdown, author, now.UnixMilli()); err != nil {
			return fmt.Errorf("insert version %d: %w", version, err)
		}
		return audit(ctx, tx, now, author, "postmortem.saved", store.IncidentSubject(incidentID), store.PostmortemSavedDetail(version, markdown))
	})
	if err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	return version, nil
}

// PublishPostmortem makes version the one readers see; see
// store.Incidents.
func (s *Store) PublishPostmortem(ctx context.Context, incidentID int64, version int, author string) error {
	what := fmt.Sprintf("publish post-mortem %d of incident %d", version, incidentID)
	if strings.TrimSpace(author) == "" {
		return fmt.Errorf("%s: empty author", what)
	}
	err := s.update(ctx, true, func(ctx context.Context, tx pgx.Tx) error {
		inc, err := scanIncident(tx.QueryRow(ctx, selectIncident+` WHERE id = $1`, incidentID))
		if err != nil {
			return notFound(err)
		}
		if _, err := scanPostmortem(tx.QueryRow(ctx, selectPostmortem+` WHERE incident_id = $1 AND version = $2`, incidentID, version)); err != nil {
			return notFound(err)
		}
		if err := store.CheckPublishPostmortem(&inc); err != nil {
			return err
		}
		if inc.PublishedPostmortem == version {
			return nil
		}
		now := s.opts.Now()
		if _, err := tx.Exec(ctx, `UPDATE postmortems SET state = 'published', published_ms = $1, published_by = $2
WHERE incident_id = $3 AND version = $4 AND state = 'draft'`, now.UnixMilli(), author, incidentID, version); err != nil {
			return fmt.Errorf("mark published: %w", err)
		}
		if _, err := tx.Exec(ctx, `UPDATE incidents SET published_version = $1, updated_ms = $2 WHERE id = $3`,
			version, now.UnixMilli(), incidentID); err != nil {
			return fmt.Errorf("point at version: %w", err)
		}
		detail := map[string]any{"version": version}
		if inc.PublishedPostmortem != 0 {
			detail["replaces"] = inc.PublishedPostmortem
		}
		return audit(ctx, tx, now, author, "postmortem.published", store.IncidentSubject(incidentID), detail)
	})
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

const selectPostmortem = `SELECT incident_id, version, markdown, state, author, created_ms,
	coalesce(published_ms, 0), coalesce(published_by, '') FROM postmortems`

func scanPostmortem(r pgx.Row) (store.PostmortemVersion, error) {
	var p store.PostmortemVersion
	var state string
	var created, published int64
	var version int32
	err := r.Scan(&p.IncidentID, &version, &p.Markdown, &state, &p.Author, &created, &published, &p.PublishedBy)
	p.Version, p.State, p.CreatedAt = int(version), store.PostmortemState(state), msTime(created)
	if published != 0 {
		p.PublishedAt = msTime(published)
	}
	return p, err
}

// Postmortem returns incident incidentID's published post-mortem and its
// pending draft.
func (s *Store) Postmortem(ctx context.Context, incidentID int64) (store.Postmortem, error) {
	what := fmt.Sprintf("post-mortem of incident %d", incidentID)
	var out store.Postmortem
	err := s.read(ctx, func(ctx context.Context, tx pgx.Tx) error {
		inc, err := scanIncident(tx.QueryRow(ctx, selectIncident+` WHERE id = $1`, incidentID))
		if err != nil {
			return notFound(err)
		}
		if inc.PublishedPostmortem != 0 {
			p, err := scanPostmortem(tx.QueryRow(ctx, selectPostmortem+` WHERE incident_id = $1 AND version = $2`, incidentID, inc.PublishedPostmortem))
			if err != nil {
				return fmt.Errorf("read version %d: %w", inc.PublishedPostmortem, notFound(err))
			}
			out.Published = &p
		}
		latest, err := scanPostmortem(tx.QueryRow(ctx, selectPostmortem+` WHERE incident_id = $1 ORDER BY version DESC LIMIT 1`, incidentID))
		switch {
		case errors.Is(err, pgx.ErrNoRows):
		case err != nil:
			return fmt.Errorf("read latest version: %w", err)
		case latest.State == store.PostmortemDraft && latest.Version > inc.PublishedPostmortem:
			out.Draft = &latest
		}
		return nil
	})
	if err != nil {
		return store.Postmortem{}, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// PostmortemVersions returns every saved version, oldest first.
func (s *Store) PostmortemVersions(ctx context.Context, incidentID int64) ([]store.PostmortemVersion, error) {
	what := fmt.Sprintf("post-mortem versions of incident %d", incidentID)
	var out []store.PostmortemVersion
	err := s.read(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if _, err := scanIncident(tx.QueryRow(ctx, selectIncident+` WHERE id = $1`, incidentID)); err != nil {
			return notFound(err)
		}
		rows, err := tx.Query(ctx, selectPostmortem+` WHERE incident_id = $1 ORDER BY version`, incidentID)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.PostmortemVersion, error) { return scanPostmortem(r) })
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}
