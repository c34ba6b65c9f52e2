package pgstore

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/slatehq/slate/store"
)

// Subscribe stores a confirmed subscription, replacing the address's
// earlier choice on the same page.
func (s *Store) Subscribe(ctx context.Context, sub store.Subscriber) error {
	if err := store.CheckSubscriber(sub); err != nil {
		return err
	}
	js, err := json.Marshal(store.NonNil(sub.Components))
	if err != nil {
		return fmt.Errorf("subscribe: %w", err)
	}
	err = s.update(ctx, false, func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO subscribers (address, page, components, confirmed_ms) VALUES ($1, $2, $3, $4)
ON CONFLICT (address, page) DO UPDATE SET components = excluded.components, confirmed_ms = excluded.confirmed_ms`,
			sub.Address, sub.Page, string(js), sub.ConfirmedAt.UnixMilli())
		return err
	})
	if err != nil {
		// The address stays out of the error: errors reach logs.
		return fmt.Errorf("subscribe on page %q: %w", sub.Page, s.mapErr(err))
	}
	return nil
}

// Unsubscribe removes a subscription; none is not an error.
func (s *Store) Unsubscribe(ctx context.Context, address, page string) error {
	err := s.update(ctx, false, func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM subscribers WHERE address = $1 AND page = $2`, address, page)
		return err
	})
	if err != nil {
		return fmt.Errorf("unsubscribe from page %q: %w", page, s.mapErr(err))
	}
	return nil
}

// Subscribers lists page's subscriptions that cover service.
func (s *Store) Subscribers(ctx context.Context, page, service string) ([]store.Subscriber, error) {
	ss, err := queryList(ctx, s, "subscribers of page "+page, scanSubscriber,
		`SELECT id, address, page, components, confirmed_ms FROM subscribers WHERE page = $1 ORDER BY id`, page)
	return store.FilterSubscribers(ss, service), err
}

// Subscriber returns subscription id, or store.ErrNotFound.
func (s *Store) Subscriber(ctx context.Context, id int64) (store.Subscriber, error) {
	ss, err := queryList(ctx, s, fmt.Sprintf("subscriber %d", id), scanSubscriber,
		`SELECT id, address, page, components, confirmed_ms FROM subscribers WHERE id = $1`, id)
	if err != nil {
		return store.Subscriber{}, err
	}
	if len(ss) == 0 {
		return store.Subscriber{}, fmt.Errorf("subscriber %d: %w", id, store.ErrNotFound)
	}
	return ss[0], nil
}

func scanSubscriber(r pgx.CollectableRow) (store.Subscriber, error) {
	var sub store.Subscriber
	var comps string
	var ms int64
	if err := r.Scan(&sub.ID, &sub.Address, &sub.Page, &comps, &ms); err != nil {
		return sub, err
	}
	sub.ConfirmedAt = msTime(ms)
	return sub, json.Unmarshal([]byte(comps), &sub.Components)
}
