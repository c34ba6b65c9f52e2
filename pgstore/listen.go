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

// ListenOptions tunes ListenPages; the zero value is the defaults.
type ListenOptions struct {
	// Retry is the wait before reconnecting after the connection is lost,
	// doubled after each failed attempt up to MaxRetry. 0 means 1 s.
	Retry time.Duration
	// MaxRetry bounds the wait between attempts. 0 means a minute.
	MaxRetry time.Duration
	// Check is how long the connection may stay silent before it is
	// pinged, and how long connecting and the ping may take: a connection
	// that died without a word (a failover, a flow a firewall dropped) is
	// found within about twice Check, not when TCP gives up. 0 means 30 s.
	Check time.Duration
}

func (o ListenOptions) withDefaults() ListenOptions {
	if o.Retry <= 0 {
		o.Retry = time.Second
	}
	if o.MaxRetry <= 0 {
		o.MaxRetry = time.Minute
	}
	if o.Check <= 0 {
		o.Check = 30 * time.Second
	}
	return o
}

// ListenPages calls changed each time a transaction that changed what the
// status pages show commits — an incident, its entries or post-mortem, a
// maintenance window or its updates, a credit, an exclusion — whichever
// replica made it, until ctx is done. It holds one connection of its own,
// outside the pool, listening. It calls changed once as soon as it
// listens, and again each time it listens after losing the connection:
// what committed before the LISTEN was not notified to it, so the pages
// are rebuilt rather than trusted. It tells failed why when it stops
// listening, once until it listens again, however many attempts that
// takes. changed and failed run on ListenPages's goroutine and should not
// block.
//
// LISTEN needs a session: behind a pooler in transaction mode it hears
// nothing, and the pages follow by their poll alone.
func (s *Store) ListenPages(ctx context.Context, o ListenOptions, changed func(), failed func(error)) {
	o = o.withDefaults()
	wait, reported := o.Retry, false
	for {
		listened, err := s.listenOnce(ctx, o.Check, changed)
		if ctx.Err() != nil {
			return
		}
		if listened {
			wait, reported = o.Retry, false
		}
		if !reported {
			failed(err)
			reported = true
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, o.MaxRetry)
	}
}

// listenOnce connects, listens, says changed for what it missed and
// relays notifications until the connection fails or ctx is done; listened
// says whether it got as far as listening.
func (s *Store) listenOnce(ctx context.Context, check time.Duration, changed func()) (listened bool, err error) {
	if s.closed.Load() {
		return false, errors.New("store closed")
	}
	cfg := s.pool.Config().ConnConfig.Copy()
	cfg.ConnectTimeout = check
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return false, fmt.Errorf("connect to listen: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	lctx, cancel := context.WithTimeout(ctx, check)
	_, err = conn.Exec(lctx, "LISTEN "+pagesChannel)
	cancel()
	if err != nil {
		return false, fmt.Errorf("listen: %w", err)
	}
	changed()
	for {
		wctx, cancel := context.WithTimeout(ctx, check)
		_, err := conn.WaitForNotification(wctx)
		silent := wctx.Err() != nil && ctx.Err() == nil
		cancel()
		switch {
		case err == nil:
			changed()
		case ctx.Err() != nil:
			return true, ctx.Err()
		case silent:
			// Quiet for check: a notification may be lost on a dead
			// connection, so it must answer.
			pctx, cancel := context.WithTimeout(ctx, check)
			err = conn.Ping(pctx)
			cancel()
			if err != nil {
				return true, fmt.Errorf("the listening connection did not answer a ping within %s: %w", check, err)
			}
		default:
			return true, fmt.Errorf("wait for notification: %w", err)
		}
	}
}
