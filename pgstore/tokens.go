package pgstore

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/slatehq/slate/store"
)

// CreateToken makes a token, records its hash, audited, and returns its
// text; see store.Tokens.
func (s *Store) CreateToken(ctx context.Context, nt store.NewToken, actor string) (string, store.Token, error) {
	if err := store.CheckNewToken(nt, actor); err != nil {
		return "", store.Token{}, err
	}
	var text string
	var out store.Token
	err := s.update(ctx, true, func(ctx context.Context, tx pgx.Tx) error {
		var prefix string
		for i := 0; ; i++ {
			if i == store.TokenAttempts {
				return fmt.Errorf("no free prefix after %d draws", store.TokenAttempts)
			}
			var err error
			if text, prefix, err = store.NewTokenText(); err != nil {
				return fmt.Errorf("draw token: %w", err)
			}
			var taken bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM tokens WHERE prefix = $1)`, prefix).Scan(&taken); err != nil {
				return err
			}
			if !taken {
				break
			}
		}
		now := s.opts.Now()
		sum := store.HashToken(text)
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO tokens (prefix, hash, name, role, tenant, location, created_ms, created_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, prefix, sum[:], nt.Name, nt.Role, nt.Tenant, nt.Location, now.UnixMilli(), actor).Scan(&id); err != nil {
			return fmt.Errorf("insert: %w", err)
		}
		out = store.Token{ID: id, Prefix: prefix, Name: nt.Name, Role: nt.Role, Tenant: nt.Tenant, Location: nt.Location,
			CreatedAt: msTime(now.UnixMilli()), CreatedBy: actor}
		return audit(ctx, tx, now, actor, "token.created", store.TokenSubject(out), store.TokenDetail(out))
	})
	if err != nil {
		return "", store.Token{}, fmt.Errorf("create token %s: %w", nt.Name, err)
	}
	return text, out, nil
}

const selectToken = `SELECT id, prefix, name, role, tenant, location, created_ms, created_by,
coalesce(last_used_ms, 0), coalesce(revoked_ms, 0), coalesce(revoked_by, '') FROM tokens`

func scanToken(r pgx.Row) (store.Token, error) {
	var t store.Token
	var created, used, revoked int64
	err := r.Scan(&t.ID, &t.Prefix, &t.Name, &t.Role, &t.Tenant, &t.Location, &created, &t.CreatedBy, &used, &revoked, &t.RevokedBy)
	t.CreatedAt = msTime(created)
	if used != 0 {
		t.LastUsed = msTime(used)
	}
	if revoked != 0 {
		t.Revoked = msTime(revoked)
	}
	return t, err
}

// Tokens lists every token, revoked ones included, newest first.
func (s *Store) Tokens(ctx context.Context) ([]store.Token, error) {
	return queryList(ctx, s, "tokens", func(r pgx.CollectableRow) (store.Token, error) { return scanToken(r) },
		selectToken+` ORDER BY id DESC`)
}

// TokenByHash looks a token up by the SHA-256 of its text.
func (s *Store) TokenByHash(ctx context.Context, sum [32]byte) (store.Token, error) {
	if err := s.check("token by hash"); err != nil {
		return store.Token{}, err
	}
	t, err := scanToken(s.pool.QueryRow(ctx, selectToken+` WHERE hash = $1`, sum[:]))
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Token{}, store.ErrTokenNotFound
	}
	if err != nil {
		return store.Token{}, fmt.Errorf("token by hash: %w", s.mapErr(err))
	}
	return t, nil
}

// RevokeToken revokes the token with prefix, audited; the row stays.
func (s *Store) RevokeToken(ctx context.Context, prefix, actor string) (store.Token, error) {
	if strings.TrimSpace(actor) == "" {
		return store.Token{}, fmt.Errorf("revoke token %s: empty actor", prefix)
	}
	var out store.Token
	err := s.update(ctx, true, func(ctx context.Context, tx pgx.Tx) error {
		t, err := scanToken(tx.QueryRow(ctx, selectToken+` WHERE prefix = $1`, prefix))
		if errors.Is(err, pgx.ErrNoRows) {
			return store.ErrTokenNotFound
		}
		if err != nil {
			return err
		}
		if !t.Revoked.IsZero() {
			return fmt.Errorf("%w at %s by %s", store.ErrTokenRevoked, t.Revoked.Format(time.RFC3339), t.RevokedBy)
		}
		now := s.opts.Now()
		if _, err := tx.Exec(ctx, `UPDATE tokens SET revoked_ms = $1, revoked_by = $2 WHERE id = $3`, now.UnixMilli(), actor, t.ID); err != nil {
			return err
		}
		t.Revoked, t.RevokedBy = msTime(now.UnixMilli()), actor
		out = t
		return audit(ctx, tx, now, actor, "token.revoked", store.TokenSubject(t), store.TokenDetail(t))
	})
	if err != nil {
		return store.Token{}, fmt.Errorf("revoke token %s: %w", prefix, err)
	}
	return out, nil
}

// TouchTokens records when tokens were last used, in one transaction.
func (s *Store) TouchTokens(ctx context.Context, used map[string]time.Time) error {
	if len(used) == 0 {
		return nil
	}
	prefixes, ats := make([]string, 0, len(used)), make([]int64, 0, len(used))
	for p, at := range used {
		prefixes, ats = append(prefixes, p), append(ats, at.UnixMilli())
	}
	err := s.update(ctx, false, func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE tokens SET last_used_ms = greatest(coalesce(last_used_ms, 0), u.at)
FROM unnest($1::text[], $2::bigint[]) AS u (prefix, at) WHERE tokens.prefix = u.prefix`, prefixes, ats)
		return err
	})
	if err != nil {
		return fmt.Errorf("touch %d tokens: %w", len(used), err)
	}
	return nil
}

// Secret returns the random key stored under name, making it on the first
// call; racing first calls, on any replica, all get the one stored first.
func (s *Store) Secret(ctx context.Context, name string) ([]byte, error) {
	if strings.TrimSpace(name) == "" {
		return nil, errors.New("secret: empty name")
	}
	if err := s.check("secret " + name); err != nil {
		return nil, err
	}
	fresh := make([]byte, store.SecretLen)
	if _, err := rand.Read(fresh); err != nil {
		return nil, fmt.Errorf("secret %s: %w", name, err)
	}
	// Two statements, not one: a key another replica committed while this
	// insert waited on its row is skipped by the insert, and invisible to
	// a read in the same statement (its snapshot is older than that
	// commit); a statement of its own sees it.
	var key []byte
	err := s.pool.QueryRow(ctx, `INSERT INTO secrets (name, value, created_ms) VALUES ($1, $2, $3)
ON CONFLICT (name) DO NOTHING RETURNING value`, name, fresh, s.opts.Now().UnixMilli()).Scan(&key)
	if errors.Is(err, pgx.ErrNoRows) {
		err = s.pool.QueryRow(ctx, `SELECT value FROM secrets WHERE name = $1`, name).Scan(&key)
	}
	if err != nil {
		return nil, fmt.Errorf("secret %s: %w", name, s.mapErr(err))
	}
	return key, nil
}

// RotateSecret replaces the key stored under name with a fresh random one,
// in one transaction with its audit entry, under the ledger lock that
// keeps the audit chain whole; see store.Tokens.
func (s *Store) RotateSecret(ctx context.Context, name, actor string) error {
	if err := store.CheckRotateSecret(name, actor); err != nil {
		return err
	}
	fresh, err := store.NewSecret()
	if err != nil {
		return fmt.Errorf("rotate secret %s: %w", name, err)
	}
	err = s.update(ctx, true, func(ctx context.Context, tx pgx.Tx) error {
		var created int64
		err := tx.QueryRow(ctx, `SELECT created_ms FROM secrets WHERE name = $1 FOR UPDATE`, name).Scan(&created)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		now := s.opts.Now()
		if _, err := tx.Exec(ctx, `INSERT INTO secrets (name, value, created_ms) VALUES ($1, $2, $3)
ON CONFLICT (name) DO UPDATE SET value = excluded.value, created_ms = excluded.created_ms`, name, fresh, now.UnixMilli()); err != nil {
			return err
		}
		var replaced time.Time
		if created != 0 {
			replaced = msTime(created)
		}
		return audit(ctx, tx, now, actor, store.SecretRotated, store.SecretSubject(name), store.RotationDetail(replaced))
	})
	if err != nil {
		return fmt.Errorf("rotate secret %s: %w", name, err)
	}
	return nil
}
