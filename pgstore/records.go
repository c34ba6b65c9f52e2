package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/store"
)

const selectExclusion = `SELECT id, contract, start_ms, end_ms, reason, actor, created_ms,
coalesce(cancelled_ms, 0), coalesce(cancelled_by, ''), coalesce(cancel_reason, '') FROM exclusions`

func scanExclusion(r pgx.Row) (store.Exclusion, error) {
	var e store.Exclusion
	var start, end, created, cancelled int64
	err := r.Scan(&e.ID, &e.Contract, &start, &end, &e.Reason, &e.Actor, &created, &cancelled, &e.CancelledBy, &e.CancelReason)
	e.Start, e.End, e.CreatedAt = msTime(start), msTime(end), msTime(created)
	if cancelled != 0 {
		e.Cancelled, e.CancelledAt = true, msTime(cancelled)
	}
	if errors.Is(err, pgx.ErrNoRows) {
		err = store.ErrNotFound
	}
	return e, err
}

// AddExclusion records an exclusion and its audit entry in one transaction.
func (s *Store) AddExclusion(ctx context.Context, e store.Exclusion, actor string) (store.Exclusion, error) {
	what := fmt.Sprintf("add exclusion for %s", e.Contract)
	if err := store.CheckExclusion(e, actor); err != nil {
		return store.Exclusion{}, fmt.Errorf("%s: %w", what, err)
	}
	var out store.Exclusion
	err := s.update(ctx, true, func(ctx context.Context, tx pgx.Tx) error {
		now := s.opts.Now()
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO exclusions (contract, start_ms, end_ms, reason, actor, created_ms)
VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, e.Contract, e.Start.UnixMilli(), e.End.UnixMilli(), e.Reason, actor, now.UnixMilli()).Scan(&id); err != nil {
			return fmt.Errorf("insert: %w", err)
		}
		var err error
		if out, err = scanExclusion(tx.QueryRow(ctx, selectExclusion+` WHERE id = $1`, id)); err != nil {
			return err
		}
		return audit(ctx, tx, now, actor, "exclusion.added", store.ExclusionSubject(id), store.ExclusionDetail(out))
	})
	if err != nil {
		return store.Exclusion{}, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// CancelExclusion withdraws an exclusion in force; the row stays, marked.
func (s *Store) CancelExclusion(ctx context.Context, id int64, actor, reason string) (store.Exclusion, error) {
	what := fmt.Sprintf("cancel exclusion %d", id)
	if strings.TrimSpace(reason) == "" || strings.TrimSpace(actor) == "" {
		return store.Exclusion{}, fmt.Errorf("%s: a reason and an actor are required", what)
	}
	var out store.Exclusion
	err := s.update(ctx, true, func(ctx context.Context, tx pgx.Tx) error {
		now := s.opts.Now()
		tag, err := tx.Exec(ctx, `UPDATE exclusions SET cancelled_ms = $1, cancelled_by = $2, cancel_reason = $3
WHERE id = $4 AND cancelled_ms IS NULL`, now.UnixMilli(), actor, reason, id)
		if err != nil {
			return err
		}
		out, err = scanExclusion(tx.QueryRow(ctx, selectExclusion+` WHERE id = $1`, id))
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return errors.New("already cancelled")
		}
		return audit(ctx, tx, now, actor, "exclusion.cancelled", store.ExclusionSubject(id), store.ExclusionDetail(out))
	})
	if err != nil {
		return store.Exclusion{}, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// ListExclusions returns a contract's exclusions (every contract's for
// ""), cancelled ones included, by start.
func (s *Store) ListExclusions(ctx context.Context, contract string) ([]store.Exclusion, error) {
	return queryList(ctx, s, "list exclusions", func(r pgx.CollectableRow) (store.Exclusion, error) { return scanExclusion(r) },
		selectExclusion+` WHERE $1 = '' OR contract = $1 ORDER BY start_ms, id`, contract)
}

// ExclusionsInForce are a contract's exclusions in force that overlap
// [from, to).
func (s *Store) ExclusionsInForce(ctx context.Context, contract string, from, to time.Time) ([]sla.Exclusion, error) {
	return queryList(ctx, s, "exclusions of "+contract, func(r pgx.CollectableRow) (sla.Exclusion, error) {
		var a, b int64
		var e sla.Exclusion
		err := r.Scan(&a, &b, &e.Reason)
		e.Interval = sla.Interval{Start: msTime(a), End: msTime(b)}
		return e, err
	}, `SELECT start_ms, end_ms, reason FROM exclusions
WHERE contract = $1 AND cancelled_ms IS NULL AND start_ms < $2 AND end_ms > $3 ORDER BY start_ms`, contract, to.UnixMilli(), from.UnixMilli())
}

// AddMaintenance announces a window now (by the store's clock), audited.
func (s *Store) AddMaintenance(ctx context.Context, m store.Maintenance, actor string) (store.Maintenance, error) {
	if err := store.CheckMaintenance(m, actor); err != nil {
		return store.Maintenance{}, err
	}
	svc, err := json.Marshal(m.Services)
	if err != nil {
		return store.Maintenance{}, err
	}
	out := m
	err = s.update(ctx, true, func(ctx context.Context, tx pgx.Tx) error {
		now := s.opts.Now()
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO maintenance (services, title, description, start_ms, end_ms, announced_ms, actor)
VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, string(svc), m.Title, m.Description, m.Start.UnixMilli(), m.End.UnixMilli(), now.UnixMilli(), actor).Scan(&id); err != nil {
			return err
		}
		out.ID, out.Announced, out.Actor, out.Updates = id, msTime(now.UnixMilli()), actor, nil
		return audit(ctx, tx, now, actor, "maintenance.announced", store.MaintenanceSubject(id), store.MaintenanceDetail(m))
	})
	if err != nil {
		return store.Maintenance{}, fmt.Errorf("add maintenance: %w", err)
	}
	return out, nil
}

// CancelMaintenance withdraws window id at the store's now; see
// store.MaintenanceCancel: a planned window is cancelled, one in progress
// ends now, one that ended stays as it is (ErrMaintenanceState).
func (s *Store) CancelMaintenance(ctx context.Context, id int64, actor string) (store.Maintenance, error) {
	var out store.Maintenance
	err := s.update(ctx, true, func(ctx context.Context, tx pgx.Tx) error {
		now := s.opts.Now()
		ms, err := lockWindow(ctx, tx, id)
		if err != nil {
			return err
		}
		action, m, err := store.MaintenanceCancel(ms[0], now, actor)
		if err != nil {
			return err
		}
		if m.Cancelled {
			_, err = tx.Exec(ctx, `UPDATE maintenance SET cancelled_ms = $1, cancelled_by = $2 WHERE id = $3`, m.CancelledAt.UnixMilli(), actor, id)
		} else {
			_, err = tx.Exec(ctx, `UPDATE maintenance SET end_ms = $1 WHERE id = $2`, m.End.UnixMilli(), id)
		}
		if err != nil {
			return err
		}
		out = m
		return audit(ctx, tx, now, actor, action, store.MaintenanceSubject(id), store.MaintenanceCancelDetail(ms[0].End))
	})
	if err != nil {
		return store.Maintenance{}, fmt.Errorf("cancel maintenance: %w", err)
	}
	return out, nil
}

// PostMaintenanceUpdate posts a person's update on window id at the
// store's now; see store.MaintenancePost.
func (s *Store) PostMaintenanceUpdate(ctx context.Context, id int64, status, body, actor string) (store.Maintenance, error) {
	var out store.Maintenance
	err := s.update(ctx, true, func(ctx context.Context, tx pgx.Tx) error {
		now := s.opts.Now()
		ms, err := lockWindow(ctx, tx, id)
		if err != nil {
			return err
		}
		u, m, err := store.MaintenancePost(ms[0], status, body, now, actor)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO maintenance_updates (maintenance_id, status, body, at_ms, actor) VALUES ($1, $2, $3, $4, $5)`,
			id, u.Status, u.Body, u.At.UnixMilli(), actor); err != nil {
			return err
		}
		ended := !m.End.Equal(ms[0].End)
		if ended {
			if _, err := tx.Exec(ctx, `UPDATE maintenance SET end_ms = $1 WHERE id = $2`, m.End.UnixMilli(), id); err != nil {
				return err
			}
		}
		out = m
		return audit(ctx, tx, now, actor, store.MaintenanceUpdated, store.MaintenanceSubject(id), store.MaintenanceUpdateDetail(u, ms[0].End, ended))
	})
	if err != nil {
		return store.Maintenance{}, fmt.Errorf("post maintenance update: %w", err)
	}
	return out, nil
}

// lockWindow reads window id inside tx, locked for the change, as a
// one-element list with its updates, or store.ErrNotFound.
func lockWindow(ctx context.Context, tx pgx.Tx, id int64) ([]store.Maintenance, error) {
	rows, err := tx.Query(ctx, selectMaintenance+` WHERE id = $1 FOR UPDATE`, id)
	if err != nil {
		return nil, err
	}
	ms, err := pgx.CollectRows(rows, scanMaintenance)
	if err == nil && len(ms) == 0 {
		err = fmt.Errorf("maintenance %d: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	rows, err = tx.Query(ctx, selectMaintenanceUpdates+` WHERE maintenance_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, err
	}
	us, err := pgx.CollectRows(rows, scanMaintenanceUpdate)
	if err != nil {
		return nil, err
	}
	store.AttachMaintenanceUpdates(ms, us)
	return ms, nil
}

// ListMaintenance returns every recorded window with its updates,
// cancelled ones included, by start, read in one snapshot so that each
// window's end agrees with its updates (a completed update moves the end).
func (s *Store) ListMaintenance(ctx context.Context) ([]store.Maintenance, error) {
	if err := s.check("list maintenance"); err != nil {
		return nil, err
	}
	var ms []store.Maintenance
	err := s.read(ctx, func(ctx context.Context, tx pgx.Tx) error {
		rows, err := tx.Query(ctx, selectMaintenance+` ORDER BY start_ms, id`)
		if err != nil {
			return err
		}
		if ms, err = pgx.CollectRows(rows, scanMaintenance); err != nil || len(ms) == 0 {
			return err
		}
		rows, err = tx.Query(ctx, selectMaintenanceUpdates+` ORDER BY id`)
		if err != nil {
			return err
		}
		us, err := pgx.CollectRows(rows, scanMaintenanceUpdate)
		if err != nil {
			return err
		}
		store.AttachMaintenanceUpdates(ms, us)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list maintenance: %w", err)
	}
	return ms, nil
}

const selectMaintenanceUpdates = `SELECT id, maintenance_id, status, body, at_ms, actor FROM maintenance_updates`

func scanMaintenanceUpdate(r pgx.CollectableRow) (store.MaintenanceUpdate, error) {
	var u store.MaintenanceUpdate
	var at int64
	err := r.Scan(&u.ID, &u.Maintenance, &u.Status, &u.Body, &at, &u.Actor)
	u.At = msTime(at)
	return u, err
}

const selectMaintenance = `SELECT id, services, title, description, start_ms, end_ms, announced_ms, actor, coalesce(cancelled_ms, 0), coalesce(cancelled_by, '')
FROM maintenance`

func scanMaintenance(r pgx.CollectableRow) (store.Maintenance, error) {
	var m store.Maintenance
	var svc string
	var a, b, c, cancelled int64
	if err := r.Scan(&m.ID, &svc, &m.Title, &m.Description, &a, &b, &c, &m.Actor, &cancelled, &m.CancelledBy); err != nil {
		return m, err
	}
	if err := json.Unmarshal([]byte(svc), &m.Services); err != nil {
		return m, fmt.Errorf("maintenance %d: %w", m.ID, err)
	}
	m.Start, m.End, m.Announced, m.Cancelled = msTime(a), msTime(b), msTime(c), cancelled != 0
	if m.Cancelled {
		m.CancelledAt = msTime(cancelled)
	}
	return m, nil
}
