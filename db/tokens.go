package db

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/slatehq/slate/store"
)

// CreateToken makes a token and records it, audited, and returns its text:
// the only time the text exists outside the caller, since the store keeps
// its hash. The audit entry names the token by its prefix and holds neither
// the text nor the hash.
func (d *DB) CreateToken(ctx context.Context, nt NewToken, actor string) (string, Token, error) {
	if err := store.CheckNewToken(nt, actor); err != nil {
		return "", Token{}, err
	}
	var text string
	var out Token
	err := d.update(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var prefix string
		for i := 0; ; i++ {
			if i == store.TokenAttempts {
				return fmt.Errorf("no free prefix after %d draws", store.TokenAttempts)
			}
			var err error
			if text, prefix, err = store.NewTokenText(); err != nil {
				return fmt.Errorf("draw token: %w", err)
			}
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM tokens WHERE prefix = ?`, prefix).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				break
			}
		}
		now := d.opts.Now()
		sum := HashToken(text)
		res, err := tx.ExecContext(ctx, `INSERT INTO tokens (prefix, hash, name, role, tenant, location, created_ms, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			prefix, sum[:], nt.Name, nt.Role, nt.Tenant, nt.Location, now.UnixMilli(), actor)
		if err != nil {
			return fmt.Errorf("insert: %w", err)
		}
		id, err := res.LastInsertId()
		if err != nil {
			return err
		}
		out = Token{ID: id, Prefix: prefix, Name: nt.Name, Role: nt.Role, Tenant: nt.Tenant, Location: nt.Location,
			CreatedAt: time.UnixMilli(now.UnixMilli()).UTC(), CreatedBy: actor}
		return auditToken(ctx, tx, now, actor, "token.created", out)
	})
	if err != nil {
		return "", Token{}, fmt.Errorf("create token %s: %w", nt.Name, err)
	}
	return text, out, nil
}

// Tokens lists every token, revoked ones included, newest first.
func (d *DB) Tokens(ctx context.Context) ([]Token, error) {
	if d.closed() {
		return nil, fmt.Errorf("list tokens: %w", ErrClosed)
	}
	return queryList(ctx, d.rdb, "list tokens", func(r *sql.Rows) (Token, error) { return scanToken(r) }, selectToken+` ORDER BY created_ms DESC, id DESC`)
}

// TokenByHash returns the token whose text hashes to sum, or
// ErrTokenNotFound. A revoked token is returned, with Revoked set: refusing
// it is the caller's decision, which can then say why.
func (d *DB) TokenByHash(ctx context.Context, sum [32]byte) (Token, error) {
	if d.closed() {
		return Token{}, fmt.Errorf("token by hash: %w", ErrClosed)
	}
	t, err := scanToken(d.rdb.QueryRowContext(ctx, selectToken+` WHERE hash = ?`, sum[:]))
	if errors.Is(err, sql.ErrNoRows) {
		return Token{}, ErrTokenNotFound
	}
	if err != nil {
		return Token{}, fmt.Errorf("token by hash: %w", err)
	}
	return t, nil
}

// RevokeToken revokes the token with prefix, audited. The row stays. An
// unknown prefix is ErrTokenNotFound, a token revoked before is
// ErrTokenRevoked.
func (d *DB) RevokeToken(ctx context.Context, prefix, actor string) (Token, error) {
	if strings.TrimSpace(actor) == "" {
		return Token{}, fmt.Errorf("revoke token %s: empty actor", prefix)
	}
	var out Token
	err := d.update(ctx, func(ctx context.Context, tx *sql.Tx) error {
		t, err := scanToken(tx.QueryRowContext(ctx, selectToken+` WHERE prefix = ?`, prefix))
		if errors.Is(err, sql.ErrNoRows) {
			return ErrTokenNotFound
		}
		if err != nil {
			return err
		}
		if !t.Revoked.IsZero() {
			return fmt.Errorf("%w at %s by %s", ErrTokenRevoked, t.Revoked.Format(time.RFC3339), t.RevokedBy)
		}
		now := d.opts.Now()
		if _, err := tx.ExecContext(ctx, `UPDATE tokens SET revoked_ms = ?, revoked_by = ? WHERE id = ?`, now.UnixMilli(), actor, t.ID); err != nil {
			return err
		}
		t.Revoked, t.RevokedBy = time.UnixMilli(now.UnixMilli()).UTC(), actor
		out = t
		return auditToken(ctx, tx, now, actor, "token.revoked", t)
	})
	if err != nil {
		return Token{}, fmt.Errorf("revoke token %s: %w", prefix, err)
	}
	return out, nil
}

// TouchTokens records when tokens were last used, by prefix, in one
// transaction. A time older than the one stored leaves it, and unknown
// prefixes are skipped. It is not audited: callers gather uses in memory and
// call it about once a minute, so that authenticating a request never waits
// for a write.
func (d *DB) TouchTokens(ctx context.Context, used map[string]time.Time) error {
	if len(used) == 0 {
		return nil
	}
	err := d.update(ctx, func(ctx context.Context, tx *sql.Tx) error {
		for prefix, at := range used {
			if _, err := tx.ExecContext(ctx, `UPDATE tokens SET last_used_ms = max(coalesce(last_used_ms, 0), ?) WHERE prefix = ?`,
				at.UnixMilli(), prefix); err != nil {
				return fmt.Errorf("%s: %w", prefix, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("touch %d tokens: %w", len(used), err)
	}
	return nil
}

const selectToken = `SELECT id, prefix, name, role, tenant, location, created_ms, created_by,
coalesce(last_used_ms, 0), coalesce(revoked_ms, 0), coalesce(revoked_by, '') FROM tokens`

func scanToken(s interface{ Scan(...any) error }) (Token, error) {
	var t Token
	var created, used, revoked int64
	if err := s.Scan(&t.ID, &t.Prefix, &t.Name, &t.Role, &t.Tenant, &t.Location, &created, &t.CreatedBy, &used, &revoked, &t.RevokedBy); err != nil {
		return Token{}, err
	}
	t.CreatedAt = time.UnixMilli(created).UTC()
	if used != 0 {
		t.LastUsed = time.UnixMilli(used).UTC()
	}
	if revoked != 0 {
		t.Revoked = time.UnixMilli(revoked).UTC()
	}
	return t, nil
}

func auditToken(ctx context.Context, tx *sql.Tx, now time.Time, actor, action string, t Token) error {
	js, err := store.CanonicalJSON(store.TokenDetail(t))
	if err != nil {
		return err
	}
	_, err = appendAudit(ctx, tx, now, actor, action, store.TokenSubject(t), js)
	return err
}

// Secret returns the random key stored under name, making it on the first
// call. Later calls, after a restart too, return the same key; calls that
// race to make it, even from two processes, all get the one that was stored
// first.
func (d *DB) Secret(ctx context.Context, name string) ([]byte, error) {
	if strings.TrimSpace(name) == "" {
		return nil, errors.New("secret: empty name")
	}
	if d.closed() {
		return nil, fmt.Errorf("secret %s: %w", name, ErrClosed)
	}
	var key []byte
	err := d.rdb.QueryRowContext(ctx, `SELECT value FROM secrets WHERE name = ?`, name).Scan(&key)
	if err == nil {
		return key, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("secret %s: %w", name, err)
	}
	fresh := make([]byte, store.SecretLen)
	if _, err := rand.Read(fresh); err != nil {
		return nil, fmt.Errorf("secret %s: %w", name, err)
	}
	err = d.update(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO secrets (name, value, created_ms) VALUES (?, ?, ?)`,
			name, fresh, d.opts.Now().UnixMilli()); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT value FROM secrets WHERE name = ?`, name).Scan(&key)
	})
	if err != nil {
		return nil, fmt.Errorf("secret %s: %w", name, err)
	}
	return key, nil
}
