package db

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/slatehq/slate/access"
)

// Roles a token can carry, as package access defines them (the one
// definition the pages, the admin API and the store share), named here for
// the store's callers.
const (
	RoleAdmin          = access.Admin
	RoleAccountManager = access.AccountManager
	RoleOncall         = access.Oncall
	RoleViewer         = access.Viewer
)

// ValidRole reports whether a token may carry role.
func ValidRole(role string) bool { return access.ValidRole(role) }

// Token errors. ErrTokenNotFound is also an ErrNotFound.
var (
	ErrTokenNotFound = fmt.Errorf("token %w", ErrNotFound)
	ErrTokenRevoked  = errors.New("token already revoked")
)

// Token is an API token as stored: everything but its secret, which the
// store never holds.
type Token struct {
	ID        int64
	Prefix    string // "slt_" and 8 hex digits: the visible part of the token
	Name      string
	Role      string // one of the Role constants
	Tenant    string // the viewer's tenant; "" for the other roles
	CreatedAt time.Time
	CreatedBy string
	LastUsed  time.Time // zero if never used
	Revoked   time.Time // zero while the token is valid
	RevokedBy string
}

// NewToken is what CreateToken needs to know.
type NewToken struct {
	Name   string
	Role   string // one of the Role constants
	Tenant string // required for RoleViewer, refused for the others
}

// Token text: tokenTag, 8 lowercase hex digits (the rest of the prefix), '_',
// then 32 characters of lowercase base32 (20 random bytes, 160 bits).
const (
	tokenTag       = "slt_"
	tokenPrefixHex = 8
	tokenPrefixLen = len(tokenTag) + tokenPrefixHex
	tokenSecretLen = 32
	tokenLen       = tokenPrefixLen + 1 + tokenSecretLen
	// tokenAttempts bounds the draws of a prefix not yet taken: with 32
	// random bits, a second collision in a row means something is wrong
	// with the random source rather than bad luck.
	tokenAttempts = 4
)

// HashToken is the SHA-256 of a token's whole text, as the store keeps it.
func HashToken(plaintext string) [32]byte {
	return sha256.Sum256([]byte(plaintext))
}

// TokenPrefix checks that plaintext has the form of a token and returns its
// visible prefix ("slt_1a2b3c4d").
func TokenPrefix(plaintext string) (string, bool) {
	if len(plaintext) != tokenLen || !strings.HasPrefix(plaintext, tokenTag) || plaintext[tokenPrefixLen] != '_' {
		return "", false
	}
	for _, c := range plaintext[len(tokenTag):tokenPrefixLen] {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return "", false
		}
	}
	for _, c := range plaintext[tokenPrefixLen+1:] {
		if !('a' <= c && c <= 'z' || '2' <= c && c <= '7') {
			return "", false
		}
	}
	return plaintext[:tokenPrefixLen], true
}

// newTokenText draws a token's text from crypto/rand.
func newTokenText() (string, error) {
	var p [tokenPrefixHex / 2]byte
	var s [tokenSecretLen * 5 / 8]byte
	if _, err := rand.Read(p[:]); err != nil {
		return "", err
	}
	if _, err := rand.Read(s[:]); err != nil {
		return "", err
	}
	enc := base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)
	return tokenTag + hex.EncodeToString(p[:]) + "_" + enc.EncodeToString(s[:]), nil
}

// CreateToken makes a token and records it, audited, and returns its text:
// the only time the text exists outside the caller, since the store keeps
// its hash. The audit entry names the token by its prefix and holds neither
// the text nor the hash.
func (d *DB) CreateToken(ctx context.Context, nt NewToken, actor string) (string, Token, error) {
	switch {
	case strings.TrimSpace(nt.Name) == "":
		return "", Token{}, errors.New("create token: name: a name is required")
	case !ValidRole(nt.Role):
		return "", Token{}, fmt.Errorf("create token %s: role: %q is not one of %s, %s, %s, %s",
			nt.Name, nt.Role, RoleAdmin, RoleAccountManager, RoleOncall, RoleViewer)
	case nt.Role == RoleViewer && nt.Tenant == "":
		return "", Token{}, fmt.Errorf("create token %s: tenant: a %s token needs a tenant", nt.Name, RoleViewer)
	case nt.Role != RoleViewer && nt.Tenant != "":
		return "", Token{}, fmt.Errorf("create token %s: tenant: only %s tokens take a tenant; role %s sees every tenant", nt.Name, RoleViewer, nt.Role)
	case strings.TrimSpace(actor) == "":
		return "", Token{}, fmt.Errorf("create token %s: empty actor", nt.Name)
	}
	var text string
	var out Token
	err := d.update(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var prefix string
		for i := 0; ; i++ {
			if i == tokenAttempts {
				return fmt.Errorf("no free prefix after %d draws", tokenAttempts)
			}
			var err error
			if text, err = newTokenText(); err != nil {
				return fmt.Errorf("draw token: %w", err)
			}
			prefix = text[:tokenPrefixLen]
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
		res, err := tx.ExecContext(ctx, `INSERT INTO tokens (prefix, hash, name, role, tenant, created_ms, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			prefix, sum[:], nt.Name, nt.Role, nt.Tenant, now.UnixMilli(), actor)
		if err != nil {
			return fmt.Errorf("insert: %w", err)
		}
		id, err := res.LastInsertId()
		if err != nil {
			return err
		}
		out = Token{ID: id, Prefix: prefix, Name: nt.Name, Role: nt.Role, Tenant: nt.Tenant,
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

const selectToken = `SELECT id, prefix, name, role, tenant, created_ms, created_by,
coalesce(last_used_ms, 0), coalesce(revoked_ms, 0), coalesce(revoked_by, '') FROM tokens`

func scanToken(s interface{ Scan(...any) error }) (Token, error) {
	var t Token
	var created, used, revoked int64
	if err := s.Scan(&t.ID, &t.Prefix, &t.Name, &t.Role, &t.Tenant, &created, &t.CreatedBy, &used, &revoked, &t.RevokedBy); err != nil {
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
	js, err := canonicalJSON(map[string]any{"name": t.Name, "role": t.Role, "tenant": t.Tenant})
	if err != nil {
		return err
	}
	_, err = appendAudit(ctx, tx, now, actor, action, "token/"+t.Prefix, js)
	return err
}

// secretLen is the size of the keys Secret makes: 256 bits, as for
// HMAC-SHA256.
const secretLen = 32

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
	fresh := make([]byte, secretLen)
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
