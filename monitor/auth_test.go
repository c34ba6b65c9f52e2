package monitor

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/slatehq/slate/access"
	"github.com/slatehq/slate/dashboard"
	"github.com/slatehq/slate/db"
)

// TestTokenAuthCacheAndRevocation checks the promise the README makes: a
// token answers from memory, a revoked one stops working within the
// cache's life, and last use reaches the store when usage is flushed.
func TestTokenAuthCacheAndRevocation(t *testing.T) {
	ctx := context.Background()
	store, err := db.Open(filepath.Join(t.TempDir(), "slate.db"), db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	tok, row, err := store.CreateToken(ctx, db.NewToken{Name: "ops", Role: db.RoleOncall}, "test")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	auth := newTokenAuth(store, func() time.Time { return now })
	p, err := auth.Authenticate(ctx, tok)
	if err != nil || p.Prefix != row.Prefix || p.Role != access.Oncall {
		t.Fatalf("authenticate: %+v, %v", p, err)
	}
	for _, bad := range []string{"", "slt_nothex!_x", tok + "x", "slt_00000000_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"} {
		if _, err := auth.Authenticate(ctx, bad); !errors.Is(err, dashboard.ErrUnauthenticated) {
			t.Errorf("token %q: %v, want ErrUnauthenticated", bad, err)
		}
	}
	// Only the well-formed one reached the store, and is remembered as
	// unknown so that retries do not read it again.
	if len(auth.unknown) != 1 {
		t.Errorf("%d unknown tokens remembered, want 1", len(auth.unknown))
	}
	if _, err := store.RevokeToken(ctx, row.Prefix, "test"); err != nil {
		t.Fatal(err)
	}
	now = now.Add(tokenCacheTTL - time.Second)
	if _, err := auth.Authenticate(ctx, tok); err != nil {
		t.Errorf("within the cache's life the revoked token should still be served from memory: %v", err)
	}
	now = now.Add(time.Second)
	if _, err := auth.Authenticate(ctx, tok); !errors.Is(err, dashboard.ErrUnauthenticated) {
		t.Errorf("%s after revocation: %v, want refused", tokenCacheTTL, err)
	}
	if err := auth.flushUsage(ctx, now); err != nil {
		t.Fatal(err)
	}
	toks, err := store.Tokens(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(toks) != 1 || toks[0].LastUsed.IsZero() {
		t.Errorf("last use not recorded: %+v", toks)
	}
}
