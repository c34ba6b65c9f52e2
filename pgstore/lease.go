package pgstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/slatehq/slate/store"
)

// AcquireLease takes lease name for holder for ttl; see store.Leases. The
// row is locked (or its insert serialised by the primary key) for the
// decision, and every time is the database's clock_timestamp(), so the
// holders' clocks do not matter.
func (s *Store) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (store.Lease, error) {
	if err := store.CheckLease(name, holder, ttl); err != nil {
		return store.Lease{}, err
	}
	sent := time.Now() // the holder's monotonic clock, before the request
	out := store.Lease{Name: name, Holder: holder, TTL: ttl}
	err := s.update(ctx, false, func(ctx context.Context, tx pgx.Tx) error {
		// A first acquisition makes the row (epoch 0: never held), so that
		// racing first acquisitions all lock the one row below.
		if _, err := tx.Exec(ctx, `INSERT INTO leases (name, holder, epoch, expires) VALUES ($1, '', 0, '-infinity')
ON CONFLICT DO NOTHING`, name); err != nil {
			return err
		}
		var cur string
		var epoch, remaining int64
		err := tx.QueryRow(ctx, `SELECT holder, epoch,
	CASE WHEN expires = '-infinity' THEN 0 ELSE floor(extract(epoch FROM expires - clock_timestamp()) * 1000)::bigint END
FROM leases WHERE name = $1 FOR UPDATE`, name).Scan(&cur, &epoch, &remaining)
		if err != nil {
			return err
		}
		if out.Epoch, err = store.NextLeaseEpoch(name, holder, cur, epoch, remaining); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `UPDATE leases SET holder = $2, epoch = $3, expires = clock_timestamp() + $4 * interval '1 millisecond'
WHERE name = $1 RETURNING expires`, name, holder, out.Epoch, ttl.Milliseconds()).Scan(&out.Expires)
	})
	if err != nil {
		return store.Lease{}, fmt.Errorf("acquire lease %s for %s: %w", name, holder, err)
	}
	out.Expires, out.Deadline = out.Expires.UTC(), sent.Add(ttl)
	return out, nil
}

// RenewLease extends l by its TTL from the database's now, while it is
// still live and the holder's.
func (s *Store) RenewLease(ctx context.Context, l store.Lease) (store.Lease, error) {
	if err := store.CheckLease(l.Name, l.Holder, l.TTL); err != nil {
		return store.Lease{}, err
	}
	sent := time.Now()
	err := s.update(ctx, false, func(ctx context.Context, tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `UPDATE leases SET expires = clock_timestamp() + $4 * interval '1 millisecond'
WHERE name = $1 AND holder = $2 AND epoch = $3 AND expires > clock_timestamp() RETURNING expires`,
			l.Name, l.Holder, l.Epoch, l.TTL.Milliseconds()).Scan(&l.Expires)
		if errors.Is(err, pgx.ErrNoRows) {
			return store.ErrLeaseLost
		}
		return err
	})
	if err != nil {
		return store.Lease{}, fmt.Errorf("renew lease %s for %s: %w", l.Name, l.Holder, err)
	}
	l.Expires, l.Deadline = l.Expires.UTC(), sent.Add(l.TTL)
	return l, nil
}

// ReleaseLease ends l at once, if it is still the holder's.
func (s *Store) ReleaseLease(ctx context.Context, l store.Lease) error {
	err := s.update(ctx, false, func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE leases SET expires = clock_timestamp()
WHERE name = $1 AND holder = $2 AND epoch = $3 AND expires > clock_timestamp()`, l.Name, l.Holder, l.Epoch)
		return err
	})
	if err != nil {
		return fmt.Errorf("release lease %s for %s: %w", l.Name, l.Holder, err)
	}
	return nil
}
