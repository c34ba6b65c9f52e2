package pgstore

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/slatehq/slate/incident"
	"github.com/slatehq/slate/store"
)

// SaveDetection stores how far detection has judged each service of ps;
// see store.Detection.
func (s *Store) SaveDetection(ctx context.Context, ps []incident.Progress) error {
	if err := store.CheckProgresses(ps); err != nil {
		return err
	}
	if len(ps) == 0 {
		return nil
	}
	err := s.update(ctx, false, func(ctx context.Context, tx pgx.Tx) error {
		var b pgx.Batch
		for _, p := range ps {
			b.Queue(`INSERT INTO detection (service, judged_ms, up_since_ms, up_minutes) VALUES ($1, $2, $3, $4)
ON CONFLICT (service) DO UPDATE SET judged_ms = excluded.judged_ms, up_since_ms = excluded.up_since_ms, up_minutes = excluded.up_minutes`,
				p.Service, store.UnixMilliOrZero(p.Judged), store.UnixMilliOrZero(p.UpSince), p.UpMinutes)
		}
		return tx.SendBatch(ctx, &b).Close()
	})
	if err != nil {
		return fmt.Errorf("save detection: %w", err)
	}
	return nil
}

// Detection returns the stored progress of every service, by name.
func (s *Store) Detection(ctx context.Context) ([]incident.Progress, error) {
	return queryList(ctx, s, "detection", func(r pgx.CollectableRow) (incident.Progress, error) {
		var p incident.Progress
		var judged, since int64
		var up int32
		err := r.Scan(&p.Service, &judged, &since, &up)
		p.Judged, p.UpSince, p.UpMinutes = optMS(&judged), optMS(&since), int(up)
		return p, err
	}, `SELECT service, judged_ms, up_since_ms, up_minutes FROM detection ORDER BY service`)
}

// ClosedThrough returns the end of the latest period recorded for each
// contract in the ledger; see store.Ledger.
func (s *Store) ClosedThrough(ctx context.Context) (map[string]time.Time, error) {
	type row struct {
		contract string
		end      int64
	}
	rows, err := queryList(ctx, s, "closed through", func(r pgx.CollectableRow) (row, error) {
		var x row
		return x, r.Scan(&x.contract, &x.end)
	}, `SELECT contract, max(period_end_ms) FROM credits GROUP BY contract`)
	if err != nil {
		return nil, err
	}
	out := make(map[string]time.Time, len(rows))
	for _, x := range rows {
		out[x.contract] = msTime(x.end)
	}
	return out, nil
}
