package monitor

import (
	"context"
	"errors"
	"maps"
	"sync"
	"time"

	"github.com/slatehq/slate/dashboard"
	"github.com/slatehq/slate/db"
)

// tokenCacheTTL is how long a looked-up token is trusted without asking
// the store again: the longest a revoked token keeps working.
const tokenCacheTTL = 10 * time.Second

// tokenAuth checks API tokens against the store's hashes, answering
// repeated requests from memory. Unknown tokens are remembered as unknown
// for the same time, so a client retrying a bad token does not read the
// store each time; that memory is bounded (unknownMax), so a flood of
// made-up tokens cannot grow it.
type tokenAuth struct {
	store TokenStore
	now   func() time.Time

	mu      sync.Mutex
	cache   map[[32]byte]cachedToken
	unknown map[[32]byte]time.Time // hashes the store did not know, and when it was asked
	used    map[string]time.Time   // last use by prefix, not yet written
}

// TokenStore is what token checks need of the store.
type TokenStore interface {
	TokenByHash(ctx context.Context, sum [32]byte) (db.Token, error)
	TouchTokens(ctx context.Context, used map[string]time.Time) error
}

// unknownMax bounds the memory of unknown tokens; when full it starts over.
const unknownMax = 10000

type cachedToken struct {
	p       dashboard.Principal
	fetched time.Time
}

func newTokenAuth(store TokenStore, now func() time.Time) *tokenAuth {
	return &tokenAuth{store: store, now: now, cache: map[[32]byte]cachedToken{}, unknown: map[[32]byte]time.Time{}, used: map[string]time.Time{}}
}

// Authenticate implements dashboard.Authenticator.
func (t *tokenAuth) Authenticate(ctx context.Context, token string) (dashboard.Principal, error) {
	if _, ok := db.TokenPrefix(token); !ok {
		return dashboard.Principal{}, dashboard.ErrUnauthenticated
	}
	sum := db.HashToken(token)
	now := t.now()
	t.mu.Lock()
	c, ok := t.cache[sum]
	asked, known := t.unknown[sum]
	t.mu.Unlock()
	if known && now.Sub(asked) < tokenCacheTTL {
		return dashboard.Principal{}, dashboard.ErrUnauthenticated
	}
	if !ok || now.Sub(c.fetched) >= tokenCacheTTL {
		tok, err := t.store.TokenByHash(ctx, sum)
		switch {
		case errors.Is(err, db.ErrTokenNotFound):
			t.forget(sum)
			t.mu.Lock()
			if len(t.unknown) >= unknownMax {
				clear(t.unknown)
			}
			t.unknown[sum] = now
			t.mu.Unlock()
			return dashboard.Principal{}, dashboard.ErrUnauthenticated
		case err != nil:
			return dashboard.Principal{}, err
		case !tok.Revoked.IsZero():
			t.forget(sum)
			return dashboard.Principal{}, dashboard.ErrUnauthenticated
		}
		c = cachedToken{p: dashboard.Principal{Prefix: tok.Prefix, Name: tok.Name, Role: tok.Role, Tenant: tok.Tenant, Location: tok.Location}, fetched: now}
		t.mu.Lock()
		t.cache[sum] = c
		t.mu.Unlock()
	}
	t.mu.Lock()
	t.used[c.p.Prefix] = now
	t.mu.Unlock()
	return c.p, nil
}

func (t *tokenAuth) forget(sum [32]byte) {
	t.mu.Lock()
	delete(t.cache, sum)
	t.mu.Unlock()
}

// flushUsage writes the tokens' last use to the store; run once a minute,
// so requests never wait on a write.
func (t *tokenAuth) flushUsage(ctx context.Context, _ time.Time) error {
	t.mu.Lock()
	used := maps.Clone(t.used)
	clear(t.used)
	t.mu.Unlock()
	if len(used) == 0 {
		return nil
	}
	return t.store.TouchTokens(ctx, used)
}
