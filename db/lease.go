package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/slatehq/slate/store"
)

// sqliteNowMS is the database's clock in UTC Unix milliseconds: SQLite's
// 'now', which is the operating system's wall clock, read inside the
// transaction.
const sqliteNowMS = `CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)`

// AcquireLease takes lease name for holder for ttl; see store.Leases. The
// writer transaction holds the write lock, so of two processes racing for
// a free lease one takes it and the other finds it held.
func (d *DB) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (Lease, error) {
	if err := store.CheckLease(name, holder, ttl); err != nil {
		return Lease{}, err
	}
	sent := time.Now() // the holder's monotonic clock, before the request
	var out Lease
	err := d.update(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var cur Lease
		var expires, now int64
		err := tx.QueryRowContext(ctx, `SELECT holder, epoch, expires_ms, `+sqliteNowMS+` FROM leases WHERE name = ?`, name).
			Scan(&cur.Holder, &cur.Epoch, &expires, &now)
		if errors.Is(err, sql.ErrNoRows) {
			if err := tx.QueryRowContext(ctx, `SELECT `+sqliteNowMS).Scan(&now); err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
		epoch, err := store.NextLeaseEpoch(name, holder, cur.Holder, cur.Epoch, expires-now)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO leases (name, holder, epoch, expires_ms) VALUES (?, ?, ?, ?)
ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, epoch = excluded.epoch, expires_ms = excluded.expires_ms`,
			name, holder, epoch, now+ttl.Milliseconds())
		out = store.Lease{Name: name, Holder: holder, Epoch: epoch, TTL: ttl,
			Expires: time.UnixMilli(now + ttl.Milliseconds()).UTC(), Deadline: sent.Add(ttl)}
		return err
	})
	if err != nil {
		return Lease{}, fmt.Errorf("acquire lease %s for %s: %w", name, holder, err)
	}
	return out, nil
}

// RenewLease extends l; see store.Leases.
func (d *DB) RenewLease(ctx context.Context, l Lease) (Lease, error) {
	if err := store.CheckLease(l.Name, l.Holder, l.TTL); err != nil {
		return Lease{}, err
	}
	sent := time.Now()
	var now int64
	err := d.update(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT `+sqliteNowMS).Scan(&now); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE leases SET expires_ms = ?
WHERE name = ? AND holder = ? AND epoch = ? AND expires_ms > ?`, now+l.TTL.Milliseconds(), l.Name, l.Holder, l.Epoch, now)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return store.ErrLeaseLost
		}
		return nil
	})
	if err != nil {
		return Lease{}, fmt.Errorf("renew lease %s for %s: %w", l.Name, l.Holder, err)
	}
	l.Expires, l.Deadline = time.UnixMilli(now+l.TTL.Milliseconds()).UTC(), sent.Add(l.TTL)
	return l, nil
}

// ReleaseLease ends l at once; see store.Leases.
func (d *DB) ReleaseLease(ctx context.Context, l Lease) error {
	err := d.update(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE leases SET expires_ms = `+sqliteNowMS+`
WHERE name = ? AND holder = ? AND epoch = ? AND expires_ms > `+sqliteNowMS, l.Name, l.Holder, l.Epoch)
		return err
	})
	if err != nil {
		return fmt.Errorf("release lease %s for %s: %w", l.Name, l.Holder, err)
	}
	return nil
}
