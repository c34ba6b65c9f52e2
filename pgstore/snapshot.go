package pgstore

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/slatehq/slate/store"
)

// Snapshot opens a read-only REPEATABLE READ transaction, exports its
// snapshot (pg_export_snapshot), counts the rows of that snapshot and calls
// fn with the snapshot's name and the counts while the transaction stays
// open: a `pg_dump --snapshot=<name>` run by fn dumps exactly the state
// that was counted, however much is written meanwhile.
func (s *Store) Snapshot(ctx context.Context, fn func(snapshot string, c store.Counts) error) error {
	return s.read(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var name string
		if err := tx.QueryRow(ctx, `SELECT pg_export_snapshot()`).Scan(&name); err != nil {
			return fmt.Errorf("export snapshot: %w", err)
		}
		c, err := countTx(ctx, tx)
		if err != nil {
			return err
		}
		return fn(name, c)
	})
}

// ConnString is the connection string the store was opened with, for
// tools (pg_dump) that connect to the same database.
func (s *Store) ConnString() string { return s.pool.Config().ConnString() }
