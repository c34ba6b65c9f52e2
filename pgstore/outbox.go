package pgstore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/slatehq/slate/store"
)

// Enqueue adds alerts to the outbox in a transaction of its own.
func (s *Store) Enqueue(ctx context.Context, as []store.Alert) error {
	err := s.update(ctx, false, func(ctx context.Context, tx pgx.Tx) error {
		return enqueueTx(ctx, tx, s.opts.Now().UnixMilli(), as)
	})
	if err != nil {
		return fmt.Errorf("enqueue alerts: %w", err)
	}
	return nil
}

func enqueueTx(ctx context.Context, tx pgx.Tx, nowMS int64, as []store.Alert) error {
	for _, a := range as {
		if err := store.CheckAlert(a); err != nil {
			return err
		}
	}
	for _, a := range as {
		next := nowMS
		if !a.NextAt.IsZero() {
			next = a.NextAt.UnixMilli()
		}
		if _, err := tx.Exec(ctx, `INSERT INTO outbox (dedup_key, receiver, kind, payload, created_ms, next_ms)
VALUES ($1, $2, $3, $4, $5, $6)`, a.DedupKey, a.Receiver, a.Kind, a.Payload, nowMS, next); err != nil {
			return fmt.Errorf("insert %s for %s: %w", a.DedupKey, a.Receiver, err)
		}
	}
	return nil
}

const alertCols = `id, dedup_key, receiver, kind, payload, created_ms, attempts, next_ms, state, last_error, claim, claimed_until_ms`

func scanAlert(r pgx.CollectableRow) (store.Alert, error) {
	var a store.Alert
	var created, next, claimed int64
	var attempts int32
	err := r.Scan(&a.ID, &a.DedupKey, &a.Receiver, &a.Kind, &a.Payload, &created, &attempts, &next, &a.State, &a.LastError, &a.Claim, &claimed)
	a.Attempts, a.CreatedAt, a.NextAt = int(attempts), msTime(created), msTime(next)
	if claimed != 0 {
		a.ClaimedUntil = msTime(claimed)
	}
	return a, err
}

// headOfQueue is the SQL condition of an outbox row (named outbox) that no
// earlier pending alert of the same key and receiver holds back.
const headOfQueue = `NOT EXISTS (SELECT 1 FROM outbox AS earlier WHERE earlier.dedup_key = outbox.dedup_key
	AND earlier.receiver = outbox.receiver AND earlier.state = 'pending' AND earlier.id < outbox.id)`

// DueAlerts returns up to limit pending alerts, heads of their queues, due
// at or before now, earliest first; see store.Outbox.
func (s *Store) DueAlerts(ctx context.Context, now time.Time, limit int) ([]store.Alert, error) {
	var lim any
	if limit > 0 {
		lim = limit
	}
	return queryList(ctx, s, "due alerts", scanAlert, `SELECT `+alertCols+` FROM outbox
WHERE state = 'pending' AND next_ms <= $1 AND `+headOfQueue+` ORDER BY next_ms, id LIMIT $2`, now.UnixMilli(), lim)
}

// ClaimAlerts claims due alerts for one sender; see store.Outbox. The rows
// are chosen FOR UPDATE SKIP LOCKED: a concurrent claimer, on any replica,
// skips the rows this one is claiming instead of waiting for them or
// taking them too, and finds them claimed once this commits.
func (s *Store) ClaimAlerts(ctx context.Context, now time.Time, limit int, claimant string, hold time.Duration) ([]store.Alert, error) {
	if err := store.CheckClaim(claimant, hold); err != nil {
		return nil, err
	}
	token, err := store.NewClaimToken(claimant)
	if err != nil {
		return nil, err
	}
	var lim any
	if limit > 0 {
		lim = limit
	}
	var out []store.Alert
	err = s.update(ctx, false, func(ctx context.Context, tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `WITH due AS (
	SELECT id FROM outbox WHERE state = 'pending' AND next_ms <= $1 AND claimed_until_ms <= $1 AND `+headOfQueue+`
	ORDER BY next_ms, id LIMIT $2 FOR UPDATE SKIP LOCKED)
UPDATE outbox SET claim = $3, claimed_until_ms = $4 FROM due WHERE outbox.id = due.id
RETURNING `+prefixed("outbox.", alertCols), now.UnixMilli(), lim, token, now.Add(hold).UnixMilli())
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, scanAlert)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("claim alerts for %s: %w", claimant, err)
	}
	sortAlerts(out)
	return out, nil
}

// ReleaseAlerts ends token's claim on ids; see store.Outbox.
func (s *Store) ReleaseAlerts(ctx context.Context, token string, ids []int64) error {
	if token == "" || len(ids) == 0 {
		return nil
	}
	err := s.update(ctx, false, func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE outbox SET claim = '', claimed_until_ms = 0 WHERE claim = $1 AND id = ANY($2)`, token, ids)
		return err
	})
	if err != nil {
		return fmt.Errorf("release %d alerts of %s: %w", len(ids), token, err)
	}
	return nil
}

// Alert returns the outbox row id, or ErrNotFound.
func (s *Store) Alert(ctx context.Context, id int64) (store.Alert, error) {
	as, err := queryList(ctx, s, store.AlertSubject(id), scanAlert, `SELECT `+alertCols+` FROM outbox WHERE id = $1`, id)
	if err != nil {
		return store.Alert{}, err
	}
	if len(as) == 0 {
		return store.Alert{}, fmt.Errorf("%s: %w", store.AlertSubject(id), store.ErrNotFound)
	}
	return as[0], nil
}

// AlertsByKey returns every outbox row with dedup key key, oldest first.
func (s *Store) AlertsByKey(ctx context.Context, key string) ([]store.Alert, error) {
	return queryList(ctx, s, "alerts "+key, scanAlert, `SELECT `+alertCols+` FROM outbox WHERE dedup_key = $1 ORDER BY id`, key)
}

// AlertKeyWithPrefix reports whether any outbox row's dedup key starts
// with prefix; see store.Outbox.
func (s *Store) AlertKeyWithPrefix(ctx context.Context, prefix string) (bool, error) {
	if err := s.check("alert key"); err != nil {
		return false, err
	}
	var found bool
	if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM outbox WHERE starts_with(dedup_key, $1))`, prefix).Scan(&found); err != nil {
		return false, fmt.Errorf("alert key %q: %w", prefix, s.mapErr(err))
	}
	return found, nil
}

// PendingAlerts counts the alerts still waiting for delivery.
func (s *Store) PendingAlerts(ctx context.Context) (int, error) {
	if err := s.check("pending alerts"); err != nil {
		return 0, err
	}
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE state = 'pending'`).Scan(&n); err != nil {
		return 0, fmt.Errorf("pending alerts: %w", s.mapErr(err))
	}
	return n, nil
}

// RecordAttempt records one delivery attempt and moves the alert, ending
// its claim; see store.Outbox.
func (s *Store) RecordAttempt(ctx context.Context, id int64, at time.Time, outcome store.AttemptOutcome) error {
	state, err := store.AttemptState(id, outcome)
	if err != nil {
		return err
	}
	var stale error
	err = s.update(ctx, false, func(ctx context.Context, tx pgx.Tx) error {
		stale = nil
		var cur string
		var next int64
		err := tx.QueryRow(ctx, `SELECT state, next_ms FROM outbox WHERE id = $1 FOR UPDATE`, id).Scan(&cur, &next)
		if errors.Is(err, pgx.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("read state: %w", err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO outbox_attempts (alert_id, at_ms, outcome, status, error) VALUES ($1, $2, $3, $4, $5)`,
			id, at.UnixMilli(), outcome.Outcome, outcome.Status, outcome.Error); err != nil {
			return fmt.Errorf("insert attempt: %w", err)
		}
		if cur != store.AlertPending {
			stale = fmt.Errorf("%w: %s, want %s", store.ErrAlertState, cur, store.AlertPending)
			_, err := tx.Exec(ctx, `UPDATE outbox SET attempts = attempts + 1, claim = '', claimed_until_ms = 0 WHERE id = $1`, id)
			return err
		}
		if state == store.AlertPending {
			next = outcome.NextAt.UnixMilli()
		}
		_, err = tx.Exec(ctx, `UPDATE outbox SET attempts = attempts + 1, state = $1, next_ms = $2, last_error = $3,
	claim = '', claimed_until_ms = 0 WHERE id = $4`, state, next, outcome.Error, id)
		return err
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
func (s *Store) Attempts(ctx context.Context, alertID int64) ([]store.Attempt, error) {
	return queryList(ctx, s, "attempts of "+store.AlertSubject(alertID), func(r pgx.CollectableRow) (store.Attempt, error) {
		var a store.Attempt
		var at int64
		var status int32
		err := r.Scan(&a.AlertID, &at, &a.Outcome, &status, &a.Error)
		a.At, a.Status = msTime(at), int(status)
		return a, err
	}, `SELECT alert_id, at_ms, outcome, status, error FROM outbox_attempts WHERE alert_id = $1 ORDER BY at_ms, seq`, alertID)
}

// prefixed qualifies each of a comma-separated column list with prefix.
func prefixed(prefix, cols string) string {
	parts := strings.Split(cols, ", ")
	for i, p := range parts {
		parts[i] = prefix + p
	}
	return strings.Join(parts, ", ")
}

// sortAlerts puts alerts in the order they are due.
func sortAlerts(as []store.Alert) {
	slices.SortFunc(as, func(a, b store.Alert) int {
		return cmp.Or(a.NextAt.Compare(b.NextAt), cmp.Compare(a.ID, b.ID))
	})
}
