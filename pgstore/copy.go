package pgstore

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/slatehq/slate/internal/minutes"
	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/store"
)

// CopyFrom copies the whole of src (the SQLite store of a deployment moving
// to PostgreSQL) into s, which must be empty (store.ErrNotEmpty otherwise):
// the evidence (raw results and minute history as recorded, not
// recomputed), the ledger, the audit log with its ids and hashes, the
// exclusions, maintenance, incidents with their timelines and post-mortems,
// the outbox with its attempts, the tokens (as hashes) and the secrets, so
// that tokens and signed links keep working. Nothing may write to src
// meanwhile. It then checks the copy: the row counts equal src's and the
// audit chain verifies. It returns the copy's counts.
func (s *Store) CopyFrom(ctx context.Context, src store.Source) (store.Counts, error) {
	if err := s.refuseNonEmpty(ctx); err != nil {
		return store.Counts{}, err
	}
	want, err := src.Counts(ctx)
	if err != nil {
		return store.Counts{}, fmt.Errorf("copy: count source: %w", err)
	}
	dump, err := src.Dump(ctx)
	if err != nil {
		return store.Counts{}, fmt.Errorf("copy: %w", err)
	}
	var days historyBatch
	err = src.DumpHistory(ctx, func(check string, h sla.RunHistory) error {
		if err := days.add(check, h); err != nil {
			return err
		}
		if len(days.rows) >= 5000 {
			return days.flush(ctx, s)
		}
		return nil
	})
	if err == nil {
		err = days.flush(ctx, s)
	}
	if err != nil {
		return store.Counts{}, fmt.Errorf("copy history: %w", err)
	}
	err = src.DumpResults(ctx, func(rs []sla.Result) error {
		_, err := s.writeResults(ctx, rs, false)
		return err
	})
	if err != nil {
		return store.Counts{}, fmt.Errorf("copy results: %w", err)
	}
	if err := s.update(ctx, true, func(ctx context.Context, tx pgx.Tx) error { return loadDump(ctx, tx, dump) }); err != nil {
		return store.Counts{}, fmt.Errorf("copy: %w", err)
	}
	got, err := s.Counts(ctx)
	if err != nil {
		return got, fmt.Errorf("copy: %w", err)
	}
	if got != want {
		return got, fmt.Errorf("copy: the copy holds %+v, the source %+v", got, want)
	}
	if _, err := s.VerifyAudit(ctx); err != nil {
		return got, fmt.Errorf("copy: %w", err)
	}
	return got, nil
}

// refuseNonEmpty is ErrNotEmpty when any table of s holds a row.
func (s *Store) refuseNonEmpty(ctx context.Context) error {
	var used bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM checks) OR EXISTS (SELECT 1 FROM minutes)
	OR EXISTS (SELECT 1 FROM credits) OR EXISTS (SELECT 1 FROM audit) OR EXISTS (SELECT 1 FROM exclusions)
	OR EXISTS (SELECT 1 FROM maintenance) OR EXISTS (SELECT 1 FROM incidents) OR EXISTS (SELECT 1 FROM outbox)
	OR EXISTS (SELECT 1 FROM tokens) OR EXISTS (SELECT 1 FROM secrets)`).Scan(&used)
	if err != nil {
		return fmt.Errorf("copy: %w", s.mapErr(err))
	}
	if used {
		return fmt.Errorf("copy: %w", store.ErrNotEmpty)
	}
	return nil
}

// historyBatch gathers minute rows for one multi-row insert.
type historyBatch struct {
	rows []historyRow
}

type historyRow struct {
	check, loc string
	day        int64
	runs       []byte
}

func (b *historyBatch) add(check string, h sla.RunHistory) error {
	first, codes, err := minutes.ImportDays("history of "+check, h)
	if err != nil {
		return err
	}
	for j, loc := range h.Locations {
		for k, code := range codes[j] {
			if code != nil {
				b.rows = append(b.rows, historyRow{check, loc, first + int64(k), code})
			}
		}
	}
	return nil
}

// flush inserts the gathered rows. Their latest run is taken as the end of
// the day: a result written later for one of these days is a late one,
// and its minute is rebuilt from the copied raw results.
func (b *historyBatch) flush(ctx context.Context, s *Store) error {
	if len(b.rows) == 0 {
		return nil
	}
	var checks, locs []string
	for _, r := range b.rows {
		checks, locs = append(checks, r.check), append(locs, r.loc)
	}
	cids, err := s.ensureIDs(ctx, "checks", checks)
	if err != nil {
		return err
	}
	lids, err := s.ensureIDs(ctx, "locations", locs)
	if err != nil {
		return err
	}
	n := len(b.rows)
	lasts, cs, ds, ls, codes := make([]int64, n), make([]int32, n), make([]int32, n), make([]int16, n), make([][]byte, n)
	for i, r := range b.rows {
		lasts[i], cs[i], ds[i], ls[i], codes[i] = (r.day+1)*minutes.MsPerDay-1, int32(cids[r.check]), int32(r.day), int16(lids[r.loc]), r.runs
	}
	_, err = s.pool.Exec(ctx, `INSERT INTO minutes (last_ms, check_id, day, location_id, runs)
SELECT * FROM unnest($1::bigint[], $2::integer[], $3::integer[], $4::smallint[], $5::bytea[])`, lasts, cs, ds, ls, codes)
	b.rows = b.rows[:0]
	return s.mapErr(err)
}

// loadDump inserts everything but the evidence with its ids, then moves
// each identity past the largest id copied.
func loadDump(ctx context.Context, tx pgx.Tx, d store.Dump) error {
	for _, c := range d.Credits {
		var adj any
		if c.Adjusts != 0 {
			adj = c.Adjusts
		}
		if _, err := tx.Exec(ctx, `INSERT INTO credits (id, tenant, contract, period, period_start_ms, period_end_ms,
	kind, adjusts, state, uptime_exact, uptime_percent, breach_minutes, credit_percent, coverage_percent,
	flagged, amount_minor, currency, evidence_hash, reason, created_ms, updated_ms, credit_days, credit_multiplier)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23)`,
			c.ID, c.Tenant, c.Contract, c.Period, c.PeriodStart.UnixMilli(), c.PeriodEnd.UnixMilli(), c.Kind, adj, string(c.State),
			c.UptimeExact, c.UptimePercent, c.BreachMinutes, c.CreditPercent, c.CoveragePercent, c.Flagged,
			c.AmountMinor, c.Currency, c.EvidenceHash, c.Reason, c.CreatedAt.UnixMilli(), c.UpdatedAt.UnixMilli(),
			c.CreditDays, c.CreditMultiplier); err != nil {
			return fmt.Errorf("credit %d: %w", c.ID, err)
		}
	}
	for _, e := range d.Audit {
		if err := insertAudit(ctx, tx, e); err != nil {
			return err
		}
	}
	for _, e := range d.Exclusions {
		if _, err := tx.Exec(ctx, `INSERT INTO exclusions (id, contract, start_ms, end_ms, reason, actor, created_ms,
	cancelled_ms, cancelled_by, cancel_reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			e.ID, e.Contract, e.Start.UnixMilli(), e.End.UnixMilli(), e.Reason, e.Actor, e.CreatedAt.UnixMilli(),
			nullMS(e.CancelledAt), nullText(e.Cancelled, e.CancelledBy), nullText(e.Cancelled, e.CancelReason)); err != nil {
			return fmt.Errorf("exclusion %d: %w", e.ID, err)
		}
	}
	for _, m := range d.Maintenance {
		svc, err := json.Marshal(m.Services)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO maintenance (id, services, title, description, start_ms, end_ms, announced_ms, actor,
	cancelled_ms, cancelled_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			m.ID, string(svc), m.Title, m.Description, m.Start.UnixMilli(), m.End.UnixMilli(), m.Announced.UnixMilli(), m.Actor,
			nullMS(m.CancelledAt), nullText(m.Cancelled, m.CancelledBy)); err != nil {
			return fmt.Errorf("maintenance %d: %w", m.ID, err)
		}
		for _, u := range m.Updates {
			if _, err := tx.Exec(ctx, `INSERT INTO maintenance_updates (id, maintenance_id, status, body, at_ms, actor)
	VALUES ($1, $2, $3, $4, $5, $6)`, u.ID, m.ID, u.Status, u.Body, u.At.UnixMilli(), u.Actor); err != nil {
				return fmt.Errorf("maintenance %d update %d: %w", m.ID, u.ID, err)
			}
		}
	}
	if err := loadIncidents(ctx, tx, d); err != nil {
		return err
	}
	if err := loadOutbox(ctx, tx, d); err != nil {
		return err
	}
	for _, t := range d.Tokens {
		if _, err := tx.Exec(ctx, `INSERT INTO tokens (id, prefix, hash, name, role, tenant, location, created_ms, created_by,
	last_used_ms, revoked_ms, revoked_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
			t.ID, t.Prefix, t.Hash[:], t.Name, t.Role, t.Tenant, t.Location, t.CreatedAt.UnixMilli(), t.CreatedBy,
			nullMS(t.LastUsed), nullMS(t.Revoked), nullText(!t.Revoked.IsZero(), t.RevokedBy)); err != nil {
			return fmt.Errorf("token %s: %w", t.Prefix, err)
		}
	}
	for _, k := range d.Secrets {
		if _, err := tx.Exec(ctx, `INSERT INTO secrets (name, value, created_ms) VALUES ($1, $2, $3)`,
			k.Name, k.Value, k.CreatedAt.UnixMilli()); err != nil {
			return fmt.Errorf("secret %s: %w", k.Name, err)
		}
	}
	for _, p := range d.Detection {
		if _, err := tx.Exec(ctx, `INSERT INTO detection (service, judged_ms, up_since_ms, up_minutes) VALUES ($1, $2, $3, $4)`,
			p.Service, store.UnixMilliOrZero(p.Judged), store.UnixMilliOrZero(p.UpSince), p.UpMinutes); err != nil {
			return fmt.Errorf("detection of %s: %w", p.Service, err)
		}
	}
	for _, sub := range d.Subscribers {
		comps, err := json.Marshal(store.NonNil(sub.Components))
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO subscribers (id, address, page, components, confirmed_ms) VALUES ($1, $2, $3, $4, $5)`,
			sub.ID, sub.Address, sub.Page, string(comps), sub.ConfirmedAt.UnixMilli()); err != nil {
			return fmt.Errorf("subscriber %d: %w", sub.ID, err)
		}
	}
	for _, t := range d.Templates {
		if _, err := tx.Exec(ctx, `INSERT INTO update_templates (id, name, status, body, created_ms, updated_ms) VALUES ($1, $2, $3, $4, $5, $6)`,
			t.ID, t.Name, string(t.Status), t.Body, t.CreatedAt.UnixMilli(), t.UpdatedAt.UnixMilli()); err != nil {
			return fmt.Errorf("update template %d: %w", t.ID, err)
		}
	}
	for _, table := range []string{"credits", "exclusions", "maintenance", "maintenance_updates", "incidents", "incident_entries", "outbox", "tokens", "subscribers", "update_templates"} {
		if _, err := tx.Exec(ctx, `SELECT setval(pg_get_serial_sequence('`+table+`', 'id'), coalesce(max(id), 0) + 1, false) FROM `+table); err != nil {
			return fmt.Errorf("move the ids of %s on: %w", table, err)
		}
	}
	return nil
}

func loadIncidents(ctx context.Context, tx pgx.Tx, d store.Dump) error {
	for _, inc := range d.Incidents {
		failing, err := json.Marshal(store.NonNil(inc.Failing))
		if err != nil {
			return err
		}
		var ended, published any
		if !inc.Ended.IsZero() {
			ended = inc.Ended.UnixMilli()
		}
		if inc.PublishedPostmortem != 0 {
			published = inc.PublishedPostmortem
		}
		if _, err := tx.Exec(ctx, `INSERT INTO incidents (id, service, status, severity, severity_override, started_ms, ended_ms,
	failing, revision, published_version, created_ms, updated_ms, title) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
			inc.ID, inc.Service, string(inc.Status), string(inc.Severity), inc.SeverityOverride, inc.Started.UnixMilli(), ended,
			string(failing), inc.Revision, published, inc.CreatedAt.UnixMilli(), inc.UpdatedAt.UnixMilli(), inc.Title); err != nil {
			return fmt.Errorf("incident %d: %w", inc.ID, err)
		}
		if _, err := setTenants(ctx, tx, inc.ID, inc.Tenants); err != nil {
			return fmt.Errorf("incident %d: %w", inc.ID, err)
		}
		if _, err := setServices(ctx, tx, inc.ID, inc.Also); err != nil {
			return fmt.Errorf("incident %d: %w", inc.ID, err)
		}
		if _, err := addEntries(ctx, tx, inc.ID, inc.Timeline); err != nil {
			return fmt.Errorf("incident %d: %w", inc.ID, err)
		}
	}
	for _, p := range d.Postmortems {
		var published, by any
		if p.State == store.PostmortemPublished {
			published, by = p.PublishedAt.UnixMilli(), p.PublishedBy
		}
		if _, err := tx.Exec(ctx, `INSERT INTO postmortems (incident_id, version, markdown, state, author, created_ms, published_ms, published_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, p.IncidentID, p.Version, p.Markdown, string(p.State), p.Author, p.CreatedAt.UnixMilli(), published, by); err != nil {
			return fmt.Errorf("post-mortem %d of incident %d: %w", p.Version, p.IncidentID, err)
		}
	}
	return nil
}

func loadOutbox(ctx context.Context, tx pgx.Tx, d store.Dump) error {
	for _, a := range d.Alerts {
		if _, err := tx.Exec(ctx, `INSERT INTO outbox (id, dedup_key, receiver, kind, payload, created_ms, attempts, next_ms,
	state, last_error) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			a.ID, a.DedupKey, a.Receiver, a.Kind, a.Payload, a.CreatedAt.UnixMilli(), a.Attempts, a.NextAt.UnixMilli(), a.State, a.LastError); err != nil {
			return fmt.Errorf("alert %d: %w", a.ID, err)
		}
	}
	for _, a := range d.Attempts {
		if _, err := tx.Exec(ctx, `INSERT INTO outbox_attempts (alert_id, at_ms, outcome, status, error) VALUES ($1, $2, $3, $4, $5)`,
			a.AlertID, a.At.UnixMilli(), a.Outcome, a.Status, a.Error); err != nil {
			return fmt.Errorf("attempt of alert %d: %w", a.AlertID, err)
		}
	}
	return nil
}

// nullMS is a nullable instant column: NULL for the zero time.
func nullMS(t interface {
	IsZero() bool
	UnixMilli() int64
}) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

// nullText is a nullable text column: NULL unless set.
func nullText(set bool, s string) any {
	if !set {
		return nil
	}
	return s
}
