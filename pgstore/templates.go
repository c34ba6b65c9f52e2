package pgstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/slatehq/slate/incident"
	"github.com/slatehq/slate/store"
)

const selectTemplate = `SELECT id, name, status, body, created_ms, updated_ms FROM update_templates`

func scanTemplate(r pgx.Row) (store.UpdateTemplate, error) {
	var t store.UpdateTemplate
	var status string
	var created, updated int64
	if err := r.Scan(&t.ID, &t.Name, &status, &t.Body, &created, &updated); err != nil {
		return store.UpdateTemplate{}, err
	}
	t.Status, t.CreatedAt, t.UpdatedAt = incident.Status(status), msTime(created), msTime(updated)
	return t, nil
}

// UpdateTemplates returns every update template, by name.
func (s *Store) UpdateTemplates(ctx context.Context) ([]store.UpdateTemplate, error) {
	return queryList(ctx, s, "update templates", func(r pgx.CollectableRow) (store.UpdateTemplate, error) { return scanTemplate(r) },
		selectTemplate+` ORDER BY name, id`)
}

// UpdateTemplate returns template id, or ErrNotFound.
func (s *Store) UpdateTemplate(ctx context.Context, id int64) (store.UpdateTemplate, error) {
	if err := s.check("update template"); err != nil {
		return store.UpdateTemplate{}, err
	}
	t, err := scanTemplate(s.pool.QueryRow(ctx, selectTemplate+` WHERE id = $1`, id))
	if err != nil {
		return store.UpdateTemplate{}, fmt.Errorf("update template %d: %w", id, notFound(err))
	}
	return t, nil
}

// SaveUpdateTemplate inserts t (ID 0) or replaces template t.ID, audited;
// see store.UpdateTemplates.
func (s *Store) SaveUpdateTemplate(ctx context.Context, t *store.UpdateTemplate, actor string) error {
	if err := store.CheckUpdateTemplate(*t); err != nil {
		return fmt.Errorf("save update template: %w", err)
	}
	saved := *t
	err := s.update(ctx, true, func(ctx context.Context, tx pgx.Tx) error {
		now := s.opts.Now()
		var other int64
		err := tx.QueryRow(ctx, `SELECT id FROM update_templates WHERE name = $1 AND id != $2`, t.Name, t.ID).Scan(&other)
		if err == nil {
			return fmt.Errorf("%w: %q", store.ErrTemplateName, t.Name)
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		action := "template.updated"
		if t.ID == 0 {
			action = "template.created"
			if err := tx.QueryRow(ctx, `INSERT INTO update_templates (name, status, body, created_ms, updated_ms) VALUES ($1, $2, $3, $4, $4) RETURNING id`,
				t.Name, string(t.Status), t.Body, now.UnixMilli()).Scan(&saved.ID); err != nil {
				return err
			}
			saved.CreatedAt = msTime(now.UnixMilli())
		} else {
			old, err := scanTemplate(tx.QueryRow(ctx, selectTemplate+` WHERE id = $1`, t.ID))
			if err != nil {
				return notFound(err)
			}
			if _, err := tx.Exec(ctx, `UPDATE update_templates SET name = $1, status = $2, body = $3, updated_ms = $4 WHERE id = $5`,
				t.Name, string(t.Status), t.Body, now.UnixMilli(), t.ID); err != nil {
				return err
			}
			saved.CreatedAt = old.CreatedAt
		}
		saved.UpdatedAt = msTime(now.UnixMilli())
		return audit(ctx, tx, now, actor, action, store.TemplateSubject(saved.ID), store.TemplateDetail(saved))
	})
	if err != nil {
		return fmt.Errorf("save update template: %w", err)
	}
	*t = saved
	return nil
}

// DeleteUpdateTemplate removes template id, audited as template.deleted.
func (s *Store) DeleteUpdateTemplate(ctx context.Context, id int64, actor string) error {
	err := s.update(ctx, true, func(ctx context.Context, tx pgx.Tx) error {
		old, err := scanTemplate(tx.QueryRow(ctx, selectTemplate+` WHERE id = $1`, id))
		if err != nil {
			return notFound(err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM update_templates WHERE id = $1`, id); err != nil {
			return err
		}
		return audit(ctx, tx, s.opts.Now(), actor, "template.deleted", store.TemplateSubject(id), store.TemplateDetail(old))
	})
	if err != nil {
		return fmt.Errorf("delete update template %d: %w", id, err)
	}
	return nil
}
