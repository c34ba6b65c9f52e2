package db

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// RotateSecret replaces the key stored under name with a fresh random one,
// in one transaction with its audit entry (action secret.rotated, subject
// secret/<name>; the entry says when the replaced key was made, never a
// key). Whatever the old key signed stops verifying: rotating the key of
// tenant links revokes every link. A name with no key yet gets one.
func (d *DB) RotateSecret(ctx context.Context, name, actor string) error {
	switch {
	case strings.TrimSpace(name) == "":
		return errors.New("rotate secret: empty name")
	case strings.TrimSpace(actor) == "":
		return fmt.Errorf("rotate secret %s: empty actor", name)
	}
	fresh := make([]byte, secretLen)
	if _, err := rand.Read(fresh); err != nil {
		return fmt.Errorf("rotate secret %s: %w", name, err)
	}
	err := d.update(ctx, func(ctx context.Context, tx *sql.Tx) error {
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
		detail := map[string]any{"replaced_created": nil}
		if created != 0 {
			detail["replaced_created"] = time.UnixMilli(created).UTC().Format(time.RFC3339)
		}
		js, err := canonicalJSON(detail)
		if err != nil {
			return err
		}
		_, err = appendAudit(ctx, tx, now, actor, "secret.rotated", "secret/"+name, js)
		return err
	})
	if err != nil {
		return fmt.Errorf("rotate secret %s: %w", name, err)
	}
	return nil
}
