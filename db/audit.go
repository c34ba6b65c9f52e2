package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/slatehq/slate/store"
)

// AppendAudit appends an entry to the audit log, for changes made outside
// the ledger (manual exclusions, configuration changes). detail is encoded
// as canonical JSON (sorted keys, no white space); nil becomes null. The
// entry is written by the writer in its own transaction and is durable when
// AppendAudit returns nil. The ledger's methods append their own entries in
// the same transaction as the change they record.
func (d *DB) AppendAudit(ctx context.Context, actor, action, subject string, detail any) error {
	js, err := store.CheckAudit(actor, action, subject, detail)
	if err != nil {
		return fmt.Errorf("append audit %s %s: %w", action, subject, err)
	}
	err = d.update(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := appendAudit(ctx, tx, d.opts.Now(), actor, action, subject, js)
		return err
	})
	if err != nil {
		return fmt.Errorf("append audit %s %s: %w", action, subject, err)
	}
	return nil
}

// audit appends an entry whose detail is v, encoded as canonical JSON.
func audit(ctx context.Context, tx *sql.Tx, now time.Time, actor, action, subject string, v any) error {
	js, err := store.CanonicalJSON(v)
	if err != nil {
		return fmt.Errorf("encode audit detail of %s: %w", subject, err)
	}
	_, err = appendAudit(ctx, tx, now, actor, action, subject, js)
	return err
}

// appendAudit appends one entry inside tx, which must be a writer
// transaction begun IMMEDIATE: it holds the write lock, so the entry read as
// the last one stays the last one until tx commits, and two writers (even
// in two processes) cannot fork the chain.
func appendAudit(ctx context.Context, tx *sql.Tx, now time.Time, actor, action, subject, detail string) (AuditEntry, error) {
	var lastID int64
	lastHash := store.GenesisHash
	err := tx.QueryRowContext(ctx, `SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1`).Scan(&lastID, &lastHash)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return AuditEntry{}, fmt.Errorf("read audit head: %w", err)
	}
	e := store.NextAudit(lastID, lastHash, now, actor, action, subject, detail)
	_, err = tx.ExecContext(ctx, `INSERT INTO audit (id, at_ms, actor, action, subject, detail, prev_hash, hash)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, e.ID, e.At.UnixMilli(), e.Actor, e.Action, e.Subject, e.Detail, e.PrevHash, e.Hash)
	if err != nil {
		return AuditEntry{}, fmt.Errorf("insert audit entry %d: %w", e.ID, err)
	}
	return e, nil
}

const selectAudit = `SELECT id, at_ms, actor, action, subject, detail, prev_hash, hash FROM audit`

func scanAudit(rows *sql.Rows) (AuditEntry, error) {
	var e AuditEntry
	var atMS int64
	if err := rows.Scan(&e.ID, &atMS, &e.Actor, &e.Action, &e.Subject, &e.Detail, &e.PrevHash, &e.Hash); err != nil {
		return AuditEntry{}, err
	}
	e.At = time.UnixMilli(atMS).UTC()
	return e, nil
}

// AuditEntries returns up to limit entries with an ID above afterID, in
// order: pass the last ID of one page to get the next. limit 0 or less
// means no limit.
func (d *DB) AuditEntries(ctx context.Context, afterID int64, limit int) ([]AuditEntry, error) {
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	return d.auditQuery(ctx, fmt.Sprintf("audit after %d", afterID),
		selectAudit+` WHERE id > ? ORDER BY id LIMIT ?`, afterID, limit)
}

// AuditOf returns every entry about subject ("credit/42"), oldest first.
func (d *DB) AuditOf(ctx context.Context, subject string) ([]AuditEntry, error) {
	return d.auditQuery(ctx, "audit of "+subject, selectAudit+` WHERE subject = ? ORDER BY id`, subject)
}

func (d *DB) auditQuery(ctx context.Context, what, query string, args ...any) ([]AuditEntry, error) {
	if d.closed() {
		return nil, fmt.Errorf("%s: %w", what, ErrClosed)
	}
	return queryList(ctx, d.rdb, what, scanAudit, query, args...)
}

// VerifyAudit walks the whole audit log in ID order, in one read
// transaction, and checks that every entry's hash matches its contents and
// that its PrevHash is the hash of the entry before it (store.GenesisHash for the
// first). It returns how many entries it checked and, for a broken chain,
// an error naming the first entry that does not fit: an edited entry fails
// its own hash, a deleted or moved one breaks the link of the entry after
// it. Deleting entries at the end of the log leaves a shorter chain that
// still verifies; compare checked, or the last hash, with a copy kept
// elsewhere to notice that.
func (d *DB) VerifyAudit(ctx context.Context) (checked int, err error) {
	m, err := d.VerifyAuditAfter(ctx, store.AuditMark{})
	return m.Checked, err
}

// VerifyAuditAfter checks the entries after mark, in one read
// transaction; see store.Audit.
func (d *DB) VerifyAuditAfter(ctx context.Context, mark store.AuditMark) (store.AuditMark, error) {
	var v store.ChainVerifier
	v.Resume(mark)
	if d.closed() {
		return v.Mark(), fmt.Errorf("verify audit: %w", ErrClosed)
	}
	// One statement is one read transaction in WAL mode: a consistent
	// snapshot, however long the walk takes and whatever the writer does.
	rows, err := d.rdb.QueryContext(ctx, selectAudit+` WHERE id > ? ORDER BY id`, mark.ID)
	if err != nil {
		return v.Mark(), fmt.Errorf("verify audit: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return v.Mark(), fmt.Errorf("verify audit: %w", err)
		}
		if err := v.Next(e); err != nil {
			return v.Mark(), err
		}
	}
	if err := rows.Err(); err != nil {
		return v.Mark(), fmt.Errorf("verify audit: %w", err)
	}
	return v.Mark(), nil
}
