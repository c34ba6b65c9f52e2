package pgstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// pagesChannel is the channel the page tables' triggers notify (migration
// 0013): a transaction that changed what the status pages show committed.
const pagesChannel = "slate_pages"

// ListenPages calls changed each time a transaction that changed what the
// status pages show commits — an incident, its entries or post-mortem, a
// maintenance window or its updates, a credit, an exclusion — whichever
// replica made it, until ctx is done. It holds one connection of its own,
// outside the pool, listening. It calls changed once as soon as it
// listens, and again each time it listens after losing the connection
// (it tells failed why and reconnects, trying every retry): what committed
// before the LISTEN was not notified to it, so the pages are rebuilt
// rather than trusted. changed and failed run on ListenPages's goroutine
// and should not block.
//
// LISTEN needs a session: behind a pooler in transaction mode it hears
// nothing, and the pages follow by their poll alone.
func (s *Store) ListenPages(ctx context.Context, retry time.Duration, changed func(), failed func(error)) {
	for {
		err := s.listenOnce(ctx, changed)
		if ctx.Err() != nil {
			return
		}
		failed(err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(retry):
		}
	}
}

// listenOnce connects, listens, says changed for what it missed and
// relays notifications until the connection fails or ctx is done.
func (s *Store) listenOnce(ctx context.Context, changed func()) error {
	if s.closed.Load() {
		return errors.New("store closed")
	}
	conn, err := pgx.ConnectConfig(ctx, s.pool.Config().ConnConfig.Copy())
	if err != nil {
		return fmt.Errorf("connect to listen: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+pagesChannel); err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	changed()
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return fmt.Errorf("wait for notification: %w", err)
		}
		changed()
	}
}
