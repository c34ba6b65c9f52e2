package db

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/slatehq/slate/incident"
	"github.com/slatehq/slate/store"
)

// SaveDetection stores how far detection has judged each service of ps;
// see store.Detection.
func (d *DB) SaveDetection(ctx context.Context, ps []incident.Progress) error {
	if err := store.CheckProgresses(ps); err != nil {
		return err
	}
	if len(ps) == 0 {
		return nil
	}
	err := d.update(ctx, func(ctx context.Context, tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `INSERT INTO detection (service, judged_ms, up_since_ms, up_minutes) VALUES (?, ?, ?, ?)
ON CONFLICT (service) DO UPDATE SET judged_ms = excluded.judged_ms, up_since_ms = excluded.up_since_ms, up_minutes = excluded.up_minutes`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, p := range ps {
			if _, err := st.ExecContext(ctx, p.Service, store.UnixMilliOrZero(p.Judged), store.UnixMilliOrZero(p.UpSince), p.UpMinutes); err != nil {
				return fmt.Errorf("%s: %w", p.Service, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("save detection: %w", err)
	}
	return nil
}

// Detection returns the stored progress of every service, by name.
func (d *DB) Detection(ctx context.Context) ([]incident.Progress, error) {
	if d.closed() {
		return nil, fmt.Errorf("detection: %w", ErrClosed)
	}
	return readDetection(ctx, d.rdb)
}

// readDetection reads every service's progress through q.
func readDetection(ctx context.Context, q queryer) ([]incident.Progress, error) {
	return queryList(ctx, q, "detection", func(rows *sql.Rows) (incident.Progress, error) {
		var p incident.Progress
		var judged, since int64
		err := rows.Scan(&p.Service, &judged, &since, &p.UpMinutes)
		p.Judged, p.UpSince = store.TimeOrZero(judged), store.TimeOrZero(since)
		return p, err
	}, `SELECT service, judged_ms, up_since_ms, up_minutes FROM detection ORDER BY service`)
}

// ClosedThrough returns the end of the latest period recorded for each
// contract in the ledger; see store.Ledger.
func (d *DB) ClosedThrough(ctx context.Context) (map[string]time.Time, error) {
	if d.closed() {
		return nil, fmt.Errorf("closed through: %w", ErrClosed)
	}
	type row struct {
		contract string
		end      int64
	}
	rows, err := queryList(ctx, d.rdb, "closed through", func(rows *sql.Rows) (row, error) {
		var r row
		return r, rows.Scan(&r.contract, &r.end)
	}, `SELECT contract, max(period_end_ms) FROM credits GROUP BY contract`)
	if err != nil {
		return nil, err
	}
	out := make(map[string]time.Time, len(rows))
	for _, r := range rows {
		out[r.contract] = time.UnixMilli(r.end).UTC()
	}
	return out, nil
}
