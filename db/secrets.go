package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/slatehq/slate/store"
)

// RotateSecret replaces the key stored under name with a fresh random one,
// in one transaction with its audit entry; see store.Tokens.
func (d *DB) RotateSecret(ctx context.Context, name, actor string) error {
	if err := store.CheckRotateSecret(name, actor); err != nil {
		return err
	}
	fresh, err := store.NewSecret()
	if err != nil {
		return fmt.Errorf("rotate secret %s: %w", name, err)
	}
	err = d.update(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var created int64
		err := tx.QueryRowContext(ctx, `SELECT created_ms FROM secrets WHERE name = ?`, name).Scan(&created)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		now := d.opts.Now()
		if _, err := tx.ExecContext(ctx, `INSERT INTO secrets (name, value, created_ms) VALUES (?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET value = excluded.value, created_ms = excluded.created_ms`,
			name, fresh, now.UnixMilli()); err != nil {
			return err
		}
		var replaced time.Time
		if created != 0 {
			replaced = time.UnixMilli(created)
		}
		js, err := store.CanonicalJSON(store.RotationDetail(replaced))
		if err != nil {
			return err
		}
		_, err = appendAudit(ctx, tx, now, actor, store.SecretRotated, store.SecretSubject(name), js)
		return err
	})
	if err != nil {
		return fmt.Errorf("rotate secret %s: %w", name, err)
	}
	return nil
}
