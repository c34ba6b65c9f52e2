package db

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/slatehq/slate/store"
)

// Subscribe stores a confirmed subscription, replacing the address's
// earlier choice on the same page.
func (d *DB) Subscribe(ctx context.Context, s store.Subscriber) error {
	if err := store.CheckSubscriber(s); err != nil {
		return err
	}
	comps, err := json.Marshal(store.NonNil(s.Components))
	if err != nil {
		return fmt.Errorf("subscribe: %w", err)
	}
	err = d.update(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO subscribers (address, page, components, confirmed_ms) VALUES (?, ?, ?, ?)
ON CONFLICT (address, page) DO UPDATE SET components = excluded.components, confirmed_ms = excluded.confirmed_ms`,
			s.Address, s.Page, string(comps), s.ConfirmedAt.UnixMilli())
		return err
	})
	if err != nil {
		// The address stays out of the error: errors reach logs.
		return fmt.Errorf("subscribe on page %q: %w", s.Page, err)
	}
	return nil
}

// Unsubscribe removes a subscription; none is not an error.
func (d *DB) Unsubscribe(ctx context.Context, address, page string) error {
	err := d.update(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM subscribers WHERE address = ? AND page = ?`, address, page)
		return err
	})
	if err != nil {
		return fmt.Errorf("unsubscribe from page %q: %w", page, err)
	}
	return nil
}

// Subscribers lists page's subscriptions that cover service.
func (d *DB) Subscribers(ctx context.Context, page, service string) ([]store.Subscriber, error) {
	if d.closed() {
		return nil, fmt.Errorf("subscribers: %w", ErrClosed)
	}
	ss, err := queryList(ctx, d.rdb, "subscribers of page "+page, scanSubscriber,
		selectSubscriber+` WHERE page = ? ORDER BY id`, page)
	return store.FilterSubscribers(ss, service), err
}

// Subscriber returns subscription id, or ErrNotFound.
func (d *DB) Subscriber(ctx context.Context, id int64) (store.Subscriber, error) {
	if d.closed() {
		return store.Subscriber{}, fmt.Errorf("subscriber %d: %w", id, ErrClosed)
	}
	ss, err := queryList(ctx, d.rdb, fmt.Sprintf("subscriber %d", id), scanSubscriber, selectSubscriber+` WHERE id = ?`, id)
	if err != nil {
		return store.Subscriber{}, err
	}
	if len(ss) == 0 {
		return store.Subscriber{}, fmt.Errorf("subscriber %d: %w", id, ErrNotFound)
	}
	return ss[0], nil
}

const selectSubscriber = `SELECT id, address, page, components, confirmed_ms FROM subscribers`

func scanSubscriber(r *sql.Rows) (store.Subscriber, error) {
	var s store.Subscriber
	var comps string
	var ms int64
	if err := r.Scan(&s.ID, &s.Address, &s.Page, &comps, &ms); err != nil {
		return s, err
	}
	s.ConfirmedAt = time.UnixMilli(ms).UTC()
	return s, json.Unmarshal([]byte(comps), &s.Components)
}
