package subscription

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"
)

var (
	key1 = Key{ID: 1, Secret: bytes.Repeat([]byte("k"), 32)}
	key2 = Key{ID: 2, Secret: bytes.Repeat([]byte("m"), 32)}
	now  = time.Date(2026, 10, 3, 12, 0, 0, 0, time.UTC)
)

func confirmToken() Token {
	return Token{Purpose: Confirm, Address: "Anna.Mueller@example.com", Scope: "tenant:mueller",
		Components: []string{"mail", "messenger"}, Expires: now.Add(48 * time.Hour)}
}

func mustSign(t *testing.T, k Key, tok Token) string {
	t.Helper()
	s, err := Sign(k, tok)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name string
		tok  Token
	}{
		{"confirm with components", confirmToken()},
		{"confirm all components", Token{Purpose: Confirm, Address: "a@b.example", Scope: "public", Expires: now.Add(time.Hour)}},
		{"unsubscribe for ever", Token{Purpose: Unsubscribe, Address: "ops+status@b.example", Scope: "public"}},
		{"non-ASCII scope", Token{Purpose: Unsubscribe, Address: "x@y.example", Scope: "tenant:müller", Components: []string{"Zürich edge"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := mustSign(t, key1, tc.tok)
			if strings.ContainsAny(s, "+/=") {
				t.Errorf("token %q is not URL-safe", s)
			}
			got, err := Verify([]Key{key1}, s, tc.tok.Purpose, now)
			if err != nil {
				t.Fatal(err)
			}
			if got.Address != tc.tok.Address || got.Scope != tc.tok.Scope || got.Purpose != tc.tok.Purpose ||
				strings.Join(got.Components, ",") != strings.Join(tc.tok.Components, ",") || !got.Expires.Equal(tc.tok.Expires) {
				t.Errorf("got %+v, want %+v", got, tc.tok)
			}
		})
	}
}

// TestVerifyRefuses holds every way a link can be wrong.
func TestVerifyRefuses(t *testing.T) {
	good := mustSign(t, key1, confirmToken())
	raw, _ := base64.RawURLEncoding.DecodeString(good)
	flip := func(i int) string {
		b := bytes.Clone(raw)
		b[i] ^= 0x01
		return base64.RawURLEncoding.EncodeToString(b)
	}
	for _, tc := range []struct {
		name  string
		token string
		keys  []Key
		want  Purpose
		at    time.Time
		err   error
	}{
		{"empty", "", []Key{key1}, Confirm, now, ErrMalformed},
		{"not base64url", "abc+/def==", []Key{key1}, Confirm, now, ErrMalformed},
		{"too short", good[:20], []Key{key1}, Confirm, now, ErrMalformed},
		{"too long", strings.Repeat("A", maxEncoded+1), []Key{key1}, Confirm, now, ErrMalformed},
		{"truncated MAC", good[:len(good)-4], []Key{key1}, Confirm, now, ErrSignature},
		{"purpose byte changed", flip(2), []Key{key1}, Confirm, now, ErrSignature},
		{"address changed", flip(15), []Key{key1}, Confirm, now, ErrSignature},
		{"MAC changed", flip(len(raw) - 1), []Key{key1}, Confirm, now, ErrSignature},
		{"unknown key", good, []Key{key2}, Confirm, now, ErrSignature},
		{"no keys", good, nil, Confirm, now, ErrSignature},
		{"same ID, other secret", good, []Key{{ID: 1, Secret: key2.Secret}}, Confirm, now, ErrSignature},
		{"short secret is never used", good, []Key{{ID: 1, Secret: key1.Secret[:16]}}, Confirm, now, ErrSignature},
		{"confirm link used to unsubscribe", good, []Key{key1}, Unsubscribe, now, ErrPurpose},
		{"expired at the instant", good, []Key{key1}, Confirm, now.Add(48 * time.Hour), ErrExpired},
		{"expired after", good, []Key{key1}, Confirm, now.Add(72 * time.Hour), ErrExpired},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Verify(tc.keys, tc.token, tc.want, tc.at)
			if !errors.Is(err, tc.err) {
				t.Errorf("got %v, want %v", err, tc.err)
			}
		})
	}
}

// TestKeyRotation: tokens signed with the old key verify while it is
// still listed, and stop when it is dropped.
func TestKeyRotation(t *testing.T) {
	old := mustSign(t, key1, Token{Purpose: Unsubscribe, Address: "a@b.example", Scope: "public"})
	if _, err := Verify([]Key{key2, key1}, old, Unsubscribe, now); err != nil {
		t.Errorf("old key still listed: %v", err)
	}
	if _, err := Verify([]Key{key2}, old, Unsubscribe, now); !errors.Is(err, ErrSignature) {
		t.Errorf("old key dropped: got %v, want %v", err, ErrSignature)
	}
}

func TestSignRefuses(t *testing.T) {
	for _, tc := range []struct {
		name string
		key  Key
		tok  Token
		want string
	}{
		{"short secret", Key{ID: 1, Secret: []byte("short")}, confirmToken(), "secret shorter than 32 bytes"},
		{"no purpose", key1, Token{Address: "a@b.example", Scope: "public"}, "purpose:"},
		{"confirm without expiry", key1, Token{Purpose: Confirm, Address: "a@b.example", Scope: "public"}, "expires: a confirmation token must expire"},
		{"not an address", key1, Token{Purpose: Unsubscribe, Address: "nobody", Scope: "public"}, `address "nobody"`},
		{"display name", key1, Token{Purpose: Unsubscribe, Address: "Anna <a@b.example>", Scope: "public"}, "not a plain e-mail address"},
		{"domain not normalized", key1, Token{Purpose: Unsubscribe, Address: "a@B.example", Scope: "public"}, `not normalized (want "a@b.example")`},
		{"no scope", key1, Token{Purpose: Unsubscribe, Address: "a@b.example"}, "scope:"},
		{"empty component", key1, Token{Purpose: Unsubscribe, Address: "a@b.example", Scope: "public", Components: []string{"mail", ""}}, "components[1]:"},
		{"too many components", key1, Token{Purpose: Unsubscribe, Address: "a@b.example", Scope: "public", Components: make([]string, 101)}, "components: more than 100"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Sign(tc.key, tc.tok)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestNormalizeAddress(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"  Anna.Mueller@Example.COM ", "Anna.Mueller@example.com"},
		{"ops+status@b.example", "ops+status@b.example"},
		{"<a@b.example>", "a@b.example"},
	} {
		got, err := NormalizeAddress(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("NormalizeAddress(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "a", "a@", "Anna <a@b.example>", "a@b.example, c@d.example"} {
		if got, err := NormalizeAddress(bad); err == nil {
			t.Errorf("NormalizeAddress(%q) = %q, want an error", bad, got)
		}
	}
}

// TestTokensDifferPerScopeAndAddress: a link for one list or address says
// nothing about another's, and is not valid for it.
func TestTokensDifferPerScopeAndAddress(t *testing.T) {
	a := mustSign(t, key1, Token{Purpose: Unsubscribe, Address: "a@b.example", Scope: "public"})
	b := mustSign(t, key1, Token{Purpose: Unsubscribe, Address: "a@b.example", Scope: "tenant:x"})
	c := mustSign(t, key1, Token{Purpose: Unsubscribe, Address: "c@b.example", Scope: "public"})
	if a == b || a == c {
		t.Error("tokens for different scopes or addresses are equal")
	}
}
