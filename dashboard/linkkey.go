package dashboard

import (
	"context"
	"sync"
	"time"
)

// LinkKeyCacheTTL is how long the server trusts the link key it last read:
// after the key is rotated in the store, links signed with the old one
// work at most this long in a running server.
const LinkKeyCacheTTL = 10 * time.Second

// DefaultLinkMaxTTL is the longest a tenant link may still have to live
// unless Server.LinkMaxTTL says otherwise: 90 days.
const DefaultLinkMaxTTL = 90 * 24 * time.Hour

// linkKeyCache holds the link key between reads of Server.LinkKey.
type linkKeyCache struct {
	mu      sync.Mutex
	key     []byte
	fetched time.Time // zero before the first read
}

// get returns the current key, asking src when the one held is older than
// LinkKeyCacheTTL. A nil src has no key.
func (c *linkKeyCache) get(ctx context.Context, src func(context.Context) ([]byte, error), now time.Time) ([]byte, error) {
	if src == nil {
		return nil, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.fetched.IsZero() && now.Sub(c.fetched) < LinkKeyCacheTTL && now.Sub(c.fetched) >= 0 {
		return c.key, nil
	}
	key, err := src(ctx)
	if err != nil {
		return nil, err
	}
	c.key, c.fetched = key, now
	return key, nil
}

// checkLink verifies a link's exp and sig for tenant with the current key
// and the longest lifetime: an expiry further from now than LinkMaxTTL is
// refused, whoever signed it.
func (s *Server) checkLink(ctx context.Context, tenant, exp, sig string) *authError {
	now := s.now()
	key, err := s.linkKeys.get(ctx, s.LinkKey, now)
	if err != nil {
		if s.Log != nil {
			s.Log.Error("read link key", "err", err)
		}
		return errAuthUnavailable
	}
	maxTTL := s.LinkMaxTTL
	if maxTTL <= 0 {
		maxTTL = DefaultLinkMaxTTL
	}
	if !verifyLink(key, tenant, exp, sig, now, maxTTL) {
		return errBadLink
	}
	return nil
}
