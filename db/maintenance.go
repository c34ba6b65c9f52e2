package db

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/slatehq/slate/store"
)

// AddMaintenance announces a window now (by the store's clock) and audits it.
func (d *DB) AddMaintenance(ctx context.Context, m Maintenance, actor string) (Maintenance, error) {
	if err := store.CheckMaintenance(m, actor); err != nil {
		return Maintenance{}, err
	}
	svc, err := json.Marshal(m.Services)
	if err != nil {
		return Maintenance{}, err
	}
	var out Maintenance
	err = d.update(ctx, func(ctx context.Context, tx *sql.Tx) error {
		now := d.opts.Now()
		res, err := tx.ExecContext(ctx, `INSERT INTO maintenance (services, title, description, start_ms, end_ms, announced_ms, actor) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			string(svc), m.Title, m.Description, m.Start.UnixMilli(), m.End.UnixMilli(), now.UnixMilli(), actor)
		if err != nil {
			return err
		}
		id, err := res.LastInsertId()
		if err != nil {
			return err
		}
		out = m
		out.ID, out.Announced, out.Actor, out.Updates = id, time.UnixMilli(now.UnixMilli()).UTC(), actor, nil
		return audit(ctx, tx, now, actor, "maintenance.announced", store.MaintenanceSubject(id), store.MaintenanceDetail(m))
	})
	if err != nil {
		return Maintenance{}, fmt.Errorf("add maintenance: %w", err)
	}
	return out, nil
}

// CancelMaintenance withdraws window id at the store's now; see
// store.MaintenanceCancel: a planned window is cancelled, one in progress
// ends now, one that ended stays as it is (ErrMaintenanceState).
func (d *DB) CancelMaintenance(ctx context.Context, id int64, actor string) (Maintenance, error) {
	var out Maintenance
	err := d.update(ctx, func(ctx context.Context, tx *sql.Tx) error {
		now := d.opts.Now()
		ms, err := windowIn(ctx, tx, id)
		if err != nil {
			return err
		}
		action, m, err := store.MaintenanceCancel(ms[0], now, actor)
		if err != nil {
			return err
		}
		if m.Cancelled {
			_, err = tx.ExecContext(ctx, `UPDATE maintenance SET cancelled_ms = ?, cancelled_by = ? WHERE id = ?`, m.CancelledAt.UnixMilli(), actor, id)
		} else {
			_, err = tx.ExecContext(ctx, `UPDATE maintenance SET end_ms = ? WHERE id = ?`, m.End.UnixMilli(), id)
		}
		if err != nil {
			return err
		}
		out = m
		return audit(ctx, tx, now, actor, action, store.MaintenanceSubject(id), store.MaintenanceCancelDetail(ms[0].End))
	})
	if err != nil {
		return Maintenance{}, fmt.Errorf("cancel maintenance: %w", err)
	}
	return out, nil
}

// PostMaintenanceUpdate posts a person's update on window id at the
// store's now; see store.MaintenancePost.
func (d *DB) PostMaintenanceUpdate(ctx context.Context, id int64, status, body, actor string) (Maintenance, error) {
	var out Maintenance
	err := d.update(ctx, func(ctx context.Context, tx *sql.Tx) error {
		now := d.opts.Now()
		ms, err := windowIn(ctx, tx, id)
		if err != nil {
			return err
		}
		u, m, err := store.MaintenancePost(ms[0], status, body, now, actor)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO maintenance_updates (maintenance_id, status, body, at_ms, actor) VALUES (?, ?, ?, ?, ?)`,
			id, u.Status, u.Body, u.At.UnixMilli(), actor); err != nil {
			return err
		}
		ended := !m.End.Equal(ms[0].End)
		if ended {
			if _, err := tx.ExecContext(ctx, `UPDATE maintenance SET end_ms = ? WHERE id = ?`, m.End.UnixMilli(), id); err != nil {
				return err
			}
		}
		out = m
		return audit(ctx, tx, now, actor, store.MaintenanceUpdated, store.MaintenanceSubject(id), store.MaintenanceUpdateDetail(u, ms[0].End, ended))
	})
	if err != nil {
		return Maintenance{}, fmt.Errorf("post maintenance update: %w", err)
	}
	return out, nil
}

// windowIn reads window id inside tx, as a one-element list, or
// ErrNotFound.
func windowIn(ctx context.Context, tx *sql.Tx, id int64) ([]Maintenance, error) {
	ms, err := queryMaintenance(ctx, tx, ` WHERE id = ?`, id)
	if err == nil && len(ms) == 0 {
		err = fmt.Errorf("maintenance %d: %w", id, ErrNotFound)
	}
	return ms, err
}

// ListMaintenance returns every recorded window, cancelled ones included,
// by start, read in one read transaction so that each window's end agrees
// with its updates (a completed update moves the end).
func (d *DB) ListMaintenance(ctx context.Context) ([]Maintenance, error) {
	if d.closed() {
		return nil, fmt.Errorf("list maintenance: %w", ErrClosed)
	}
	tx, err := d.rdb.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("list maintenance: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // read-only
	return queryMaintenance(ctx, tx, "")
}

// queryMaintenance reads the windows where (empty, or a WHERE clause over
// maintenance) selects, by start, each with its updates; q should be a
// transaction, so that the windows and their updates agree.
func queryMaintenance(ctx context.Context, q queryer, where string, args ...any) ([]Maintenance, error) {
	ms, err := queryWindows(ctx, q, where+` ORDER BY start_ms, id`, args...)
	if err != nil || len(ms) == 0 {
		return ms, err
	}
	us, err := queryWindowUpdates(ctx, q, where, args...)
	if err != nil {
		return nil, err
	}
	store.AttachMaintenanceUpdates(ms, us)
	return ms, nil
}

// queryWindowUpdates reads the updates of the windows where selects
// (as in queryMaintenance), oldest first: one query for all of them, and
// only theirs, so that reading one window in the writer's transaction
// does not read every update ever posted.
func queryWindowUpdates(ctx context.Context, q queryer, where string, args ...any) ([]store.MaintenanceUpdate, error) {
	query := `SELECT id, maintenance_id, status, body, at_ms, actor FROM maintenance_updates`
	if where != "" {
		query += ` WHERE maintenance_id IN (SELECT id FROM maintenance` + where + `)`
	}
	rows, err := q.QueryContext(ctx, query+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("list maintenance updates: %w", err)
	}
	defer rows.Close()
	var us []store.MaintenanceUpdate
	for rows.Next() {
		var u store.MaintenanceUpdate
		var at int64
		if err := rows.Scan(&u.ID, &u.Maintenance, &u.Status, &u.Body, &at, &u.Actor); err != nil {
			return nil, fmt.Errorf("list maintenance updates: %w", err)
		}
		u.At = time.UnixMilli(at).UTC()
		us = append(us, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list maintenance updates: %w", err)
	}
	return us, nil
}

func queryWindows(ctx context.Context, q queryer, tail string, args ...any) ([]Maintenance, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, services, title, description, start_ms, end_ms, announced_ms, actor,
coalesce(cancelled_ms, 0), coalesce(cancelled_by, '') FROM maintenance`+tail, args...)
	if err != nil {
		return nil, fmt.Errorf("list maintenance: %w", err)
	}
	defer rows.Close()
	var out []Maintenance
	for rows.Next() {
		var m Maintenance
		var svc string
		var s, e, a, c int64
		if err := rows.Scan(&m.ID, &svc, &m.Title, &m.Description, &s, &e, &a, &m.Actor, &c, &m.CancelledBy); err != nil {
			return nil, fmt.Errorf("list maintenance: %w", err)
		}
		if err := json.Unmarshal([]byte(svc), &m.Services); err != nil {
			return nil, fmt.Errorf("list maintenance %d: %w", m.ID, err)
		}
		m.Start, m.End, m.Announced = time.UnixMilli(s).UTC(), time.UnixMilli(e).UTC(), time.UnixMilli(a).UTC()
		m.Cancelled = c != 0
		if m.Cancelled {
			m.CancelledAt = time.UnixMilli(c).UTC()
		}
		out = append(out, m)
	}
	return out, rows.Err()
}
