package subscription

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"
)

// FuzzVerify feeds arbitrary text to Verify: it never panics, and what it
// accepts signs back to the same text (one encoding per token), so no two
// links carry one token.
func FuzzVerify(f *testing.F) {
	good, _ := Sign(key1, Token{Purpose: Unsubscribe, Address: "a@b.example", Scope: "public", Components: []string{"mail"}})
	f.Add(good)
	f.Add("")
	f.Add("AQEB")
	f.Add(strings.Repeat("_", 200))
	f.Fuzz(func(t *testing.T, s string) {
		tok, err := Verify([]Key{key1}, s, Unsubscribe, now)
		if err != nil {
			return
		}
		again, err := Sign(key1, tok)
		if err != nil {
			t.Fatalf("accepted token does not sign: %v", err)
		}
		if again != s {
			t.Errorf("accepted %q, which signs back as %q", s, again)
		}
	})
}

// FuzzRoundTrip signs arbitrary fields: Sign either refuses them or Verify
// gives them back unchanged.
func FuzzRoundTrip(f *testing.F) {
	f.Add("a@b.example", "public", "mail", int64(3600), true)
	f.Add("Anna@Example.com", "tenant:müller", "", int64(0), false)
	f.Add("\x00@\xff", "", "\xff", int64(-1), true)
	f.Fuzz(func(t *testing.T, addr, scope, comp string, ttl int64, confirm bool) {
		tok := Token{Purpose: Unsubscribe, Address: addr, Scope: scope}
		if confirm {
			tok.Purpose = Confirm
		}
		if comp != "" {
			tok.Components = []string{comp}
		}
		if ttl != 0 {
			tok.Expires = time.Unix(now.Unix()+ttl%(1<<40), 0).UTC()
		}
		s, err := Sign(key1, tok)
		if err != nil {
			return
		}
		got, err := Verify([]Key{key1}, s, tok.Purpose, now)
		if !tok.Expires.IsZero() && !now.Before(tok.Expires) {
			if err != ErrExpired {
				t.Fatalf("expired token: got %v, want %v", err, ErrExpired)
			}
			return
		}
		if err != nil {
			t.Fatalf("signed token refused: %v", err)
		}
		if got.Address != tok.Address || got.Scope != tok.Scope || strings.Join(got.Components, "\x00") != strings.Join(tok.Components, "\x00") ||
			!got.Expires.Equal(tok.Expires) {
			t.Errorf("got %+v, want %+v", got, tok)
		}
	})
}

// FuzzDecode signs arbitrary payload bytes with the right key, so that the
// parser behind the MAC is exercised too: it never panics, and what it
// accepts is the one encoding of its token.
func FuzzDecode(f *testing.F) {
	good, _ := Sign(key1, Token{Purpose: Unsubscribe, Address: "a@b.example", Scope: "public", Components: []string{"mail"}})
	raw, _ := base64.RawURLEncoding.DecodeString(good)
	f.Add(raw[2 : len(raw)-macLen])
	f.Add([]byte{2, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, body []byte) {
		payload := append([]byte{version, key1.ID}, body...)
		s := base64.RawURLEncoding.EncodeToString(append(payload, mac(key1.Secret, payload)...))
		tok, err := Verify([]Key{key1}, s, Unsubscribe, now)
		if err != nil {
			return
		}
		if again, err := Sign(key1, tok); err != nil || again != s {
			t.Errorf("accepted %x, which signs back as %q (%v)", body, again, err)
		}
	})
}
