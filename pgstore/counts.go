package pgstore

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/slatehq/slate/store"
)

// Counts counts the rows of the tables in store.Counts in one snapshot.
// HistoryDays counts check-days, as in the SQLite store, not the per-location
// rows that hold them.
func (s *Store) Counts(ctx context.Context) (store.Counts, error) {
	var c store.Counts
	err := s.read(ctx, func(ctx context.Context, tx pgx.Tx) (err error) {
		c, err = countTx(ctx, tx)
		return err
	})
	if err != nil {
		return store.Counts{}, fmt.Errorf("count rows: %w", err)
	}
	return c, nil
}

// countTx counts inside tx.
func countTx(ctx context.Context, tx pgx.Tx) (store.Counts, error) {
	var c store.Counts
	err := tx.QueryRow(ctx, `SELECT
	(SELECT count(*) FROM results),
	(SELECT count(*) FROM (SELECT DISTINCT check_id, day FROM minutes) AS d),
	(SELECT count(*) FROM credits),
	(SELECT count(*) FROM audit),
	(SELECT count(*) FROM exclusions),
	(SELECT count(*) FROM tokens)`).Scan(&c.Results, &c.HistoryDays, &c.Credits, &c.Audit, &c.Exclusions, &c.Tokens)
	if err != nil {
		return c, fmt.Errorf("count rows: %w", err)
	}
	return c, nil
}
