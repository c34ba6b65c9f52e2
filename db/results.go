package db

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/slatehq/slate/sla"
)

// checkID returns the id of a check, or ErrNotFound for a check that has
// never been written.
func (d *DB) checkID(ctx context.Context, name string) (int64, error) {
	if d.closed() {
		return 0, fmt.Errorf("look up check %s: %w", name, ErrClosed)
	}
	if id, ok := d.lookups.check(name); ok {
		return id, nil
	}
	var id int64
	err := d.rdb.QueryRowContext(ctx, `SELECT id FROM checks WHERE name = ?`, name).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("look up check %s: %w", name, notFound(err))
	}
	d.lookups.setCheck(name, id)
	return id, nil
}

const selectResults = `SELECT r.at_ms, l.name, r.ok, r.latency_us, coalesce(c.name, ''), coalesce(dt.detail, '')
FROM results r
JOIN locations l ON l.id = r.location_id
LEFT JOIN classes c ON c.id = r.class_id
LEFT JOIN result_details dt
	ON dt.check_id = r.check_id AND dt.at_ms = r.at_ms AND dt.location_id = r.location_id
WHERE r.check_id = ? `

// Results returns the raw results of a check that started in [from, to), in
// time order (results of one instant in the order their locations were first
// seen: the key order, which needs no sort). It returns ErrNotFound for
// an unknown check and an empty slice when nothing is in the range; raw
// results older than Options.RawRetention may have been pruned.
func (d *DB) Results(ctx context.Context, checkID string, from, to time.Time) ([]sla.Result, error) {
	id, err := d.checkID(ctx, checkID)
	if err != nil {
		return nil, err
	}
	rows, err := d.rdb.QueryContext(ctx, selectResults+`AND r.at_ms >= ? AND r.at_ms < ? ORDER BY r.at_ms, r.location_id`,
		id, from.UnixMilli(), to.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("query results for %s: %w", checkID, err)
	}
	return scanResults(rows, checkID)
}

// LatestResults returns the n most recent raw results of a check, newest
// first. It reads the primary key backwards and stops after n rows, so its
// cost does not grow with the history kept. It returns ErrNotFound for an
// unknown check.
func (d *DB) LatestResults(ctx context.Context, checkID string, n int) ([]sla.Result, error) {
	if n < 0 {
		return nil, fmt.Errorf("latest results for %s: negative count %d", checkID, n)
	}
	id, err := d.checkID(ctx, checkID)
	if err != nil {
		return nil, err
	}
	rows, err := d.rdb.QueryContext(ctx, selectResults+`ORDER BY r.at_ms DESC, r.location_id DESC LIMIT ?`, id, n)
	if err != nil {
		return nil, fmt.Errorf("query latest results for %s: %w", checkID, err)
	}
	return scanResults(rows, checkID)
}

func scanResults(rows *sql.Rows, checkID string) ([]sla.Result, error) {
	defer rows.Close()
	out := []sla.Result{}
	for rows.Next() {
		var (
			at, latency int64
			r           sla.Result
			class       string
		)
		if err := rows.Scan(&at, &r.Location, &r.OK, &latency, &class, &r.Detail); err != nil {
			return nil, fmt.Errorf("scan results for %s: %w", checkID, err)
		}
		r.CheckID = checkID
		r.At = time.UnixMilli(at).UTC()
		r.Latency = time.Duration(latency) * time.Microsecond
		r.Class = sla.FailureClass(class)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("scan results for %s: %w", checkID, err)
	}
	return out, nil
}
