package db

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/slatehq/slate/store"

	"github.com/slatehq/slate/incident"
)

// SaveIncident stores inc: it inserts it when inc.ID is 0, and otherwise
// updates incident inc.ID, which must exist (ErrNotFound) and be of the
// same service. A service has at most one incident starting at a given
// instant: saving one with ID 0 and the service and start of a stored one
// saves that one, so a first save retried after its answer was lost opens
// no second incident. On success SaveIncident sets inc.ID and
// inc.Revision and returns the ID.
//
// Timeline entries are only added: those not stored yet are inserted (an
// entry is the same when its time in milliseconds, kind, status, author
// and body are), and stored entries missing from inc stay, so saving an
// incident again never duplicates or loses one. The affected tenants
// become inc.Tenants.
//
// A save that changes nothing writes nothing and succeeds whatever
// inc.Revision says, so a retried save is harmless. A save that changes
// a stored incident needs inc.Revision to be the stored one
// (ErrIncidentConflict otherwise), and may not move the status backwards,
// reopening a resolved incident (ErrIncidentState). Each change appends,
// in the same transaction, one audit entry on subject "incident/<id>":
// incident.opened for the insert, incident.resolved when an open incident
// closes, incident.updated otherwise.
func (d *DB) SaveIncident(ctx context.Context, inc *Incident, actor string) (int64, error) {
	return d.SaveIncidentWithAlerts(ctx, inc, actor, nil)
}

// SaveIncidentWithAlerts is SaveIncident that also enqueues, in the same
// transaction, the alerts alerts returns for the saved incident's ID: an
// incident's state change and its notifications commit together or not at
// all. alerts may be nil.
func (d *DB) SaveIncidentWithAlerts(ctx context.Context, inc *Incident, actor string, alerts func(id int64) ([]Alert, error)) (int64, error) {
	what := "save incident of " + inc.Service
	if inc.ID != 0 {
		what = fmt.Sprintf("save incident %d", inc.ID)
	}
	if err := store.CheckIncident(inc, actor); err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	tenants := store.SortedTenants(inc.Tenants)
	failingJS, err := json.Marshal(store.NonNil(inc.Failing))
	if err != nil {
		return 0, fmt.Errorf("%s: encode failing: %w", what, err)
	}
	var id, rev int64
	err = d.update(ctx, func(ctx context.Context, tx *sql.Tx) error {
		now := d.opts.Now()
		var err error
		id, rev, err = saveIncidentTx(ctx, tx, now.UnixMilli(), inc, tenants, string(failingJS), actor)
		if err != nil || alerts == nil {
			return err
		}
		as, err := alerts(id)
		if err != nil {
			return fmt.Errorf("alerts: %w", err)
		}
		return enqueueTx(ctx, tx, now, as)
	})
	if err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	inc.ID, inc.Revision = id, rev
	return id, nil
}

// saveIncidentTx is SaveIncident inside tx; tenants are sorted and unique,
// failing is the JSON of inc.Failing. It returns the ID and the revision
// stored.
func saveIncidentTx(ctx context.Context, tx *sql.Tx, now int64, inc *Incident, tenants []string, failing, actor string) (int64, int64, error) {
	var ended any // NULL while open
	if !inc.Ended.IsZero() {
		ended = inc.Ended.UnixMilli()
	}
	id := inc.ID
	if id == 0 {
		// A first save retried after its answer was lost finds the row it
		// wrote (the detector opens one incident per service and minute)
		// and goes on as a save of that one.
		err := tx.QueryRowContext(ctx, `SELECT id FROM incidents WHERE service = ? AND started_ms = ?`,
			inc.Service, inc.Started.UnixMilli()).Scan(&id)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return 0, 0, fmt.Errorf("look up: %w", err)
		}
	}
	if id == 0 {
		res, err := tx.ExecContext(ctx, `INSERT INTO incidents (title, service, status, severity, severity_override,
	started_ms, ended_ms, failing, revision, created_ms, updated_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`,
			inc.Title, inc.Service, inc.Status, inc.Severity, inc.SeverityOverride, inc.Started.UnixMilli(), ended, failing, now, now)
		if err != nil {
			return 0, 0, fmt.Errorf("insert: %w", err)
		}
		if id, err = res.LastInsertId(); err != nil {
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
		return id, 1, auditIncident(ctx, tx, now, actor, "incident.opened", id, inc, "", tenants, added)
	}

	old, err := queryIncidentRow(ctx, tx, id)
	if err != nil {
		return 0, 0, err
	}
	if old.Service != inc.Service {
		return 0, 0, fmt.Errorf("service %s differs from the stored %s", inc.Service, old.Service)
	}
	if store.ClosedRank(inc.Status) < store.ClosedRank(old.Status) {
		return 0, 0, fmt.Errorf("%w: is %s, cannot go back to %s", ErrIncidentState, old.Status, inc.Status)
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
		return id, old.Revision, nil // nothing new: a retry, or a save of an unchanged incident
	}
	if inc.Revision != old.Revision {
		// The caller rolls back the tenants and entries written above.
		return 0, 0, fmt.Errorf("%w: saved from revision %d, stored is %d", ErrIncidentConflict, inc.Revision, old.Revision)
	}
	rev := old.Revision + 1
	_, err = tx.ExecContext(ctx, `UPDATE incidents SET title = ?, status = ?, severity = ?, severity_override = ?,
	started_ms = ?, ended_ms = ?, failing = ?, revision = ?, updated_ms = ? WHERE id = ?`,
		inc.Title, inc.Status, inc.Severity, inc.SeverityOverride, inc.Started.UnixMilli(), ended, failing, rev, now, id)
	if err != nil {
		return 0, 0, fmt.Errorf("update: %w", err)
	}
	action := "incident.updated"
	if old.Open() && !inc.Open() {
		action = "incident.resolved"
	}
	return id, rev, auditIncident(ctx, tx, now, actor, action, id, inc, old.Status, tenants, added)
}

// setTenants makes the incident's tenants exactly tenants (sorted, unique)
// and reports whether that changed anything.
func setTenants(ctx context.Context, tx *sql.Tx, id int64, tenants []string) (bool, error) {
	return setList(ctx, tx, "incident_tenants", "tenant", id, tenants)
}

// setServices makes the incident's other services exactly services
// (sorted, unique) and reports whether that changed anything.
func setServices(ctx context.Context, tx *sql.Tx, id int64, services []string) (bool, error) {
	return setList(ctx, tx, "incident_services", "service", id, services)
}

// setList makes the values of column in table (a list of the incident's,
// keyed by incident_id) exactly values, sorted and unique, and reports
// whether that changed anything.
func setList(ctx context.Context, tx *sql.Tx, table, column string, id int64, values []string) (bool, error) {
	stored, err := queryStrings(ctx, tx, `SELECT `+column+` FROM `+table+` WHERE incident_id = ? ORDER BY `+column, id)
	if err != nil {
		return false, fmt.Errorf("read %s: %w", table, err)
	}
	if slices.Equal(stored, values) {
		return false, nil
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE incident_id = ?`, id); err != nil {
		return false, fmt.Errorf("replace %s: %w", table, err)
	}
	for _, v := range values {
		if _, err := tx.ExecContext(ctx, `INSERT INTO `+table+` (incident_id, `+column+`) VALUES (?, ?)`, id, v); err != nil {
			return false, fmt.Errorf("insert %s %s: %w", column, v, err)
		}
	}
	return true, nil
}

// addEntries inserts the entries not stored yet and returns how many.
func addEntries(ctx context.Context, tx *sql.Tx, id int64, entries []incident.Entry) (int, error) {
	if len(entries) == 0 {
		return 0, nil
	}
	ins, err := tx.PrepareContext(ctx, `INSERT INTO incident_entries (incident_id, at_ms, kind, status, body, author, cause)
VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`)
	if err != nil {
		return 0, fmt.Errorf("prepare insert entry: %w", err)
	}
	defer ins.Close()
	added := 0
	for i, e := range entries {
		cause, err := store.CauseJSON(e.Cause)
		if err != nil {
			return 0, fmt.Errorf("entry %d: %w", i, err)
		}
		res, err := ins.ExecContext(ctx, id, e.At.UnixMilli(), e.Kind, e.Status, e.Body, e.Author, cause)
		if err != nil {
			return 0, fmt.Errorf("insert entry %d: %w", i, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return 0, fmt.Errorf("insert entry %d: %w", i, err)
		}
		added += int(n)
	}
	return added, nil
}

func auditIncident(ctx context.Context, tx *sql.Tx, nowMS int64, actor, action string, id int64, inc *Incident,
	from incident.Status, tenants []string, added int) error {
	detail := store.IncidentDetail(inc, from, tenants, added)
	js, err := store.CanonicalJSON(detail)
	if err != nil {
		return fmt.Errorf("encode audit detail: %w", err)
	}
	if _, err := appendAudit(ctx, tx, time.UnixMilli(nowMS), actor, action, store.IncidentSubject(id), js); err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	return nil
}

// rowQuerier is what the reads need of a transaction or the read pool.
type rowQuerier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

const selectIncident = `SELECT id, title, service, status, severity, severity_override, started_ms, coalesce(ended_ms, 0),
	failing, revision, coalesce(published_version, 0), created_ms, updated_ms FROM incidents`

func scanIncident(s interface{ Scan(...any) error }) (Incident, error) {
	var inc Incident
	var status, severity, failing string
	var started, ended, created, updated int64
	err := s.Scan(&inc.ID, &inc.Title, &inc.Service, &status, &severity, &inc.SeverityOverride, &started, &ended,
		&failing, &inc.Revision, &inc.PublishedPostmortem, &created, &updated)
	if err != nil {
		return Incident{}, err
	}
	inc.Status, inc.Severity = incident.Status(status), incident.Severity(severity)
	inc.Started = time.UnixMilli(started).UTC()
	if ended != 0 {
		inc.Ended = time.UnixMilli(ended).UTC()
	}
	if err := json.Unmarshal([]byte(failing), &inc.Failing); err != nil {
		return Incident{}, fmt.Errorf("decode failing of incident %d: %w", inc.ID, err)
	}
	if len(inc.Failing) == 0 {
		inc.Failing = nil
	}
	inc.CreatedAt, inc.UpdatedAt = time.UnixMilli(created).UTC(), time.UnixMilli(updated).UTC()
	return inc, nil
}

// queryIncidentRow reads incident id without its timeline and tenants, or
// ErrNotFound.
func queryIncidentRow(ctx context.Context, q rowQuerier, id int64) (Incident, error) {
	inc, err := scanIncident(q.QueryRowContext(ctx, selectIncident+` WHERE id = ?`, id))
	return inc, notFound(err)
}

func queryStrings(ctx context.Context, q rowQuerier, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// Incident returns incident id with its timeline (in the order the entries
// were recorded) and tenants, or ErrNotFound.
func (d *DB) Incident(ctx context.Context, id int64) (Incident, error) {
	out, err := d.incidents(ctx, ` WHERE id = ?`, []any{id})
	if err != nil {
		return Incident{}, fmt.Errorf("incident %d: %w", id, err)
	}
	if len(out) == 0 {
		return Incident{}, fmt.Errorf("incident %d: %w", id, ErrNotFound)
	}
	return out[0], nil
}

// Incidents returns the incidents f selects, newest first (by start, then
// by ID), with their timelines and tenants.
func (d *DB) Incidents(ctx context.Context, f IncidentFilter) ([]Incident, error) {
	var args []any
	where := store.IncidentConditions(f, func(v any) string { args = append(args, v); return "?" })
	q := ""
	if len(where) > 0 {
		q = " WHERE " + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	out, err := d.incidents(ctx, q+` ORDER BY started_ms DESC, id DESC LIMIT ?`, append(args, limit))
	if err != nil {
		return nil, fmt.Errorf("incidents: %w", err)
	}
	return out, nil
}

// OpenIncidents returns every open incident, newest first.
func (d *DB) OpenIncidents(ctx context.Context) ([]Incident, error) {
	open := true
	return d.Incidents(ctx, IncidentFilter{Open: &open})
}

// incidents reads the incidents that tail (a WHERE, ORDER and LIMIT clause
// over incidents) selects, with their timelines and tenants, in one read
// transaction so that the three agree.
func (d *DB) incidents(ctx context.Context, tail string, args []any) ([]Incident, error) {
	if d.closed() {
		return nil, ErrClosed
	}
	tx, err := d.rdb.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback() // read only: nothing to commit
	return readIncidents(ctx, tx, tail, args)
}

// readIncidents is incidents inside a read transaction.
func readIncidents(ctx context.Context, tx *sql.Tx, tail string, args []any) ([]Incident, error) {
	rows, err := tx.QueryContext(ctx, selectIncident+tail, args...)
	if err != nil {
		return nil, err
	}
	var out []Incident
	index := map[int64]int{}
	for rows.Next() {
		inc, err := scanIncident(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		index[inc.ID] = len(out)
		out = append(out, inc)
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, nil
	}
	ids := `(SELECT id FROM incidents` + tail + `)`
	rows, err = tx.QueryContext(ctx, `SELECT incident_id, at_ms, kind, status, body, author, cause FROM incident_entries
WHERE incident_id IN `+ids+` ORDER BY incident_id, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("read timelines: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, at int64
		var e incident.Entry
		var kind, status string
		var cause *string
		if err := rows.Scan(&id, &at, &kind, &status, &e.Body, &e.Author, &cause); err != nil {
			return nil, fmt.Errorf("read timelines: %w", err)
		}
		e.At, e.Kind, e.Status = time.UnixMilli(at).UTC(), incident.Kind(kind), incident.Status(status)
		if e.Cause, err = store.ParseCause(cause); err != nil {
			return nil, fmt.Errorf("read timeline of incident %d: %w", id, err)
		}
		if i, ok := index[id]; ok {
			out[i].Timeline = append(out[i].Timeline, e)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read timelines: %w", err)
	}
	if err := readLists(ctx, tx, "incident_tenants", "tenant", ids, args, func(i int, v string) {
		out[i].Tenants = append(out[i].Tenants, v)
	}, index); err != nil {
		return nil, err
	}
	if err := readLists(ctx, tx, "incident_services", "service", ids, args, func(i int, v string) {
		out[i].Also = append(out[i].Also, v)
	}, index); err != nil {
		return nil, err
	}
	return out, nil
}

// readLists reads column of table for the incidents ids (a subquery over
// args) selects, giving each value to add with its incident's index.
func readLists(ctx context.Context, tx *sql.Tx, table, column, ids string, args []any, add func(i int, v string), index map[int64]int) error {
	rows, err := tx.QueryContext(ctx, `SELECT incident_id, `+column+` FROM `+table+`
WHERE incident_id IN `+ids+` ORDER BY incident_id, `+column, args...)
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
		if i, ok := index[id]; ok {
			add(i, v)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read %s: %w", table, err)
	}
	return nil
}

// SavePostmortem stores markdown as the next draft version of incident
// incidentID's post-mortem and returns its number (1 for the first). When
// the latest version already holds exactly this markdown, it returns that
// version and writes nothing, so a retried save adds no version. The
// markdown is stored as written: pages show it through incident.Render,
// which sanitises it. It must be valid UTF-8, not blank and at most
// incident.MaxPostmortemBytes long. Each new version is audited
// (postmortem.saved, with the markdown's SHA-256).
func (d *DB) SavePostmortem(ctx context.Context, incidentID int64, markdown, author string) (int, error) {
	what := fmt.Sprintf("save post-mortem of incident %d", incidentID)
	if err := store.CheckPostmortem(markdown, author); err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	var version int
	err := d.update(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if _, err := queryIncidentRow(ctx, tx, incidentID); err != nil {
			return err
		}
		var latest string
		err := tx.QueryRowContext(ctx, `SELECT version, markdown FROM postmortems WHERE incident_id = ?
ORDER BY version DESC LIMIT 1`, incidentID).Scan(&version, &latest)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return fmt.Errorf("read latest version: %w", err)
		case latest == markdown:
			return nil
		}
		version++
		now := d.opts.Now()
		_, err = tx.ExecContext(ctx, `INSERT INTO postmortems (incident_id, version, markdown, state, author, created_ms)
VALUES (?, ?, ?, 'draft', ?, ?)`, incidentID, version, markdown, author, now.UnixMilli())
		if err != nil {
			return fmt.Errorf("insert version %d: %w", version, err)
		}
		return auditPostmortem(ctx, tx, now, author, "postmortem.saved", incidentID, store.PostmortemSavedDetail(version, markdown))
	})
	if err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	return version, nil
}

// PublishPostmortem makes version the one readers of incident incidentID
// see, marking it published (it stays published, as readers saw it, when
// a later version replaces it). Publishing the version already shown does
// nothing; publishing an earlier one goes back to it. It is audited
// (postmortem.published). An unknown incident or version is ErrNotFound.
func (d *DB) PublishPostmortem(ctx context.Context, incidentID int64, version int, author string) error {
	what := fmt.Sprintf("publish post-mortem %d of incident %d", version, incidentID)
	if strings.TrimSpace(author) == "" {
		return fmt.Errorf("%s: empty author", what)
	}
	err := d.update(ctx, func(ctx context.Context, tx *sql.Tx) error {
		inc, err := queryIncidentRow(ctx, tx, incidentID)
		if err != nil {
			return err
		}
		if _, err := queryPostmortem(ctx, tx, incidentID, version); err != nil {
			return err
		}
		if err := store.CheckPublishPostmortem(&inc); err != nil {
			return err
		}
		if inc.PublishedPostmortem == version {
			return nil
		}
		now := d.opts.Now()
		_, err = tx.ExecContext(ctx, `UPDATE postmortems SET state = 'published', published_ms = ?, published_by = ?
WHERE incident_id = ? AND version = ? AND state = 'draft'`, now.UnixMilli(), author, incidentID, version)
		if err != nil {
			return fmt.Errorf("mark published: %w", err)
		}
		_, err = tx.ExecContext(ctx, `UPDATE incidents SET published_version = ?, updated_ms = ? WHERE id = ?`,
			version, now.UnixMilli(), incidentID)
		if err != nil {
			return fmt.Errorf("point at version: %w", err)
		}
		detail := map[string]any{"version": version}
		if inc.PublishedPostmortem != 0 {
			detail["replaces"] = inc.PublishedPostmortem
		}
		return auditPostmortem(ctx, tx, now, author, "postmortem.published", incidentID, detail)
	})
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

func auditPostmortem(ctx context.Context, tx *sql.Tx, now time.Time, actor, action string, incidentID int64, detail map[string]any) error {
	js, err := store.CanonicalJSON(detail)
	if err != nil {
		return fmt.Errorf("encode audit detail: %w", err)
	}
	if _, err := appendAudit(ctx, tx, now, actor, action, store.IncidentSubject(incidentID), js); err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	return nil
}

const selectPostmortem = `SELECT incident_id, version, markdown, state, author, created_ms,
	coalesce(published_ms, 0), coalesce(published_by, '') FROM postmortems`

func scanPostmortem(s interface{ Scan(...any) error }) (PostmortemVersion, error) {
	var p PostmortemVersion
	var state string
	var created, published int64
	if err := s.Scan(&p.IncidentID, &p.Version, &p.Markdown, &state, &p.Author, &created, &published, &p.PublishedBy); err != nil {
		return PostmortemVersion{}, err
	}
	p.State, p.CreatedAt = PostmortemState(state), time.UnixMilli(created).UTC()
	if published != 0 {
		p.PublishedAt = time.UnixMilli(published).UTC()
	}
	return p, nil
}

func queryPostmortem(ctx context.Context, q rowQuerier, incidentID int64, version int) (PostmortemVersion, error) {
	p, err := scanPostmortem(q.QueryRowContext(ctx, selectPostmortem+` WHERE incident_id = ? AND version = ?`, incidentID, version))
	return p, notFound(err)
}

// Postmortem returns incident incidentID's published post-mortem and its
// pending draft; both nil when none was saved. An unknown incident is
// ErrNotFound.
func (d *DB) Postmortem(ctx context.Context, incidentID int64) (Postmortem, error) {
	what := fmt.Sprintf("post-mortem of incident %d", incidentID)
	if d.closed() {
		return Postmortem{}, fmt.Errorf("%s: %w", what, ErrClosed)
	}
	tx, err := d.rdb.BeginTx(ctx, nil)
	if err != nil {
		return Postmortem{}, fmt.Errorf("%s: begin: %w", what, err)
	}
	defer tx.Rollback() // read only: nothing to commit
	inc, err := queryIncidentRow(ctx, tx, incidentID)
	if err != nil {
		return Postmortem{}, fmt.Errorf("%s: %w", what, err)
	}
	var out Postmortem
	if inc.PublishedPostmortem != 0 {
		p, err := queryPostmortem(ctx, tx, incidentID, inc.PublishedPostmortem)
		if err != nil {
			return Postmortem{}, fmt.Errorf("%s: read version %d: %w", what, inc.PublishedPostmortem, err)
		}
		out.Published = &p
	}
	latest, err := scanPostmortem(tx.QueryRowContext(ctx, selectPostmortem+` WHERE incident_id = ?
ORDER BY version DESC LIMIT 1`, incidentID))
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return Postmortem{}, fmt.Errorf("%s: read latest version: %w", what, err)
	case latest.State == PostmortemDraft && latest.Version > inc.PublishedPostmortem:
		out.Draft = &latest
	}
	return out, nil
}

// PostmortemVersions returns every saved version of incident incidentID's
// post-mortem, oldest first; none for an incident without one, and
// ErrNotFound for an unknown incident.
func (d *DB) PostmortemVersions(ctx context.Context, incidentID int64) ([]PostmortemVersion, error) {
	what := fmt.Sprintf("post-mortem versions of incident %d", incidentID)
	if d.closed() {
		return nil, fmt.Errorf("%s: %w", what, ErrClosed)
	}
	tx, err := d.rdb.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: begin: %w", what, err)
	}
	defer tx.Rollback() // read only: nothing to commit
	if _, err := queryIncidentRow(ctx, tx, incidentID); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	scan := func(r *sql.Rows) (PostmortemVersion, error) { return scanPostmortem(r) }
	return queryList(ctx, tx, what, scan, selectPostmortem+` WHERE incident_id = ? ORDER BY version`, incidentID)
}
