package db

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/slatehq/slate/internal/minutes"
	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/store"
)

// The store's content for a copy, checked at compile time.
var _ store.Source = (*DB)(nil)

// Dump returns everything but the evidence, in one read transaction; see
// store.Source.
func (d *DB) Dump(ctx context.Context) (store.Dump, error) {
	var out store.Dump
	if d.closed() {
		return out, fmt.Errorf("dump: %w", ErrClosed)
	}
	tx, err := d.rdb.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return out, fmt.Errorf("dump: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // read-only
	steps := []struct {
		what string
		fn   func() error
	}{
		{"credits", func() (err error) {
			out.Credits, err = queryList(ctx, tx, "credits", func(r *sql.Rows) (Credit, error) { return scanCredit(r) }, selectCredit+` ORDER BY id`)
			return err
		}},
		{"audit", func() (err error) {
			out.Audit, err = queryList(ctx, tx, "audit", scanAudit, selectAudit+` ORDER BY id`)
			return err
		}},
		{"exclusions", func() (err error) {
			out.Exclusions, err = queryList(ctx, tx, "exclusions", func(r *sql.Rows) (Exclusion, error) { return scanExclusion(r) }, selectExclusion+` ORDER BY id`)
			return err
		}},
		{"maintenance", func() (err error) {
			out.Maintenance, err = queryMaintenance(ctx, tx, "")
			return err
		}},
		{"incidents", func() (err error) { out.Incidents, err = readIncidents(ctx, tx, ` ORDER BY id`, nil); return err }},
		{"post-mortems", func() (err error) {
			out.Postmortems, err = queryList(ctx, tx, "post-mortems", func(r *sql.Rows) (PostmortemVersion, error) { return scanPostmortem(r) },
				selectPostmortem+` ORDER BY incident_id, version`)
			return err
		}},
		{"outbox", func() (err error) {
			out.Alerts, err = queryList(ctx, tx, "outbox", scanAlert, selectAlert+` ORDER BY id`)
			return err
		}},
		{"attempts", func() (err error) {
			out.Attempts, err = queryList(ctx, tx, "attempts", scanAttempt, selectAttempt+` ORDER BY rowid`)
			return err
		}},
		{"tokens", func() (err error) {
			out.Tokens, err = queryList(ctx, tx, "tokens", func(r *sql.Rows) (store.TokenRecord, error) {
				var t store.TokenRecord
				var hash []byte
				tok, err := scanToken(scanWith{r, &hash})
				t.Token = tok
				copy(t.Hash[:], hash)
				return t, err
			}, `SELECT id, prefix, name, role, tenant, location, created_ms, created_by,
coalesce(last_used_ms, 0), coalesce(revoked_ms, 0), coalesce(revoked_by, ''), hash FROM tokens ORDER BY id`)
			return err
		}},
		{"secrets", func() (err error) {
			out.Secrets, err = queryList(ctx, tx, "secrets", func(r *sql.Rows) (store.SecretRecord, error) {
				var s store.SecretRecord
				var ms int64
				err := r.Scan(&s.Name, &s.Value, &ms)
				s.CreatedAt = time.UnixMilli(ms).UTC()
				return s, err
			}, `SELECT name, value, created_ms FROM secrets ORDER BY name`)
			return err
		}},
		{"detection", func() (err error) { out.Detection, err = readDetection(ctx, tx); return err }},
		{"subscribers", func() (err error) {
			out.Subscribers, err = queryList(ctx, tx, "subscribers", scanSubscriber, selectSubscriber+` ORDER BY id`)
			return err
		}},
		{"update templates", func() (err error) {
			out.Templates, err = queryList(ctx, tx, "update templates", func(r *sql.Rows) (UpdateTemplate, error) { return scanTemplate(r) },
				selectTemplate+` ORDER BY id`)
			return err
		}},
	}
	for _, s := range steps {
		if err := s.fn(); err != nil {
			return store.Dump{}, fmt.Errorf("dump %s: %w", s.what, err)
		}
	}
	return out, nil
}

// scanWith scans a row whose last column goes to extra, after the columns
// a scan function of the table knows.
type scanWith struct {
	rows  *sql.Rows
	extra any
}

func (s scanWith) Scan(dest ...any) error { return s.rows.Scan(append(dest, s.extra)...) }

// dumpBatch is how many raw results DumpResults hands over at a time.
const dumpBatch = 5000

// DumpResults calls fn with every raw result, in batches, by check and
// time; see store.Source.
func (d *DB) DumpResults(ctx context.Context, fn func([]sla.Result) error) error {
	if d.closed() {
		return fmt.Errorf("dump results: %w", ErrClosed)
	}
	rows, err := d.rdb.QueryContext(ctx, `SELECT c.name, r.at_ms, l.name, r.ok, r.latency_us, coalesce(k.name, ''), coalesce(dt.detail, '')
FROM results r
JOIN checks c ON c.id = r.check_id
JOIN locations l ON l.id = r.location_id
LEFT JOIN classes k ON k.id = r.class_id
LEFT JOIN result_details dt ON dt.check_id = r.check_id AND dt.at_ms = r.at_ms AND dt.location_id = r.location_id
ORDER BY r.check_id, r.at_ms, r.location_id`)
	if err != nil {
		return fmt.Errorf("dump results: %w", err)
	}
	defer rows.Close()
	batch := make([]sla.Result, 0, dumpBatch)
	for rows.Next() {
		var r sla.Result
		var at, latency int64
		var class string
		if err := rows.Scan(&r.CheckID, &at, &r.Location, &r.OK, &latency, &class, &r.Detail); err != nil {
			return fmt.Errorf("dump results: %w", err)
		}
		r.At, r.Latency, r.Class = time.UnixMilli(at).UTC(), time.Duration(latency)*time.Microsecond, sla.FailureClass(class)
		if batch = append(batch, r); len(batch) == dumpBatch {
			if err := fn(batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("dump results: %w", err)
	}
	if len(batch) > 0 {
		return fn(batch)
	}
	return nil
}

// DumpHistory calls fn with every stored check-day of minute history; see
// store.Source.
func (d *DB) DumpHistory(ctx context.Context, fn func(checkID string, h sla.RunHistory) error) error {
	if d.closed() {
		return fmt.Errorf("dump history: %w", ErrClosed)
	}
	rows, err := d.rdb.QueryContext(ctx, `SELECT c.name, m.day, m.data FROM minutes m JOIN checks c ON c.id = m.check_id
ORDER BY m.check_id, m.day`)
	if err != nil {
		return fmt.Errorf("dump history: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var check string
		var day int64
		var data []byte
		if err := rows.Scan(&check, &day, &data); err != nil {
			return fmt.Errorf("dump history: %w", err)
		}
		rec, err := decodeDay(data, day)
		if err != nil {
			return fmt.Errorf("dump history of %s day %d: %w", check, day, err)
		}
		ids := map[int64]bool{}
		for _, l := range rec.locs {
			ids[l.loc] = true
		}
		names, err := d.locationNames(ctx, ids)
		if err != nil {
			return fmt.Errorf("dump history of %s: %w", check, err)
		}
		days := make([]minutes.LocDay, len(rec.locs))
		for i, l := range rec.locs {
			days[i] = minutes.LocDay{Day: day, Location: names[l.loc], Runs: l.runs}
		}
		sp := minutes.Span{Start: day * msPerDay, Count: minutesPerDay}
		if err := fn(check, sp.Runs(days)); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("dump history: %w", err)
	}
	return nil
}
