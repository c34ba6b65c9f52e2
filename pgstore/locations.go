package pgstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/slatehq/slate/store"
)

// ClaimLocation makes c.Agent the holder of c.Location; see
// store.Locations. The row is locked for the decision (lockLocation).
func (s *Store) ClaimLocation(ctx context.Context, c store.LocationClaim) (store.LocationState, error) {
	if err := store.CheckLocationClaim(c); err != nil {
		return store.LocationState{}, err
	}
	var out store.LocationState
	err := s.update(ctx, false, func(ctx context.Context, tx pgx.Tx) error {
		cur, err := lockLocation(ctx, tx, c.Location)
		if err != nil {
			return err
		}
		if err := store.ClaimDecision(cur, c); err != nil {
			return err
		}
		out = store.Claimed(cur, c)
		return putLocation(ctx, tx, out)
	})
	if err != nil {
		return store.LocationState{}, fmt.Errorf("claim location %s for %s: %w", c.Location, c.Agent, err)
	}
	return out, nil
}

// RecordLocationBatch records a batch of the location's holder; see
// store.Locations.
func (s *Store) RecordLocationBatch(ctx context.Context, b store.LocationBatch) (store.LocationState, error) {
	if err := store.CheckLocationBatch(b); err != nil {
		return store.LocationState{}, err
	}
	var out store.LocationState
	err := s.update(ctx, false, func(ctx context.Context, tx pgx.Tx) error {
		cur, err := lockLocation(ctx, tx, b.Location)
		if err != nil {
			return err
		}
		if out, err = store.Batched(cur, b); err != nil {
			return err
		}
		return putLocation(ctx, tx, out)
	})
	if err != nil {
		return store.LocationState{}, fmt.Errorf("record batch of %s: %w", b.Location, err)
	}
	return out, nil
}

// LocationStates returns every location's state, by location. A row
// without an agent exists only inside a first claim's transaction (a
// refused claim rolls it back), so none is ever read here.
func (s *Store) LocationStates(ctx context.Context) ([]store.LocationState, error) {
	return queryList(ctx, s, "location states", func(r pgx.CollectableRow) (store.LocationState, error) {
		return store.ScanLocation(r.Scan)
	}, `SELECT `+store.LocationColumns+` FROM location_agents ORDER BY location`)
}

// lockLocation reads loc's row for update. A first call makes the row
// (no agent yet), so that racing first claims all lock the one row and
// decide in turn.
func lockLocation(ctx context.Context, tx pgx.Tx, loc string) (store.LocationState, error) {
	if _, err := tx.Exec(ctx, `INSERT INTO location_agents (location, agent) VALUES ($1, '') ON CONFLICT DO NOTHING`, loc); err != nil {
		return store.LocationState{}, err
	}
	st, err := store.ScanLocation(tx.QueryRow(ctx, `SELECT `+store.LocationColumns+` FROM location_agents WHERE location = $1 FOR UPDATE`, loc).Scan)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.LocationState{}, fmt.Errorf("location %s vanished", loc)
	}
	return st, err
}

// putLocation stores st over its location's row, which lockLocation
// locked.
func putLocation(ctx context.Context, tx pgx.Tx, st store.LocationState) error {
	_, err := tx.Exec(ctx, `UPDATE location_agents SET (`+store.LocationColumns+`) = ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) WHERE location = $1`, st.Values()...)
	return err
}
