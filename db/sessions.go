package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/slatehq/slate/store"
)

// CreateSession records a console session, audited, and returns its text;
// the store keeps its hash. See store.Sessions.
func (d *DB) CreateSession(ctx context.Context, ns store.NewSession) (string, store.Session, error) {
	now := d.opts.Now()
	if err := store.CheckNewSession(ns, now); err != nil {
		return "", store.Session{}, err
	}
	text, err := store.NewSessionText()
	if err != nil {
		return "", store.Session{}, err
	}
	var out store.Session
	err = d.update(ctx, func(ctx context.Context, tx *sql.Tx) error {
		sum := HashToken(text)
		res, err := tx.ExecContext(ctx, `INSERT INTO sessions (hash, subject, email, name, role, created_ms, last_seen_ms, expires_ms)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, sum[:], ns.Subject, ns.Email, ns.Name, ns.Role, now.UnixMilli(), now.UnixMilli(), ns.Expires.UnixMilli())
		if err != nil {
			return fmt.Errorf("insert: %w", err)
		}
		id, err := res.LastInsertId()
		if err != nil {
			return err
		}
		at := time.UnixMilli(now.UnixMilli()).UTC()
		out = store.Session{ID: id, Subject: ns.Subject, Email: ns.Email, Name: ns.Name, Role: ns.Role,
			CreatedAt: at, LastSeen: at, Expires: time.UnixMilli(ns.Expires.UnixMilli()).UTC()}
		return auditSession(ctx, tx, now, ns.Actor(), store.SessionCreated, out)
	})
	if err != nil {
		return "", store.Session{}, fmt.Errorf("create session for %s: %w", ns.Subject, err)
	}
	return text, out, nil
}

// SessionByHash returns the session whose text hashes to sum, revoked or
// expired ones included, or store.ErrSessionNotFound.
func (d *DB) SessionByHash(ctx context.Context, sum [32]byte) (store.Session, error) {
	if d.closed() {
		return store.Session{}, fmt.Errorf("session by hash: %w", ErrClosed)
	}
	s, err := scanSession(d.rdb.QueryRowContext(ctx, selectSession+` WHERE hash = ?`, sum[:]))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Session{}, store.ErrSessionNotFound
	}
	if err != nil {
		return store.Session{}, fmt.Errorf("session by hash: %w", err)
	}
	return s, nil
}

// TouchSession moves session id's last use forward to at.
func (d *DB) TouchSession(ctx context.Context, id int64, at time.Time) error {
	err := d.update(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE sessions SET last_seen_ms = max(last_seen_ms, ?) WHERE id = ?`, at.UnixMilli(), id)
		return err
	})
	if err != nil {
		return fmt.Errorf("touch session %d: %w", id, err)
	}
	return nil
}

// RevokeSession ends session id, audited with actor.
func (d *DB) RevokeSession(ctx context.Context, id int64, actor string) (store.Session, error) {
	if err := store.CheckActor(fmt.Sprintf("revoke session %d", id), actor); err != nil {
		return store.Session{}, err
	}
	var out store.Session
	err := d.update(ctx, func(ctx context.Context, tx *sql.Tx) error {
		s, err := scanSession(tx.QueryRowContext(ctx, selectSession+` WHERE id = ?`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrSessionNotFound
		}
		if err != nil {
			return err
		}
		if !s.Revoked.IsZero() {
			return fmt.Errorf("%w at %s by %s", store.ErrSessionRevoked, s.Revoked.Format(time.RFC3339), s.RevokedBy)
		}
		now := d.opts.Now()
		if _, err := tx.ExecContext(ctx, `UPDATE sessions SET revoked_ms = ?, revoked_by = ? WHERE id = ?`, now.UnixMilli(), actor, id); err != nil {
			return err
		}
		s.Revoked, s.RevokedBy = time.UnixMilli(now.UnixMilli()).UTC(), actor
		out = s
		return auditSession(ctx, tx, now, actor, store.SessionRevoked, s)
	})
	if err != nil {
		return store.Session{}, fmt.Errorf("revoke session %d: %w", id, err)
	}
	return out, nil
}

// ActiveSessions lists the sessions neither revoked nor past their
// absolute expiry at now, newest first.
func (d *DB) ActiveSessions(ctx context.Context, now time.Time) ([]store.Session, error) {
	if d.closed() {
		return nil, fmt.Errorf("list sessions: %w", ErrClosed)
	}
	return queryList(ctx, d.rdb, "list sessions", func(r *sql.Rows) (store.Session, error) { return scanSession(r) },
		selectSession+` WHERE revoked_ms IS NULL AND expires_ms > ? ORDER BY id DESC`, now.UnixMilli())
}

const selectSession = `SELECT id, subject, email, name, role, created_ms, last_seen_ms, expires_ms,
coalesce(revoked_ms, 0), coalesce(revoked_by, '') FROM sessions`

func scanSession(r interface{ Scan(...any) error }) (store.Session, error) {
	var s store.Session
	var created, seen, expires, revoked int64
	if err := r.Scan(&s.ID, &s.Subject, &s.Email, &s.Name, &s.Role, &created, &seen, &expires, &revoked, &s.RevokedBy); err != nil {
		return store.Session{}, err
	}
	s.CreatedAt, s.LastSeen, s.Expires = time.UnixMilli(created).UTC(), time.UnixMilli(seen).UTC(), time.UnixMilli(expires).UTC()
	if revoked != 0 {
		s.Revoked = time.UnixMilli(revoked).UTC()
	}
	return s, nil
}

func auditSession(ctx context.Context, tx *sql.Tx, now time.Time, actor, action string, s store.Session) error {
	js, err := store.CanonicalJSON(store.SessionDetail(s))
	if err != nil {
		return err
	}
	_, err = appendAudit(ctx, tx, now, actor, action, store.SessionSubject(s.ID), js)
	return err
}

// PruneSessions deletes the sessions no one can use at now; see
// store.Sessions.
func (d *DB) PruneSessions(ctx context.Context, now time.Time, idle time.Duration) (int64, error) {
	idleCut := int64(math.MinInt64)
	if idle > 0 {
		idleCut = now.Add(-idle).UnixMilli()
	}
	var n int64
	err := d.update(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires_ms <= ? OR last_seen_ms <= ? OR revoked_ms IS NOT NULL`,
			now.UnixMilli(), idleCut)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("prune sessions: %w", err)
	}
	return n, nil
}
