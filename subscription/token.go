package subscription

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"
)

// Purpose is what a token allows. The MAC covers it, so a confirmation
// link cannot be used to unsubscribe, nor the reverse.
type Purpose byte

// Purposes.
const (
	Confirm     Purpose = 1 // confirm a subscription (the double opt-in link)
	Unsubscribe Purpose = 2 // end one (the one-click link in every message)
)

func (p Purpose) String() string {
	switch p {
	case Confirm:
		return "confirm"
	case Unsubscribe:
		return "unsubscribe"
	}
	return fmt.Sprintf("purpose(%d)", byte(p))
}

// Token is what a signed link carries: everything the handler needs, so
// that it decides from the token alone and never has to look up whether an
// address is (or was) subscribed.
type Token struct {
	Purpose Purpose

	// Address is the subscriber's e-mail address, as NormalizeAddress
	// returns it.
	Address string

	// Scope is the list the subscription belongs to: "public" for the
	// public status page, or a tenant's scope ("tenant:mueller"). 1 to
	// maxScope bytes.
	Scope string

	// Components are the components (services) chosen, sorted by the
	// caller; empty means all. Confirm tokens carry the choice, so nothing
	// is stored before the address is confirmed.
	Components []string

	// Expires is when the token stops working, to the second; zero for
	// never (unsubscribe links in old messages must keep working).
	Expires time.Time
}

// Key is one HMAC key. ID names it inside tokens so that keys can be
// rotated: sign with the newest, verify with all still accepted.
type Key struct {
	ID     byte
	Secret []byte // at least MinSecret bytes, from a secure random source
}

// MinSecret is the shortest accepted key: 256 bits.
const MinSecret = 32

// Limits of a token's fields and of the text Verify reads. A link longer
// than this is not ours; refusing it early bounds the work a stranger can
// cause.
const (
	maxAddress    = 254
	maxScope      = 100
	maxComponents = 100
	maxComponent  = 100
	maxEncoded    = 8192
	macLen        = sha256.Size
	version       = 1
)

// Errors of Verify. A handler should answer all of them alike ("this link
// is not valid"); they are distinct for logs and tests.
var (
	ErrMalformed = errors.New("subscription token: malformed")
	ErrSignature = errors.New("subscription token: signature does not verify")
	ErrPurpose   = errors.New("subscription token: wrong purpose")
	ErrExpired   = errors.New("subscription token: expired")
)

// domain separates these MACs from any other use of the same key.
const domain = "slate subscription token v1\x00"

// NormalizeAddress checks an e-mail address and returns its canonical
// form: no display name, surrounding space trimmed, the domain in lower
// case (the local part is the mailbox owner's and keeps its case).
func NormalizeAddress(s string) (string, error) {
	a, err := mail.ParseAddress(strings.TrimSpace(s))
	if err != nil || a.Name != "" {
		return "", fmt.Errorf("address %q: not a plain e-mail address", s)
	}
	at := strings.LastIndexByte(a.Address, '@')
	out := a.Address[:at] + "@" + strings.ToLower(a.Address[at+1:])
	if len(out) > maxAddress {
		return "", fmt.Errorf("address: longer than %d bytes", maxAddress)
	}
	return out, nil
}

// check validates a token's fields; Sign refuses what Verify would.
func (t Token) check() error {
	switch {
	case t.Purpose != Confirm && t.Purpose != Unsubscribe:
		return fmt.Errorf("purpose: %s is not confirm or unsubscribe", t.Purpose)
	case t.Scope == "" || len(t.Scope) > maxScope || !utf8.ValidString(t.Scope):
		return fmt.Errorf("scope: want 1 to %d bytes of UTF-8", maxScope)
	case len(t.Components) > maxComponents:
		return fmt.Errorf("components: more than %d", maxComponents)
	case t.Purpose == Confirm && t.Expires.IsZero():
		return errors.New("expires: a confirmation token must expire")
	}
	if n, err := NormalizeAddress(t.Address); err != nil {
		return err
	} else if n != t.Address {
		return fmt.Errorf("address %q: not normalized (want %q)", t.Address, n)
	}
	for i, c := range t.Components {
		if c == "" || len(c) > maxComponent || !utf8.ValidString(c) {
			return fmt.Errorf("components[%d]: want 1 to %d bytes of UTF-8", i, maxComponent)
		}
	}
	return nil
}

// Sign encodes t and signs it with k, for use in a URL path or query (the
// base64url alphabet, no padding).
func Sign(k Key, t Token) (string, error) {
	if len(k.Secret) < MinSecret {
		return "", fmt.Errorf("key %d: secret shorter than %d bytes", k.ID, MinSecret)
	}
	if err := t.check(); err != nil {
		return "", fmt.Errorf("sign subscription token: %w", err)
	}
	payload := encode(k.ID, t)
	return base64.RawURLEncoding.EncodeToString(append(payload, mac(k.Secret, payload)...)), nil
}

// Verify decodes s, checks its signature with the key it names among keys,
// its purpose and its expiry at now, and returns the token. It does no
// lookup: the answer depends on s, keys and now only.
func Verify(keys []Key, s string, want Purpose, now time.Time) (Token, error) {
	if len(s) > maxEncoded {
		return Token{}, ErrMalformed
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil || len(raw) < 2+macLen {
		return Token{}, ErrMalformed
	}
	payload, sum := raw[:len(raw)-macLen], raw[len(raw)-macLen:]
	if payload[0] != version {
		return Token{}, ErrMalformed
	}
	var key *Key
	for i := range keys {
		if keys[i].ID == payload[1] && len(keys[i].Secret) >= MinSecret {
			key = &keys[i]
			break
		}
	}
	// Check the MAC before parsing further: unsigned bytes are never
	// interpreted.
	if key == nil || !hmac.Equal(sum, mac(key.Secret, payload)) {
		return Token{}, ErrSignature
	}
	t, err := decode(payload[2:])
	if err != nil {
		return Token{}, ErrMalformed
	}
	if t.Purpose != want {
		return Token{}, ErrPurpose
	}
	if !t.Expires.IsZero() && !now.Before(t.Expires) {
		return Token{}, ErrExpired
	}
	return t, nil
}

func mac(secret, payload []byte) []byte {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(domain))
	h.Write(payload)
	return h.Sum(nil)
}

// encode lays a token out as: version, key ID, purpose, expiry (Unix
// seconds, big-endian int64, 0 for never), then address, scope and each
// component as a uvarint length and the bytes, the components preceded by
// their count.
func encode(keyID byte, t Token) []byte {
	var b bytes.Buffer
	b.Write([]byte{version, keyID, byte(t.Purpose)})
	var exp int64
	if !t.Expires.IsZero() {
		exp = t.Expires.Unix()
	}
	b.Write(binary.BigEndian.AppendUint64(nil, uint64(exp)))
	putString := func(s string) {
		b.Write(binary.AppendUvarint(nil, uint64(len(s))))
		b.WriteString(s)
	}
	putString(t.Address)
	putString(t.Scope)
	b.Write(binary.AppendUvarint(nil, uint64(len(t.Components))))
	for _, c := range t.Components {
		putString(c)
	}
	return b.Bytes()
}

// decode reads what encode wrote after the version and key ID, and checks
// the token's fields as Sign does.
func decode(p []byte) (Token, error) {
	if len(p) < 9 {
		return Token{}, ErrMalformed
	}
	t := Token{Purpose: Purpose(p[0])}
	if exp := int64(binary.BigEndian.Uint64(p[1:9])); exp != 0 {
		t.Expires = time.Unix(exp, 0).UTC()
	}
	p = p[9:]
	getLen := func(limit int) (int, bool) {
		n, k := binary.Uvarint(p)
		if k <= 0 || n > uint64(limit) {
			return 0, false
		}
		p = p[k:]
		return int(n), true
	}
	getString := func(limit int) (string, bool) {
		n, ok := getLen(limit)
		if !ok || n > len(p) {
			return "", false
		}
		s := string(p[:n])
		p = p[n:]
		return s, true
	}
	var ok bool
	if t.Address, ok = getString(maxAddress); !ok {
		return Token{}, ErrMalformed
	}
	if t.Scope, ok = getString(maxScope); !ok {
		return Token{}, ErrMalformed
	}
	n, ok := getLen(maxComponents)
	if !ok {
		return Token{}, ErrMalformed
	}
	for i := 0; i < n; i++ {
		c, ok := getString(maxComponent)
		if !ok {
			return Token{}, ErrMalformed
		}
		t.Components = append(t.Components, c)
	}
	if len(p) != 0 || t.check() != nil {
		return Token{}, ErrMalformed
	}
	return t, nil
}
