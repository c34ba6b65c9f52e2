package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/slatehq/slate/store"
)

// ClaimLocation makes c.Agent the holder of c.Location; see
// store.Locations. The writer's transaction holds the write lock, so of
// two claims at once one decides first and the other sees it.
func (d *DB) ClaimLocation(ctx context.Context, c store.LocationClaim) (store.LocationState, error) {
	if err := store.CheckLocationClaim(c); err != nil {
		return store.LocationState{}, err
	}
	var out store.LocationState
	err := d.update(ctx, func(ctx context.Context, tx *sql.Tx) error {
		cur, err := readLocation(ctx, tx, c.Location)
		if err != nil {
			return err
		}
		if err := store.ClaimDecision(cur, c); err != nil {
			return err
		}
		out = store.Claimed(cur, c)
		return writeLocation(ctx, tx, out)
	})
	if err != nil {
		return store.LocationState{}, fmt.Errorf("claim location %s for %s: %w", c.Location, c.Agent, err)
	}
	return out, nil
}

// RecordLocationBatch records a batch of the location's holder; see
// store.Locations.
func (d *DB) RecordLocationBatch(ctx context.Context, b store.LocationBatch) (store.LocationState, error) {
	if err := store.CheckLocationBatch(b); err != nil {
		return store.LocationState{}, err
	}
	var out store.LocationState
	err := d.update(ctx, func(ctx context.Context, tx *sql.Tx) error {
		cur, err := readLocation(ctx, tx, b.Location)
		if err != nil {
			return err
		}
		if out, err = store.Batched(cur, b); err != nil {
			return err
		}
		return writeLocation(ctx, tx, out)
	})
	if err != nil {
		return store.LocationState{}, fmt.Errorf("record batch of %s: %w", b.Location, err)
	}
	return out, nil
}

// LocationStates returns every location's state, by location.
func (d *DB) LocationStates(ctx context.Context) ([]store.LocationState, error) {
	if d.closed() {
		return nil, fmt.Errorf("location states: %w", ErrClosed)
	}
	return queryList(ctx, d.rdb, "location states", func(rows *sql.Rows) (store.LocationState, error) {
		return store.ScanLocation(rows.Scan)
	}, `SELECT `+store.LocationColumns+` FROM location_agents ORDER BY location`)
}

// readLocation is the stored state of loc in tx; the zero state when it
// has no row.
func readLocation(ctx context.Context, tx *sql.Tx, loc string) (store.LocationState, error) {
	s, err := store.ScanLocation(tx.QueryRowContext(ctx, `SELECT `+store.LocationColumns+` FROM location_agents WHERE location = ?`, loc).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return store.LocationState{}, nil
	}
	return s, err
}

// writeLocation stores s, replacing its location's row.
func writeLocation(ctx context.Context, tx *sql.Tx, s store.LocationState) error {
	_, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO location_agents (`+store.LocationColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, s.Values()...)
	return err
}
