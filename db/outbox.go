package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// The states of an outbox row.
const (
	AlertPending   = "pending"   // waiting for its next attempt at NextAt
	AlertDelivered = "delivered" // a receiver acknowledged it; final
	AlertFailed    = "failed"    // the sender gave up; final
)

// The outcomes of one delivery attempt, as RecordAttempt takes them.
const (
	OutcomeDelivered = "delivered" // the receiver answered 2xx
	OutcomeRetry     = "retry"     // failed; try again at AttemptOutcome.NextAt
	OutcomeGaveUp    = "gave_up"   // failed for good: a 4xx, or too old to retry
)

// Alert is one row of the outbox: a notification owed to one receiver.
type Alert struct {
	ID        int64     // assigned on enqueue; 0 before
	DedupKey  string    // stable per incident or rule, "incident/42"; receivers dedupe on it
	Receiver  string    // receiver name from the configuration
	Kind      string    // "trigger", "resolve", "heartbeat", ...
	Payload   []byte    // the event as receiver-neutral JSON (alert.Event)
	CreatedAt time.Time // when it was enqueued, UTC, millisecond precision; set by Enqueue
	Attempts  int       // attempts recorded so far
	NextAt    time.Time // when the next attempt is due; zero on enqueue means at once
	State     string    // AlertPending, AlertDelivered or AlertFailed; set by Enqueue
	LastError string    // error of the latest failed attempt; "" if none
}

// AttemptOutcome is what one delivery attempt came to.
type AttemptOutcome struct {
	Outcome string    // OutcomeDelivered, OutcomeRetry or OutcomeGaveUp
	Status  int       // HTTP status code of the answer; 0 when there was none
	NextAt  time.Time // OutcomeRetry: when the next attempt is due
	Error   string    // why it failed; "" when delivered
}

// Attempt is one recorded delivery attempt of an alert.
type Attempt struct {
	AlertID int64
	At      time.Time // UTC, millisecond precision
	Outcome string    // as in AttemptOutcome
	Status  int       // HTTP status code; 0 when there was no answer
	Error   string
}

// ErrAlertState is returned, wrapped, when an attempt is recorded for an
// alert that is no longer pending: it was delivered or given up already.
var ErrAlertState = errors.New("alert state")

// alertSubject names an alert in errors.
func alertSubject(id int64) string { return fmt.Sprintf("alert/%d", id) }

func checkAlert(a Alert) error {
	switch {
	case strings.TrimSpace(a.DedupKey) == "":
		return fmt.Errorf("empty dedup key")
	case strings.TrimSpace(a.Receiver) == "":
		return fmt.Errorf("%s: empty receiver", a.DedupKey)
	case strings.TrimSpace(a.Kind) == "":
		return fmt.Errorf("%s: empty kind", a.DedupKey)
	case len(a.Payload) == 0:
		return fmt.Errorf("%s: empty payload", a.DedupKey)
	}
	return nil
}

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
		if err := checkAlert(a); err != nil {
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

const selectAlert = `SELECT id, dedup_key, receiver, kind, payload, created_ms, attempts, next_ms, state, last_error FROM outbox`

func scanAlert(rows *sql.Rows) (Alert, error) {
	var a Alert
	var created, next int64
	if err := rows.Scan(&a.ID, &a.DedupKey, &a.Receiver, &a.Kind, &a.Payload, &created, &a.Attempts, &next, &a.State, &a.LastError); err != nil {
		return Alert{}, err
	}
	a.CreatedAt = time.UnixMilli(created).UTC()
	a.NextAt = time.UnixMilli(next).UTC()
	return a, nil
}

// DueAlerts returns up to limit pending alerts whose next attempt is due at
// or before now, the earliest due first. limit 0 or less means no limit.
func (d *DB) DueAlerts(ctx context.Context, now time.Time, limit int) ([]Alert, error) {
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	return d.alertQuery(ctx, "due alerts",
		selectAlert+` WHERE state = 'pending' AND next_ms <= ? ORDER BY next_ms, id LIMIT ?`, now.UnixMilli(), limit)
}

// Alert returns the outbox row id, or ErrNotFound.
func (d *DB) Alert(ctx context.Context, id int64) (Alert, error) {
	as, err := d.alertQuery(ctx, alertSubject(id), selectAlert+` WHERE id = ?`, id)
	if err != nil {
		return Alert{}, err
	}
	if len(as) == 0 {
		return Alert{}, fmt.Errorf("%s: %w", alertSubject(id), ErrNotFound)
	}
	return as[0], nil
}

// AlertsByKey returns every outbox row with dedup key key, oldest first.
func (d *DB) AlertsByKey(ctx context.Context, key string) ([]Alert, error) {
	return d.alertQuery(ctx, "alerts "+key, selectAlert+` WHERE dedup_key = ? ORDER BY id`, key)
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
	var state string
	switch outcome.Outcome {
	case OutcomeDelivered:
		state = AlertDelivered
	case OutcomeRetry:
		state = AlertPending
		if outcome.NextAt.IsZero() {
			return fmt.Errorf("record attempt of %s: retry without a next time", alertSubject(id))
		}
	case OutcomeGaveUp:
		state = AlertFailed
	default:
		return fmt.Errorf("record attempt of %s: unknown outcome %q", alertSubject(id), outcome.Outcome)
	}
	atMS := at.UnixMilli()
	var stale error
	err := d.update(ctx, func(ctx context.Context, tx *sql.Tx) error {
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
			if _, err := tx.ExecContext(ctx, `UPDATE outbox SET attempts = attempts + 1 WHERE id = ?`, id); err != nil {
				return fmt.Errorf("count attempt: %w", err)
			}
			return nil
		}
		if state == AlertPending {
			next = outcome.NextAt.UnixMilli()
		}
		_, err = tx.ExecContext(ctx, `UPDATE outbox SET attempts = attempts + 1, state = ?, next_ms = ?, last_error = ?
WHERE id = ?`, state, next, outcome.Error, id)
		if err != nil {
			return fmt.Errorf("update: %w", err)
		}
		return nil
	})
	if err == nil {
		err = stale
	}
	if err != nil {
		return fmt.Errorf("record attempt of %s: %w", alertSubject(id), err)
	}
	return nil
}

// Attempts returns the recorded attempts of alert id, oldest first.
func (d *DB) Attempts(ctx context.Context, alertID int64) ([]Attempt, error) {
	what := "attempts of " + alertSubject(alertID)
	if d.closed() {
		return nil, fmt.Errorf("%s: %w", what, ErrClosed)
	}
	rows, err := d.rdb.QueryContext(ctx, `SELECT alert_id, at_ms, outcome, status, error FROM outbox_attempts
WHERE alert_id = ? ORDER BY at_ms, rowid`, alertID)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var out []Attempt
	for rows.Next() {
		var a Attempt
		var atMS int64
		if err := rows.Scan(&a.AlertID, &atMS, &a.Outcome, &a.Status, &a.Error); err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		a.At = time.UnixMilli(atMS).UTC()
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}
