package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/slatehq/slate/store"

	"github.com/slatehq/slate/sla"
)

// AddExclusion records an exclusion and its audit entry in one transaction.
func (d *DB) AddExclusion(ctx context.Context, e Exclusion, actor string) (Exclusion, error) {
	what := fmt.Sprintf("add exclusion for %s", e.Contract)
	if err := store.CheckExclusion(e, actor); err != nil {
		return Exclusion{}, fmt.Errorf("%s: %w", what, err)
	}
	var out Exclusion
	err := d.update(ctx, func(ctx context.Context, tx *sql.Tx) error {
		now := d.opts.Now()
		res, err := tx.ExecContext(ctx, `INSERT INTO exclusions (contract, start_ms, end_ms, reason, actor, created_ms) VALUES (?, ?, ?, ?, ?, ?)`,
			e.Contract, e.Start.UnixMilli(), e.End.UnixMilli(), e.Reason, actor, now.UnixMilli())
		if err != nil {
			return fmt.Errorf("insert: %w", err)
		}
		id, err := res.LastInsertId()
		if err != nil {
			return err
		}
		if out, err = queryExclusion(ctx, tx, id); err != nil {
			return err
		}
		return auditExclusion(ctx, tx, now, actor, "exclusion.added", out)
	})
	if err != nil {
		return Exclusion{}, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// CancelExclusion withdraws an exclusion that is in force; the row stays,
// marked, and the cancellation is audited.
func (d *DB) CancelExclusion(ctx context.Context, id int64, actor, reason string) (Exclusion, error) {
	what := fmt.Sprintf("cancel exclusion %d", id)
	if strings.TrimSpace(reason) == "" || strings.TrimSpace(actor) == "" {
		return Exclusion{}, fmt.Errorf("%s: a reason and an actor are required", what)
	}
	var out Exclusion
	err := d.update(ctx, func(ctx context.Context, tx *sql.Tx) error {
		now := d.opts.Now()
		res, err := tx.ExecContext(ctx, `UPDATE exclusions SET cancelled_ms = ?, cancelled_by = ?, cancel_reason = ?
WHERE id = ? AND cancelled_ms IS NULL`, now.UnixMilli(), actor, reason, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			if _, err := queryExclusion(ctx, tx, id); err != nil {
				return err // ErrNotFound
			}
			return errors.New("already cancelled")
		}
		if out, err = queryExclusion(ctx, tx, id); err != nil {
			return err
		}
		return auditExclusion(ctx, tx, now, actor, "exclusion.cancelled", out)
	})
	if err != nil {
		return Exclusion{}, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// ListExclusions returns a contract's exclusions, cancelled ones included,
// by start; an empty contract lists every contract's.
func (d *DB) ListExclusions(ctx context.Context, contract string) ([]Exclusion, error) {
	q := selectExclusion + ` WHERE ? = '' OR contract = ? ORDER BY start_ms, id`
	rows, err := d.rdb.QueryContext(ctx, q, contract, contract)
	if err != nil {
		return nil, fmt.Errorf("list exclusions: %w", err)
	}
	defer rows.Close()
	var out []Exclusion
	for rows.Next() {
		e, err := scanExclusion(rows)
		if err != nil {
			return nil, fmt.Errorf("list exclusions: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// ExclusionsInForce are a contract's exclusions in force that overlap
// [from, to), as the engine takes them.
func (d *DB) ExclusionsInForce(ctx context.Context, contract string, from, to time.Time) ([]sla.Exclusion, error) {
	rows, err := d.rdb.QueryContext(ctx, `SELECT start_ms, end_ms, reason FROM exclusions
WHERE contract = ? AND cancelled_ms IS NULL AND start_ms < ? AND end_ms > ? ORDER BY start_ms`,
		contract, to.UnixMilli(), from.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("exclusions of %s: %w", contract, err)
	}
	defer rows.Close()
	var out []sla.Exclusion
	for rows.Next() {
		var s, e int64
		var reason string
		if err := rows.Scan(&s, &e, &reason); err != nil {
			return nil, fmt.Errorf("exclusions of %s: %w", contract, err)
		}
		out = append(out, sla.Exclusion{Interval: sla.Interval{Start: time.UnixMilli(s).UTC(), End: time.UnixMilli(e).UTC()}, Reason: reason})
	}
	return out, rows.Err()
}

const selectExclusion = `SELECT id, contract, start_ms, end_ms, reason, actor, created_ms,
coalesce(cancelled_ms, 0), coalesce(cancelled_by, ''), coalesce(cancel_reason, '') FROM exclusions`

func queryExclusion(ctx context.Context, tx *sql.Tx, id int64) (Exclusion, error) {
	e, err := scanExclusion(tx.QueryRowContext(ctx, selectExclusion+` WHERE id = ?`, id))
	if err != nil {
		return Exclusion{}, notFound(err)
	}
	return e, nil
}

func scanExclusion(s interface{ Scan(...any) error }) (Exclusion, error) {
	var e Exclusion
	var start, end, created, cancelled int64
	if err := s.Scan(&e.ID, &e.Contract, &start, &end, &e.Reason, &e.Actor, &created, &cancelled, &e.CancelledBy, &e.CancelReason); err != nil {
		return Exclusion{}, err
	}
	e.Start, e.End, e.CreatedAt = time.UnixMilli(start).UTC(), time.UnixMilli(end).UTC(), time.UnixMilli(created).UTC()
	if cancelled != 0 {
		e.Cancelled, e.CancelledAt = true, time.UnixMilli(cancelled).UTC()
	}
	return e, nil
}

func auditExclusion(ctx context.Context, tx *sql.Tx, now time.Time, actor, action string, e Exclusion) error {
	detail := store.ExclusionDetail(e)
	js, err := store.CanonicalJSON(detail)
	if err != nil {
		return err
	}
	_, err = appendAudit(ctx, tx, now, actor, action, store.ExclusionSubject(e.ID), js)
	return err
}
