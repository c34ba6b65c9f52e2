package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/slatehq/slate/store"
)

// Enqueue adds alerts to the outbox in a transaction of its own and returns
// once it has committed durably: from then on the sender delivers them at
// least once. Use UpdateWithAlerts when the alerts belong to a state change
// made in the same database.
func (d *DB) Enqueue(ctx context.Context, as []Alert) error {
	return d.UpdateWithAlerts(ctx, func(context.Context, *sql.Tx) ([]Alert, error) { return as, nil })
}

// UpdateWithAlerts runs fn in a writer transaction (see update) and enqueues
// the alerts it returns in the same transaction, so a state change and the
// notifications about it commit together or not at all. fn's error rolls
// both back. Other db code calls it with its own change; the alerts'
// CreatedAt and State are set here, and a zero NextAt means due at once.
func (d *DB) UpdateWithAlerts(ctx context.Context, fn func(ctx context.Context, tx *sql.Tx) ([]Alert, error)) error {
	err := d.update(ctx, func(ctx context.Context, tx *sql.Tx) error {
		as, err := fn(ctx, tx)
		if err != nil {
			return err
		}
		return enqueueTx(ctx, tx, d.opts.Now(), as)
	})
	if err != nil {
		return fmt.Errorf("enqueue alerts: %w", err)
	}
	return nil
}

// enqueueTx inserts as inside tx, a writer transaction.
func enqueueTx(ctx context.Context, tx *sql.Tx, now time.Time, as []Alert) error {
	if len(as) == 0 {
		return nil
	}
	for _, a := range as {
		if err := store.CheckAlert(a); err != nil {
			return err
		}
	}
	ins, err := tx.PrepareContext(ctx, `INSERT INTO outbox (dedup_key, receiver, kind, payload, created_ms, next_ms)
VALUES (?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return fmt.Errorf("prepare insert: %w", err)
	}
	defer ins.Close()
	nowMS := now.UnixMilli()
	for _, a := range as {
		next := nowMS
		if !a.NextAt.IsZero() {
			next = a.NextAt.UnixMilli()
		}
		if _, err := ins.ExecContext(ctx, a.DedupKey, a.Receiver, a.Kind, a.Payload, nowMS, next); err != nil {
			return fmt.Errorf("insert %s for %s: %w", a.DedupKey, a.Receiver, err)
		}
	}
	return nil
}

const selectAlert = `SELECT id, dedup_key, receiver, kind, payload, created_ms, attempts, next_ms, state, last_error,
	claim, claimed_until_ms FROM outbox`

func scanAlert(rows *sql.Rows) (Alert, error) {
	var a Alert
	var created, next, claimed int64
	if err := rows.Scan(&a.ID, &a.DedupKey, &a.Receiver, &a.Kind, &a.Payload, &created, &a.Attempts, &next, &a.State, &a.LastError,
		&a.Claim, &claimed); err != nil {
		return Alert{}, err
	}
	a.CreatedAt = time.UnixMilli(created).UTC()
	a.NextAt = time.UnixMilli(next).UTC()
	if claimed != 0 {
		a.ClaimedUntil = time.UnixMilli(claimed).UTC()
	}
	return a, nil
}

// headOfQueue is the SQL condition of an outbox row (named outbox) that no
// earlier pending alert of the same key and receiver holds back.
const headOfQueue = `NOT EXISTS (SELECT 1 FROM outbox AS earlier WHERE earlier.dedup_key = outbox.dedup_key
	AND earlier.receiver = outbox.receiver AND earlier.state = 'pending' AND earlier.id < outbox.id)`

// DueAlerts returns up to limit pending alerts, heads of their queues,
// whose next attempt is due at or before now, the earliest due first;
// see store.Outbox. limit 0 or less means no limit.
func (d *DB) DueAlerts(ctx context.Context, now time.Time, limit int) ([]Alert, error) {
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	return d.alertQuery(ctx, "due alerts",
		selectAlert+` WHERE state = 'pending' AND next_ms <= ? AND `+headOfQueue+` ORDER BY next_ms, id LIMIT ?`, now.UnixMilli(), limit)
}

// ClaimAlerts claims due alerts for one sender; see store.Outbox. The
// claim is made in a writer transaction, which holds the write lock from
// its first read: two senders, even in two processes, claim one after the
// other and the second skips what the first took.
func (d *DB) ClaimAlerts(ctx context.Context, now time.Time, limit int, claimant string, hold time.Duration) ([]Alert, error) {
	if err := store.CheckClaim(claimant, hold); err != nil {
		return nil, err
	}
	token, err := store.NewClaimToken(claimant)
	if err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	nowMS, until := now.UnixMilli(), now.Add(hold).UnixMilli()
	var out []Alert
	err = d.update(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE outbox SET claim = ?, claimed_until_ms = ?
WHERE id IN (SELECT id FROM outbox WHERE state = 'pending' AND next_ms <= ? AND claimed_until_ms <= ?
	AND `+headOfQueue+` ORDER BY next_ms, id LIMIT ?)`, token, until, nowMS, nowMS, limit)
		if err != nil {
			return err
		}
		out, err = queryList(ctx, tx, "claimed alerts", scanAlert, selectAlert+` WHERE claim = ? ORDER BY next_ms, id`, token)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("claim alerts for %s: %w", claimant, err)
	}
	return out, nil
}

// releaseChunk is the most ids ReleaseAlerts puts in one statement,
// well under SQLite's oldest bound on parameters (999).
const releaseChunk = 500

// ReleaseAlerts ends token's claim on ids; see store.Outbox.
func (d *DB) ReleaseAlerts(ctx context.Context, token string, ids []int64) error {
	if token == "" || len(ids) == 0 {
		return nil
	}
	err := d.update(ctx, func(ctx context.Context, tx *sql.Tx) error {
		// One statement per releaseChunk ids: a sender's batch is one, and
		// no list outgrows SQLite's bound on parameters.
		for chunk := range slices.Chunk(ids, releaseChunk) {
			args := make([]any, 0, 1+len(chunk))
			args = append(args, token)
			for _, id := range chunk {
				args = append(args, id)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE outbox SET claim = '', claimed_until_ms = 0
WHERE claim = ? AND id IN (?`+strings.Repeat(", ?", len(chunk)-1)+`)`, args...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("release %d alerts of %s: %w", len(ids), token, err)
	}
	return nil
}

// Alert returns the outbox row id, or ErrNotFound.
func (d *DB) Alert(ctx context.Context, id int64) (Alert, error) {
	as, err := d.alertQuery(ctx, store.AlertSubject(id), selectAlert+` WHERE id = ?`, id)
	if err != nil {
		return Alert{}, err
	}
	if len(as) == 0 {
		return Alert{}, fmt.Errorf("%s: %w", store.AlertSubject(id), ErrNotFound)
	}
	return as[0], nil
}

// AlertsByKey returns every outbox row with dedup key key, oldest first.
func (d *DB) AlertsByKey(ctx context.Context, key string) ([]Alert, error) {
	return d.alertQuery(ctx, "alerts "+key, selectAlert+` WHERE dedup_key = ? ORDER BY id`, key)
}

// AlertKeyWithPrefix reports whether any outbox row's dedup key starts
// with prefix; see store.Outbox.
func (d *DB) AlertKeyWithPrefix(ctx context.Context, prefix string) (bool, error) {
	if d.closed() {
		return false, fmt.Errorf("alert key %q: %w", prefix, ErrClosed)
	}
	var n int
	// substr compares bytes, as LIKE would not (its _ and % are wildcards).
	err := d.rdb.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM outbox WHERE substr(dedup_key, 1, length(?1)) = ?1 LIMIT 1)`,
		prefix).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("alert key %q: %w", prefix, err)
	}
	return n > 0, nil
}

// PendingAlerts counts the alerts still waiting for delivery, due or not.
func (d *DB) PendingAlerts(ctx context.Context) (int, error) {
	if d.closed() {
		return 0, fmt.Errorf("pending alerts: %w", ErrClosed)
	}
	var n int
	if err := d.rdb.QueryRowContext(ctx, `SELECT count(*) FROM outbox WHERE state = 'pending'`).Scan(&n); err != nil {
		return 0, fmt.Errorf("pending alerts: %w", err)
	}
	return n, nil
}

func (d *DB) alertQuery(ctx context.Context, what, query string, args ...any) ([]Alert, error) {
	if d.closed() {
		return nil, fmt.Errorf("%s: %w", what, ErrClosed)
	}
	return queryList(ctx, d.rdb, what, scanAlert, query, args...)
}

// RecordAttempt records one delivery attempt of alert id made at at, and
// moves the alert: delivered, pending again until outcome.NextAt, or failed.
// Every attempt is kept in the attempts table, in the same transaction as
// the change. An attempt on an alert that is no longer pending (delivered
// twice by a sender that restarted mid-attempt) is still recorded, leaves
// the alert as it is and returns ErrAlertState.
func (d *DB) RecordAttempt(ctx context.Context, id int64, at time.Time, outcome AttemptOutcome) error {
	state, err := store.AttemptState(id, outcome)
	if err != nil {
		return err
	}
	atMS := at.UnixMilli()
	var stale error
	err = d.update(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var cur string
		var next int64
		err := tx.QueryRowContext(ctx, `SELECT state, next_ms FROM outbox WHERE id = ?`, id).Scan(&cur, &next)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("read state: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO outbox_attempts (alert_id, at_ms, outcome, status, error)
VALUES (?, ?, ?, ?, ?)`, id, atMS, outcome.Outcome, outcome.Status, outcome.Error); err != nil {
			return fmt.Errorf("insert attempt: %w", err)
		}
		if cur != AlertPending {
			stale = fmt.Errorf("%w: %s, want %s", ErrAlertState, cur, AlertPending)
			if _, err := tx.ExecContext(ctx, `UPDATE outbox SET attempts = attempts + 1, claim = '', claimed_until_ms = 0 WHERE id = ?`, id); err != nil {
				return fmt.Errorf("count attempt: %w", err)
			}
			return nil
		}
		if state == AlertPending {
			next = outcome.NextAt.UnixMilli()
		}
		_, err = tx.ExecContext(ctx, `UPDATE outbox SET attempts = attempts + 1, state = ?, next_ms = ?, last_error = ?,
	claim = '', claimed_until_ms = 0 WHERE id = ?`, state, next, outcome.Error, id)
		if err != nil {
			return fmt.Errorf("update: %w", err)
		}
		return nil
	})
	if err == nil {
		err = stale
	}
	if err != nil {
		return fmt.Errorf("record attempt of %s: %w", store.AlertSubject(id), err)
	}
	return nil
}

// Attempts returns the recorded attempts of alert id, oldest first.
func (d *DB) Attempts(ctx context.Context, alertID int64) ([]Attempt, error) {
	what := "attempts of " + store.AlertSubject(alertID)
	if d.closed() {
		return nil, fmt.Errorf("%s: %w", what, ErrClosed)
	}
	return queryList(ctx, d.rdb, what, scanAttempt, selectAttempt+` WHERE alert_id = ? ORDER BY at_ms, rowid`, alertID)
}

const selectAttempt = `SELECT alert_id, at_ms, outcome, status, error FROM outbox_attempts`

func scanAttempt(rows *sql.Rows) (Attempt, error) {
	var a Attempt
	var atMS int64
	err := rows.Scan(&a.AlertID, &atMS, &a.Outcome, &a.Status, &a.Error)
	a.At = time.UnixMilli(atMS).UTC()
	return a, err
}
