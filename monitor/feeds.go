package monitor

import (
	"context"
	"errors"
	"fmt"

	"github.com/slatehq/slate/db"
)

// Feed addresses: the tenant page makes and revokes its tenant's feed
// tokens (dashboard.FeedTokens) through the store's tokens, so a feed
// token is kept, listed, audited and revoked like any other token
// (slate token list and revoke see it too).

// FeedTokenStore is what feed addresses need of the store.
type FeedTokenStore interface {
	CreateToken(ctx context.Context, nt db.NewToken, actor string) (string, db.Token, error)
	Tokens(ctx context.Context) ([]db.Token, error)
	RevokeToken(ctx context.Context, prefix, actor string) (db.Token, error)
}

// feedTokens implements dashboard.FeedTokens over a store.
type feedTokens struct{ store FeedTokenStore }

// feedTokenName names the feed tokens the tenant page makes.
const feedTokenName = "feed address"

func (f feedTokens) CreateFeedToken(ctx context.Context, tenant, actor string) (string, error) {
	text, _, err := f.store.CreateToken(ctx, db.NewToken{Name: feedTokenName, Role: db.RoleFeed, Tenant: tenant}, actor)
	return text, err
}

func (f feedTokens) RevokeFeedTokens(ctx context.Context, tenant, actor string) (int, error) {
	all, err := f.store.Tokens(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, t := range all {
		if t.Role != db.RoleFeed || t.Tenant != tenant || !t.Revoked.IsZero() {
			continue
		}
		if _, err := f.store.RevokeToken(ctx, t.Prefix, actor); err != nil && !errors.Is(err, db.ErrTokenRevoked) {
			return n, fmt.Errorf("revoke feed token %s: %w", t.Prefix, err)
		}
		n++
	}
	return n, nil
}
