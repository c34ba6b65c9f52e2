package pgstore

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/slatehq/slate/store"
)

// CreateSession records a console session, audited, and returns its text;
// see store.Sessions.
func (s *Store) CreateSession(ctx context.Context, ns store.NewSession) (string, store.Session, error) {
	now := s.opts.Now()
	if err := store.CheckNewSession(ns, now); err != nil {
		return "", store.Session{}, err
	}
	text, err := store.NewSessionText()
	if err != nil {
		return "", store.Session{}, err
	}
	var out store.Session
	err = s.update(ctx, true, func(ctx context.Context, tx pgx.Tx) error {
		sum := store.HashToken(text)
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO sessions (hash, subject, email, name, role, created_ms, last_seen_ms, expires_ms)
VALUES ($1, $2, $3, $4, $5, $6, $6, $7) RETURNING id`, sum[:], ns.Subject, ns.Email, ns.Name, ns.Role, now.UnixMilli(), ns.Expires.UnixMilli()).Scan(&id); err != nil {
			return fmt.Errorf("insert: %w", err)
		}
		out = store.Session{ID: id, Subject: ns.Subject, Email: ns.Email, Name: ns.Name, Role: ns.Role,
			CreatedAt: msTime(now.UnixMilli()), LastSeen: msTime(now.UnixMilli()), Expires: msTime(ns.Expires.UnixMilli())}
		return audit(ctx, tx, now, ns.Actor(), store.SessionCreated, store.SessionSubject(id), store.SessionDetail(out))
	})
	if err != nil {
		return "", store.Session{}, fmt.Errorf("create session for %s: %w", ns.Subject, err)
	}
	return text, out, nil
}

const selectSession = `SELECT id, subject, email, name, role, created_ms, last_seen_ms, expires_ms,
coalesce(revoked_ms, 0), coalesce(revoked_by, '') FROM sessions`

func scanSession(r pgx.Row) (store.Session, error) {
	var out store.Session
	var created, seen, expires, revoked int64
	err := r.Scan(&out.ID, &out.Subject, &out.Email, &out.Name, &out.Role, &created, &seen, &expires, &revoked, &out.RevokedBy)
	out.CreatedAt, out.LastSeen, out.Expires = msTime(created), msTime(seen), msTime(expires)
	if revoked != 0 {
		out.Revoked = msTime(revoked)
	}
	return out, err
}

// SessionByHash looks a session up by the SHA-256 of its text.
func (s *Store) SessionByHash(ctx context.Context, sum [32]byte) (store.Session, error) {
	if err := s.check("session by hash"); err != nil {
		return store.Session{}, err
	}
	out, err := scanSession(s.pool.QueryRow(ctx, selectSession+` WHERE hash = $1`, sum[:]))
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Session{}, store.ErrSessionNotFound
	}
	if err != nil {
		return store.Session{}, fmt.Errorf("session by hash: %w", s.mapErr(err))
	}
	return out, nil
}

// TouchSession moves session id's last use forward to at.
func (s *Store) TouchSession(ctx context.Context, id int64, at time.Time) error {
	err := s.update(ctx, false, func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE sessions SET last_seen_ms = greatest(last_seen_ms, $1) WHERE id = $2`, at.UnixMilli(), id)
		return err
	})
	if err != nil {
		return fmt.Errorf("touch session %d: %w", id, err)
	}
	return nil
}

// RevokeSession ends session id, audited with actor.
func (s *Store) RevokeSession(ctx context.Context, id int64, actor string) (store.Session, error) {
	if err := store.CheckActor(fmt.Sprintf("revoke session %d", id), actor); err != nil {
		return store.Session{}, err
	}
	var out store.Session
	err := s.update(ctx, true, func(ctx context.Context, tx pgx.Tx) error {
		cur, err := scanSession(tx.QueryRow(ctx, selectSession+` WHERE id = $1 FOR UPDATE`, id))
		if errors.Is(err, pgx.ErrNoRows) {
			return store.ErrSessionNotFound
		}
		if err != nil {
			return err
		}
		if !cur.Revoked.IsZero() {
			return fmt.Errorf("%w at %s by %s", store.ErrSessionRevoked, cur.Revoked.Format(time.RFC3339), cur.RevokedBy)
		}
		now := s.opts.Now()
		if _, err := tx.Exec(ctx, `UPDATE sessions SET revoked_ms = $1, revoked_by = $2 WHERE id = $3`, now.UnixMilli(), actor, id); err != nil {
			return err
		}
		cur.Revoked, cur.RevokedBy = msTime(now.UnixMilli()), actor
		out = cur
		return audit(ctx, tx, now, actor, store.SessionRevoked, store.SessionSubject(id), store.SessionDetail(cur))
	})
	if err != nil {
		return store.Session{}, fmt.Errorf("revoke session %d: %w", id, err)
	}
	return out, nil
}

// ActiveSessions lists the sessions neither revoked nor past their
// absolute expiry at now, newest first.
func (s *Store) ActiveSessions(ctx context.Context, now time.Time) ([]store.Session, error) {
	return queryList(ctx, s, "sessions", func(r pgx.CollectableRow) (store.Session, error) { return scanSession(r) },
		selectSession+` WHERE revoked_ms IS NULL AND expires_ms > $1 ORDER BY id DESC`, now.UnixMilli())
}

// PruneSessions deletes the sessions no one can use at now; see
// store.Sessions.
func (s *Store) PruneSessions(ctx context.Context, now time.Time, idle time.Duration) (int64, error) {
	idleCut := int64(math.MinInt64)
	if idle > 0 {
		idleCut = now.Add(-idle).UnixMilli()
	}
	var n int64
	err := s.update(ctx, false, func(ctx context.Context, tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM sessions WHERE expires_ms <= $1 OR last_seen_ms <= $2 OR revoked_ms IS NOT NULL`,
			now.UnixMilli(), idleCut)
		n = tag.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("prune sessions: %w", err)
	}
	return n, nil
}
