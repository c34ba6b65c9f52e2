package pgstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/slatehq/slate/store"
)

// RecordPushBeat stores b as its check's latest heartbeat unless a later
// one is stored; see store.PushBeats. One statement: the upsert's
// condition keeps the time from moving back when two replicas write at
// once.
func (s *Store) RecordPushBeat(ctx context.Context, b store.PushBeat) error {
	if err := store.CheckPushBeat(b); err != nil {
		return err
	}
	err := s.update(ctx, false, func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO push_beats (`+store.PushBeatColumns+`) VALUES ($1, $2, $3, $4)`+store.PushBeatUpsert, b.Values()...)
		return err
	})
	if err != nil {
		return fmt.Errorf("record push heartbeat of %s: %w", b.CheckID, err)
	}
	return nil
}

// LatestPushBeat returns checkID's latest heartbeat; see store.PushBeats.
func (s *Store) LatestPushBeat(ctx context.Context, checkID string) (store.PushBeat, bool, error) {
	what := "push heartbeat of " + checkID
	if err := s.check(what); err != nil {
		return store.PushBeat{}, false, err
	}
	b, err := store.ScanPushBeat(s.pool.QueryRow(ctx, `SELECT `+store.PushBeatColumns+` FROM push_beats WHERE check_id = $1`, checkID).Scan)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return store.PushBeat{}, false, nil
	case err != nil:
		return store.PushBeat{}, false, fmt.Errorf("%s: %w", what, s.mapErr(err))
	}
	return b, true, nil
}
