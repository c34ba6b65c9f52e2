package pgstore

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/slatehq/slate/store"
)

// appendAudit appends one entry inside tx, which holds the ledger lock
// (update with ledger set): the entry read as the last stays the last until
// tx commits, so the chain neither forks nor skips an id, whichever replica
// appends.
func appendAudit(ctx context.Context, tx pgx.Tx, now time.Time, actor, action, subject, js string) (store.AuditEntry, error) {
	lastID, lastHash, err := auditHead(ctx, tx)
	if err != nil {
		return store.AuditEntry{}, err
	}
	e := store.NextAudit(lastID, lastHash, now, actor, action, subject, js)
	if err := insertAudit(ctx, tx, e); err != nil {
		return store.AuditEntry{}, err
	}
	return e, nil
}

// auditHead is the last entry's id and hash (0 and the genesis hash for
// an empty log), read inside a transaction that holds the ledger lock.
func auditHead(ctx context.Context, tx pgx.Tx) (int64, string, error) {
	var id int64
	hash := store.GenesisHash
	err := tx.QueryRow(ctx, `SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1`).Scan(&id, &hash)
	if err != nil && err != pgx.ErrNoRows {
		return 0, "", fmt.Errorf("read audit head: %w", err)
	}
	return id, hash, nil
}

// audit appends an entry whose detail is v, encoded as canonical JSON.
func audit(ctx context.Context, tx pgx.Tx, now time.Time, actor, action, subject string, v any) error {
	js, err := store.CanonicalJSON(v)
	if err != nil {
		return fmt.Errorf("encode audit detail of %s: %w", subject, err)
	}
	if _, err := appendAudit(ctx, tx, now, actor, action, subject, js); err != nil {
		return fmt.Errorf("audit %s: %w", subject, err)
	}
	return nil
}

func insertAudit(ctx context.Context, tx pgx.Tx, e store.AuditEntry) error {
	_, err := tx.Exec(ctx, `INSERT INTO audit (id, at_ms, actor, action, subject, detail, prev_hash, hash)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, e.ID, e.At.UnixMilli(), e.Actor, e.Action, e.Subject, e.Detail, e.PrevHash, e.Hash)
	if err != nil {
		return fmt.Errorf("insert audit entry %d: %w", e.ID, err)
	}
	return nil
}

// AppendAudit appends an entry for a change made outside the ledger; see
// store.Audit.
func (s *Store) AppendAudit(ctx context.Context, actor, action, subject string, detail any) error {
	js, err := store.CheckAudit(actor, action, subject, detail)
	if err != nil {
		return fmt.Errorf("append audit %s %s: %w", action, subject, err)
	}
	err = s.update(ctx, true, func(ctx context.Context, tx pgx.Tx) error {
		_, err := appendAudit(ctx, tx, s.opts.Now(), actor, action, subject, js)
		return err
	})
	if err != nil {
		return fmt.Errorf("append audit %s %s: %w", action, subject, err)
	}
	return nil
}

const selectAudit = `SELECT id, at_ms, actor, action, subject, detail, prev_hash, hash FROM audit`

func scanAudit(r pgx.CollectableRow) (store.AuditEntry, error) {
	var e store.AuditEntry
	var at int64
	err := r.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.Subject, &e.Detail, &e.PrevHash, &e.Hash)
	e.At = msTime(at)
	return e, err
}

// AuditEntries returns up to limit entries with an ID above afterID, in
// order; limit 0 or less means no limit.
func (s *Store) AuditEntries(ctx context.Context, afterID int64, limit int) ([]store.AuditEntry, error) {
	var lim any // NULL: no limit
	if limit > 0 {
		lim = limit
	}
	return queryList(ctx, s, fmt.Sprintf("audit after %d", afterID), scanAudit,
		selectAudit+` WHERE id > $1 ORDER BY id LIMIT $2`, afterID, lim)
}

// AuditOf returns every entry about subject, oldest first.
func (s *Store) AuditOf(ctx context.Context, subject string) ([]store.AuditEntry, error) {
	return queryList(ctx, s, "audit of "+subject, scanAudit, selectAudit+` WHERE subject = $1 ORDER BY id`, subject)
}

// VerifyAudit walks the whole log in one snapshot and checks the chain;
// see store.Audit.
func (s *Store) VerifyAudit(ctx context.Context) (int, error) {
	m, err := s.VerifyAuditAfter(ctx, store.AuditMark{})
	return m.Checked, err
}

// VerifyAuditAfter checks the entries after mark in one snapshot; see
// store.Audit.
func (s *Store) VerifyAuditAfter(ctx context.Context, mark store.AuditMark) (store.AuditMark, error) {
	var v store.ChainVerifier
	v.Resume(mark)
	err := s.read(ctx, func(ctx context.Context, tx pgx.Tx) error {
		rows, err := tx.Query(ctx, selectAudit+` WHERE id > $1 ORDER BY id`, mark.ID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			e, err := scanAudit(rows)
			if err != nil {
				return err
			}
			if err := v.Next(e); err != nil {
				return err
			}
		}
		return rows.Err()
	})
	if err != nil {
		return v.Mark(), fmt.Errorf("verify audit: %w", err)
	}
	return v.Mark(), nil
}

// queryList runs query on the pool and scans every row.
func queryList[T any](ctx context.Context, s *Store, what string, scan func(pgx.CollectableRow) (T, error), query string, args ...any) ([]T, error) {
	if err := s.check(what); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, s.mapErr(err))
	}
	out, err := pgx.CollectRows(rows, scan)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, s.mapErr(err))
	}
	return out, nil
}
