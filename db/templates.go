package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/slatehq/slate/incident"
	"github.com/slatehq/slate/store"
)

// UpdateTemplate is a stored start of an incident update.
type UpdateTemplate = store.UpdateTemplate

const selectTemplate = `SELECT id, name, status, body, created_ms, updated_ms FROM update_templates`

func scanTemplate(s interface{ Scan(...any) error }) (UpdateTemplate, error) {
	var t UpdateTemplate
	var status string
	var created, updated int64
	if err := s.Scan(&t.ID, &t.Name, &status, &t.Body, &created, &updated); err != nil {
		return UpdateTemplate{}, err
	}
	t.Status = incident.Status(status)
	t.CreatedAt, t.UpdatedAt = time.UnixMilli(created).UTC(), time.UnixMilli(updated).UTC()
	return t, nil
}

// UpdateTemplates returns every update template, by name.
func (d *DB) UpdateTemplates(ctx context.Context) ([]UpdateTemplate, error) {
	if d.closed() {
		return nil, fmt.Errorf("update templates: %w", ErrClosed)
	}
	return queryList(ctx, d.rdb, "update templates", func(r *sql.Rows) (UpdateTemplate, error) { return scanTemplate(r) },
		selectTemplate+` ORDER BY name, id`)
}

// UpdateTemplate returns template id, or ErrNotFound.
func (d *DB) UpdateTemplate(ctx context.Context, id int64) (UpdateTemplate, error) {
	if d.closed() {
		return UpdateTemplate{}, fmt.Errorf("update template %d: %w", id, ErrClosed)
	}
	t, err := scanTemplate(d.rdb.QueryRowContext(ctx, selectTemplate+` WHERE id = ?`, id))
	if err != nil {
		return UpdateTemplate{}, fmt.Errorf("update template %d: %w", id, notFound(err))
	}
	return t, nil
}

// SaveUpdateTemplate inserts t (ID 0) or replaces template t.ID, audited
// as template.created or template.updated; see store.UpdateTemplates.
func (d *DB) SaveUpdateTemplate(ctx context.Context, t *UpdateTemplate, actor string) error {
	if err := store.CheckUpdateTemplate(*t); err != nil {
		return fmt.Errorf("save update template: %w", err)
	}
	saved := *t
	err := d.update(ctx, func(ctx context.Context, tx *sql.Tx) error {
		now := d.opts.Now().UnixMilli()
		var other int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM update_templates WHERE name = ? AND id != ?`, t.Name, t.ID).Scan(&other)
		if err == nil {
			return fmt.Errorf("%w: %q", store.ErrTemplateName, t.Name)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		action := "template.updated"
		if t.ID == 0 {
			action = "template.created"
			res, err := tx.ExecContext(ctx, `INSERT INTO update_templates (name, status, body, created_ms, updated_ms) VALUES (?, ?, ?, ?, ?)`,
				t.Name, t.Status, t.Body, now, now)
			if err != nil {
				return err
			}
			if saved.ID, err = res.LastInsertId(); err != nil {
				return err
			}
			saved.CreatedAt = time.UnixMilli(now).UTC()
		} else {
			old, err := scanTemplate(tx.QueryRowContext(ctx, selectTemplate+` WHERE id = ?`, t.ID))
			if err != nil {
				return notFound(err)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE update_templates SET name = ?, status = ?, body = ?, updated_ms = ? WHERE id = ?`,
				t.Name, t.Status, t.Body, now, t.ID); err != nil {
				return err
			}
			saved.CreatedAt = old.CreatedAt
		}
		saved.UpdatedAt = time.UnixMilli(now).UTC()
		return audit(ctx, tx, time.UnixMilli(now), actor, action, store.TemplateSubject(saved.ID), store.TemplateDetail(saved))
	})
	if err != nil {
		return fmt.Errorf("save update template: %w", err)
	}
	*t = saved
	return nil
}

// DeleteUpdateTemplate removes template id, audited as template.deleted.
func (d *DB) DeleteUpdateTemplate(ctx context.Context, id int64, actor string) error {
	err := d.update(ctx, func(ctx context.Context, tx *sql.Tx) error {
		old, err := scanTemplate(tx.QueryRowContext(ctx, selectTemplate+` WHERE id = ?`, id))
		if err != nil {
			return notFound(err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM update_templates WHERE id = ?`, id); err != nil {
			return err
		}
		return audit(ctx, tx, d.opts.Now(), actor, "template.deleted", store.TemplateSubject(id), store.TemplateDetail(old))
	})
	if err != nil {
		return fmt.Errorf("delete update template %d: %w", id, err)
	}
	return nil
}
