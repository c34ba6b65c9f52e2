package storetest

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slatehq/slate/access"
	"github.com/slatehq/slate/store"
)

// tickingClock returns a clock that starts at start and moves one second on
// each call, so that rows written one after another get distinct times.
func tickingClock(start time.Time) func() time.Time {
	var mu sync.Mutex
	now := start
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(time.Second)
		return now
	}
}

func testTokenCreateListLookUpRevoke(t *testing.T, s suite) {
	ctx := context.Background()
	d := s.openWith(t, Options{Now: tickingClock(At(0, 0))})

	adminText, admin, err := d.CreateToken(ctx, store.NewToken{Name: "ops laptop", Role: store.RoleAdmin}, "alice")
	if err != nil {
		t.Fatal(err)
	}
	viewerText, viewer, err := d.CreateToken(ctx, store.NewToken{Name: "acme portal", Role: store.RoleViewer, Tenant: "acme"}, "bob")
	if err != nil {
		t.Fatal(err)
	}
	if p, ok := store.TokenPrefix(adminText); !ok || p != admin.Prefix {
		t.Errorf("TokenPrefix(%q) = %q, %v; want the token's prefix %q", adminText, p, ok, admin.Prefix)
	}
	if adminText == viewerText || admin.Prefix == viewer.Prefix {
		t.Errorf("two tokens share text or prefix: %q %q", adminText, viewerText)
	}
	if admin.CreatedBy != "alice" || admin.Role != store.RoleAdmin || admin.Tenant != "" || !admin.Revoked.IsZero() {
		t.Errorf("created admin token: %+v", admin)
	}

	list, err := d.Tokens(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0] != viewer || list[1] != admin {
		t.Errorf("Tokens = %+v, want the viewer token %+v then the admin token %+v", list, viewer, admin)
	}

	got, err := d.TokenByHash(ctx, store.HashToken(viewerText))
	if err != nil || got != viewer {
		t.Errorf("TokenByHash(viewer) = %+v, %v; want %+v", got, err, viewer)
	}
	if _, err := d.TokenByHash(ctx, store.HashToken(viewerText+"x")); !errors.Is(err, store.ErrTokenNotFound) || !errors.Is(err, store.ErrNotFound) {
		t.Errorf("TokenByHash(unknown) error = %v, want ErrTokenNotFound (an ErrNotFound)", err)
	}

	revoked, err := d.RevokeToken(ctx, admin.Prefix, "carol")
	if err != nil {
		t.Fatal(err)
	}
	if revoked.Revoked.IsZero() || revoked.RevokedBy != "carol" || revoked.ID != admin.ID {
		t.Errorf("RevokeToken = %+v, want revoked by carol", revoked)
	}
	got, err = d.TokenByHash(ctx, store.HashToken(adminText))
	if err != nil || got.Revoked.IsZero() || !got.Revoked.Equal(revoked.Revoked) {
		t.Errorf("TokenByHash(revoked) = %+v, %v; want it returned with Revoked %v", got, err, revoked.Revoked)
	}
	if _, err := d.RevokeToken(ctx, admin.Prefix, "carol"); !errors.Is(err, store.ErrTokenRevoked) || !strings.Contains(err.Error(), "already revoked") {
		t.Errorf("second revoke: %v, want ErrTokenRevoked", err)
	}
	if _, err := d.RevokeToken(ctx, "slt_00000000", "carol"); !errors.Is(err, store.ErrTokenNotFound) {
		t.Errorf("revoke of an unknown prefix: %v, want ErrTokenNotFound", err)
	}
	if list, _ := d.Tokens(ctx); len(list) != 2 || list[1].Revoked.IsZero() {
		t.Errorf("Tokens after revoking keeps the revoked one, marked: %+v", list)
	}

	entries, err := d.AuditOf(ctx, "token/"+admin.Prefix)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 || entries[0].Action != "token.created" || entries[0].Actor != "alice" ||
		entries[1].Action != "token.revoked" || entries[1].Actor != "carol" {
		t.Errorf("audit of the admin token: %+v", entries)
	}
	if want := `{"name":"ops laptop","role":"admin","tenant":""}`; len(entries) > 0 && entries[0].Detail != want {
		t.Errorf("token.created detail = %s, want %s", entries[0].Detail, want)
	}
	all, err := d.AuditEntries(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{adminText, viewerText} {
		sum := store.HashToken(text)
		for _, e := range all {
			for _, leak := range []string{text[len(text)-32:], hex.EncodeToString(sum[:])} {
				if strings.Contains(e.Detail, leak) || strings.Contains(e.Subject, leak) {
					t.Errorf("audit entry %d holds a token's secret or hash: %+v", e.ID, e)
				}
			}
		}
	}
	if n, err := d.VerifyAudit(ctx); err != nil || n != 3 {
		t.Errorf("VerifyAudit = %d, %v; want 3 entries (2 created, 1 revoked) and no error", n, err)
	}
}

func testCreateTokenRefusesBadInput(t *testing.T, s suite) {
	tests := []struct {
		name  string
		token store.NewToken
		actor string
		want  string
	}{
		{"unknown role", store.NewToken{Name: "x", Role: "root"}, "alice", `role: "root" is not one of`},
		{"empty role", store.NewToken{Name: "x"}, "alice", `role: "" is not one of`},
		{"viewer without a tenant", store.NewToken{Name: "x", Role: store.RoleViewer}, "alice", "tenant: a viewer token needs a tenant"},
		{"admin with a tenant", store.NewToken{Name: "x", Role: store.RoleAdmin, Tenant: "acme"}, "alice", "tenant: only viewer and feed tokens take a tenant; role admin sees every tenant"},
		{"oncall with a tenant", store.NewToken{Name: "x", Role: store.RoleOncall, Tenant: "acme"}, "alice", "tenant: only viewer and feed tokens take a tenant; role oncall"},
		{"metrics with a tenant", store.NewToken{Name: "x", Role: store.RoleMetrics, Tenant: "acme"}, "alice", "tenant: only viewer and feed tokens take a tenant; role metrics"},
		{"feed without a tenant", store.NewToken{Name: "x", Role: store.RoleFeed}, "alice", "tenant: a feed token needs a tenant"},
		{"agent without a location", store.NewToken{Name: "x", Role: store.RoleAgent}, "alice", "location: an agent token needs a location"},
		{"agent with a blank location", store.NewToken{Name: "x", Role: store.RoleAgent, Location: " "}, "alice", "location: an agent token needs a location"},
		{"agent with a tenant", store.NewToken{Name: "x", Role: store.RoleAgent, Location: "us-east", Tenant: "acme"}, "alice", "tenant: only viewer and feed tokens take a tenant; role agent"},
		{"admin with a location", store.NewToken{Name: "x", Role: store.RoleAdmin, Location: "us-east"}, "alice", "location: only agent tokens take a location; role admin probes nowhere"},
		{"viewer with a location", store.NewToken{Name: "x", Role: store.RoleViewer, Tenant: "acme", Location: "us-east"}, "alice", "location: only agent tokens take a location; role viewer"},
		{"no name", store.NewToken{Name: " ", Role: store.RoleAdmin}, "alice", "name: a name is required"},
		{"no actor", store.NewToken{Name: "x", Role: store.RoleAdmin}, "", "empty actor"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			d := s.open(t)
			text, _, err := d.CreateToken(ctx, tt.token, tt.actor)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("CreateToken(%+v) error = %v, want one containing %q", tt.token, err, tt.want)
			}
			if text != "" {
				t.Errorf("refused token still got text %q", text)
			}
			if list, err := d.Tokens(ctx); err != nil || len(list) != 0 {
				t.Errorf("a refused token was stored: %+v, %v", list, err)
			}
			if entries, err := d.AuditEntries(ctx, 0, 0); err != nil || len(entries) != 0 {
				t.Errorf("a refused token was audited: %+v, %v", entries, err)
			}
		})
	}
}

// testEveryRoleIsStored creates a token of every role a token may carry
// (the metrics role included) and reads each back by its hash.
func testEveryRoleIsStored(t *testing.T, s suite) {
	ctx := context.Background()
	d := s.open(t)
	for _, role := range access.TokenRoles() {
		nt := store.NewToken{Name: role, Role: role}
		if access.TenantRole(role) {
			nt.Tenant = "acme"
		}
		if access.LocationRole(role) {
			nt.Location = "us-east"
		}
		text, tok, err := d.CreateToken(ctx, nt, "alice")
		if err != nil {
			t.Fatalf("create a %s token: %v", role, err)
		}
		got, err := d.TokenByHash(ctx, store.HashToken(text))
		if err != nil || got != tok || got.Role != role {
			t.Errorf("%s token read back as %+v, %v; want %+v", role, got, err, tok)
		}
	}
}

// testFeedTokenKeepsItsTenant stores a tenant's feed token, hashed, and
// reads it back with its role and tenant; revoked, it reads back revoked,
// and the other tenant's feed token stays valid.
func testFeedTokenKeepsItsTenant(t *testing.T, s suite) {
	ctx := context.Background()
	d := s.open(t)
	acme, tok, err := d.CreateToken(ctx, store.NewToken{Name: "feed", Role: store.RoleFeed, Tenant: "acme"}, "token:slt_12345678")
	if err != nil {
		t.Fatal(err)
	}
	bravo, _, err := d.CreateToken(ctx, store.NewToken{Name: "feed", Role: store.RoleFeed, Tenant: "bravo"}, "token:slt_87654321")
	if err != nil {
		t.Fatal(err)
	}
	got, err := d.TokenByHash(ctx, store.HashToken(acme))
	if err != nil || got.Role != store.RoleFeed || got.Tenant != "acme" || !got.Revoked.IsZero() {
		t.Fatalf("acme's feed token read back as %+v, %v; want role feed, tenant acme, valid", got, err)
	}
	if _, err := d.RevokeToken(ctx, tok.Prefix, "token:slt_12345678"); err != nil {
		t.Fatal(err)
	}
	if got, err := d.TokenByHash(ctx, store.HashToken(acme)); err != nil || got.Revoked.IsZero() {
		t.Errorf("revoked feed token read back as %+v, %v; want revoked", got, err)
	}
	if got, err := d.TokenByHash(ctx, store.HashToken(bravo)); err != nil || !got.Revoked.IsZero() || got.Tenant != "bravo" {
		t.Errorf("bravo's feed token after acme's revocation: %+v, %v; want valid, tenant bravo", got, err)
	}
}

// testAgentTokenKeepsItsLocation stores agent tokens of two locations and
// reads each back with its role and location (and no tenant); the audit
// entry of its creation names the location; revoking one leaves the other
// valid.
func testAgentTokenKeepsItsLocation(t *testing.T, s suite) {
	ctx := context.Background()
	d := s.open(t)
	east, tok, err := d.CreateToken(ctx, store.NewToken{Name: "east agent", Role: store.RoleAgent, Location: "us-east"}, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if tok.Location != "us-east" || tok.Tenant != "" {
		t.Errorf("created agent token = %+v; want location us-east, no tenant", tok)
	}
	west, _, err := d.CreateToken(ctx, store.NewToken{Name: "west agent", Role: store.RoleAgent, Location: "eu-west"}, "alice")
	if err != nil {
		t.Fatal(err)
	}
	got, err := d.TokenByHash(ctx, store.HashToken(east))
	if err != nil || got != tok {
		t.Fatalf("east agent token read back as %+v, %v; want %+v", got, err, tok)
	}
	list, err := d.Tokens(ctx)
	if err != nil || len(list) != 2 {
		t.Fatalf("Tokens = %+v, %v; want two", list, err)
	}
	for _, l := range list {
		if want := map[string]string{"east agent": "us-east", "west agent": "eu-west"}[l.Name]; l.Location != want {
			t.Errorf("listed token %s has location %q, want %q", l.Name, l.Location, want)
		}
	}
	entries, err := d.AuditOf(ctx, store.TokenSubject(tok))
	if err != nil || len(entries) != 1 || !strings.Contains(entries[0].Detail, `"location":"us-east"`) {
		t.Errorf("audit of the agent token = %+v, %v; want one entry naming location us-east", entries, err)
	}
	if _, err := d.RevokeToken(ctx, tok.Prefix, "alice"); err != nil {
		t.Fatal(err)
	}
	if got, err := d.TokenByHash(ctx, store.HashToken(east)); err != nil || got.Revoked.IsZero() || got.Location != "us-east" {
		t.Errorf("revoked agent token read back as %+v, %v; want revoked, location kept", got, err)
	}
	if got, err := d.TokenByHash(ctx, store.HashToken(west)); err != nil || !got.Revoked.IsZero() || got.Location != "eu-west" {
		t.Errorf("west agent token after east's revocation: %+v, %v; want valid, location eu-west", got, err)
	}
}

func testCreatedTokensHaveTheDocumentedForm(t *testing.T, s suite) {
	ctx := context.Background()
	d := s.open(t)
	seen := map[string]bool{}
	for range 20 {
		text, tok, err := d.CreateToken(ctx, store.NewToken{Name: "n", Role: store.RoleAdmin}, "alice")
		if err != nil {
			t.Fatal(err)
		}
		if p, ok := store.TokenPrefix(text); !ok || p != tok.Prefix {
			t.Fatalf("created token %q does not parse to its prefix %q", text, tok.Prefix)
		}
		if seen[text] {
			t.Fatalf("token %q drawn twice", text)
		}
		seen[text] = true
	}
}

func testTouchTokens(t *testing.T, s suite) {
	ctx := context.Background()
	d := s.open(t)
	_, a, err := d.CreateToken(ctx, store.NewToken{Name: "a", Role: store.RoleAdmin}, "alice")
	if err != nil {
		t.Fatal(err)
	}
	_, b, err := d.CreateToken(ctx, store.NewToken{Name: "b", Role: store.RoleOncall}, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if err := d.TouchTokens(ctx, nil); err != nil {
		t.Errorf("TouchTokens(nil): %v", err)
	}
	t1, t0 := At(5, 0), At(4, 0)
	if err := d.TouchTokens(ctx, map[string]time.Time{a.Prefix: t1, "slt_ffffffff": t1}); err != nil {
		t.Fatal(err)
	}
	if err := d.TouchTokens(ctx, map[string]time.Time{a.Prefix: t0}); err != nil {
		t.Fatal(err)
	}
	byPrefix := map[string]store.Token{}
	list, err := d.Tokens(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range list {
		byPrefix[tok.Prefix] = tok
	}
	if got := byPrefix[a.Prefix].LastUsed; !got.Equal(t1) {
		t.Errorf("last use of %s = %v, want %v (an older touch does not move it back)", a.Prefix, got, t1)
	}
	if got := byPrefix[b.Prefix].LastUsed; !got.IsZero() {
		t.Errorf("last use of the untouched %s = %v, want zero", b.Prefix, got)
	}
	if entries, _ := d.AuditEntries(ctx, 0, 0); len(entries) != 2 {
		t.Errorf("audit holds %d entries, want the 2 creations only (touches are not audited)", len(entries))
	}
}

func testSecretIsMadeOnceAndKept(t *testing.T, s suite) {
	ctx := context.Background()
	reopen := s.fresh(t)
	d := reopen(t, Options{})
	// Concurrent first calls: every caller must get the key that was stored.
	keys := make([][]byte, 8)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Go(func() {
			k, err := d.Secret(ctx, "links")
			if err != nil {
				t.Error(err)
			}
			keys[i] = k
		})
	}
	wg.Wait()
	first := keys[0]
	if len(first) != 32 {
		t.Fatalf("secret is %d bytes, want 32", len(first))
	}
	for i, k := range keys {
		if !bytes.Equal(k, first) {
			t.Errorf("concurrent call %d got %x, call 0 got %x", i, k, first)
		}
	}
	other, err := d.Secret(ctx, "other")
	if err != nil || bytes.Equal(other, first) {
		t.Errorf("secret of another name = %x, %v; want a different key", other, err)
	}
	if _, err := d.Secret(ctx, ""); err == nil {
		t.Error("secret with an empty name was accepted")
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}

	d = reopen(t, Options{})
	defer d.Close()
	again, err := d.Secret(ctx, "links")
	if err != nil || !bytes.Equal(again, first) {
		t.Errorf("after reopening, secret = %x, %v; want %x", again, err, first)
	}
}

// testRotateSecret checks the rotation of a key: a fresh key replaces the
// one stored under that name and no other, the rotation is audited with
// its actor and the replaced key's age but never a key, a missing key is
// made, the new key outlives a reopening, bad input is refused with
// nothing stored, and rotations racing each other keep the audit chain
// whole.
func testRotateSecret(t *testing.T, s suite) {
	ctx := context.Background()
	reopen := s.fresh(t)
	var later atomic.Bool // the clock moves an hour on once the keys are made
	clock := func() time.Time {
		if later.Load() {
			return FixedNow().Add(time.Hour)
		}
		return FixedNow()
	}
	d := reopen(t, Options{Now: clock})
	old, err := d.Secret(ctx, "links")
	if err != nil {
		t.Fatal(err)
	}
	other, err := d.Secret(ctx, "other")
	if err != nil {
		t.Fatal(err)
	}
	later.Store(true)
	if err := d.RotateSecret(ctx, "links", "alice"); err != nil {
		t.Fatal(err)
	}
	fresh, err := d.Secret(ctx, "links")
	if err != nil || len(fresh) != store.SecretLen || bytes.Equal(fresh, old) {
		t.Fatalf("after rotation: key %x, %v; want a new %d-byte key (old %x)", fresh, err, store.SecretLen, old)
	}
	if k, _ := d.Secret(ctx, "other"); !bytes.Equal(k, other) {
		t.Errorf("rotating links changed the key of other")
	}
	entries, err := d.AuditOf(ctx, store.SecretSubject("links"))
	if err != nil || len(entries) != 1 {
		t.Fatalf("audit of secret/links: %+v, %v; want one entry", entries, err)
	}
	e := entries[0]
	if e.Action != store.SecretRotated || e.Actor != "alice" || e.Subject != "secret/links" {
		t.Errorf("audit entry %+v, want secret.rotated of secret/links by alice", e)
	}
	if !e.At.Equal(FixedNow().Add(time.Hour)) {
		t.Errorf("audit entry at %v, want the rotation's time %v", e.At, FixedNow().Add(time.Hour))
	}
	// The detail tells when the replaced key was made, not the new one.
	if want := `{"replaced_created":"` + FixedNow().Format(time.RFC3339) + `"}`; e.Detail != want {
		t.Errorf("audit detail %s, want %s", e.Detail, want)
	}
	for _, k := range [][]byte{old, fresh} {
		if strings.Contains(e.Detail, hex.EncodeToString(k)) {
			t.Errorf("audit entry carries a key: %s", e.Detail)
		}
	}

	if err := d.RotateSecret(ctx, "new", "alice"); err != nil {
		t.Fatal(err)
	}
	if k, err := d.Secret(ctx, "new"); err != nil || len(k) != store.SecretLen {
		t.Errorf("rotating a missing key: %x, %v; want a key", k, err)
	}
	if es, _ := d.AuditOf(ctx, store.SecretSubject("new")); len(es) != 1 || es[0].Detail != `{"replaced_created":null}` {
		t.Errorf("audit of a missing key's rotation: %+v, want one entry with replaced_created null", es)
	}

	before, err := d.AuditEntries(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, actor string }{{"", "alice"}, {" ", "alice"}, {"links", ""}, {"links", " "}} {
		if err := d.RotateSecret(ctx, tc.name, tc.actor); err == nil {
			t.Errorf("RotateSecret(%q, %q) accepted", tc.name, tc.actor)
		}
	}
	if k, _ := d.Secret(ctx, "links"); !bytes.Equal(k, fresh) {
		t.Errorf("a refused rotation changed the key")
	}
	if after, _ := d.AuditEntries(ctx, 0, 0); len(after) != len(before) {
		t.Errorf("refused rotations left %d audit entries, want none", len(after)-len(before))
	}

	// Rotations racing each other: each is audited once and the chain
	// neither forks nor skips.
	var wg sync.WaitGroup
	for range 6 {
		wg.Go(func() {
			if err := d.RotateSecret(ctx, "links", "bob"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if es, _ := d.AuditOf(ctx, store.SecretSubject("links")); len(es) != 7 {
		t.Errorf("audit of secret/links holds %d entries after 7 rotations", len(es))
	}
	if _, err := d.VerifyAudit(ctx); err != nil {
		t.Errorf("audit chain: %v", err)
	}
	last, err := d.Secret(ctx, "links")
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}

	d = reopen(t, Options{})
	defer d.Close()
	if k, err := d.Secret(ctx, "links"); err != nil || !bytes.Equal(k, last) {
		t.Errorf("after reopening, key = %x, %v; want the last rotation's %x", k, err, last)
	}
}
