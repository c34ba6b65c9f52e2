package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/slatehq/slate/store"
)

// RecordPushBeat stores b as its check's latest heartbeat unless a later
// one is stored; see store.PushBeats. It goes through the writer, so it is
// durable when it returns.
func (d *DB) RecordPushBeat(ctx context.Context, b store.PushBeat) error {
	if err := store.CheckPushBeat(b); err != nil {
		return err
	}
	err := d.update(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO push_beats (`+store.PushBeatColumns+`) VALUES (?, ?, ?, ?)`+store.PushBeatUpsert, b.Values()...)
		return err
	})
	if err != nil {
		return fmt.Errorf("record push heartbeat of %s: %w", b.CheckID, err)
	}
	return nil
}

// LatestPushBeat returns checkID's latest heartbeat; see store.PushBeats.
func (d *DB) LatestPushBeat(ctx context.Context, checkID string) (store.PushBeat, bool, error) {
	if d.closed() {
		return store.PushBeat{}, false, fmt.Errorf("push heartbeat of %s: %w", checkID, ErrClosed)
	}
	b, err := store.ScanPushBeat(d.rdb.QueryRowContext(ctx, `SELECT `+store.PushBeatColumns+` FROM push_beats WHERE check_id = ?`, checkID).Scan)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return store.PushBeat{}, false, nil
	case err != nil:
		return store.PushBeat{}, false, fmt.Errorf("push heartbeat of %s: %w", checkID, err)
	}
	return b, true, nil
}
