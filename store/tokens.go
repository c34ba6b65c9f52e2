package store

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/slatehq/slate/access"
)

// Roles a token can carry, as package access defines them (the one
// definition the pages, the admin API and the stores share), named here for
// the stores' callers. Staff roles (all but viewer) see every tenant; a
// viewer sees one.
const (
	RoleAdmin          = access.Admin
	RoleAccountManager = access.AccountManager
	RoleOncall         = access.Oncall
	RoleViewer         = access.Viewer
	RoleMetrics        = access.Metrics
	RoleFeed           = access.Feed
	RoleAgent          = access.Agent
)

// ValidRole reports whether a token may carry role.
func ValidRole(role string) bool { return access.ValidRole(role) }

// Token is an API token as stored: everything but its secret, which the
// store never holds.
type Token struct {
	ID        int64
	Prefix    string // "slt_" and 8 hex digits: the visible part of the token
	Name      string
	Role      string // one of the Role constants
	Tenant    string // the viewer's or feed token's tenant; "" for the other roles
	Location  string // the agent token's location; "" for the other roles
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
	Tenant string // required for RoleViewer and RoleFeed, refused for the others
	// Location is required for RoleAgent, refused for the others. The
	// store does not know the declared locations: callers check it
	// against the configuration.
	Location string
}

// Token text: tokenTag, 8 lowercase hex digits (the rest of the prefix), '_',
// then 32 characters of lowercase base32 (20 random bytes, 160 bits).
const (
	tokenTag       = "slt_"
	tokenPrefixHex = 8
	tokenPrefixLen = len(tokenTag) + tokenPrefixHex
	tokenSecretLen = 32
	tokenLen       = tokenPrefixLen + 1 + tokenSecretLen
	// TokenAttempts bounds the draws of a prefix not yet taken: with 32
	// random bits, a second collision in a row means something is wrong
	// with the random source rather than bad luck.
	TokenAttempts = 4
	// SecretLen is the size of the keys Secret makes: 256 bits, as for
	// HMAC-SHA256.
	SecretLen = 32
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

// NewTokenText draws a token's text from crypto/rand and returns it with
// its prefix.
func NewTokenText() (text, prefix string, err error) {
	var p [tokenPrefixHex / 2]byte
	var s [tokenSecretLen * 5 / 8]byte
	if _, err := rand.Read(p[:]); err != nil {
		return "", "", err
	}
	if _, err := rand.Read(s[:]); err != nil {
		return "", "", err
	}
	enc := base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)
	text = tokenTag + hex.EncodeToString(p[:]) + "_" + enc.EncodeToString(s[:])
	return text, text[:tokenPrefixLen], nil
}

// CheckNewToken refuses a token request no store may record.
func CheckNewToken(nt NewToken, actor string) error {
	switch {
	case strings.TrimSpace(nt.Name) == "":
		return errors.New("create token: name: a name is required")
	case !ValidRole(nt.Role):
		return fmt.Errorf("create token %s: role: %q is not one of %s", nt.Name, nt.Role, strings.Join(access.TokenRoles(), ", "))
	case access.TenantRole(nt.Role) && nt.Tenant == "":
		return fmt.Errorf("create token %s: tenant: a %s token needs a tenant", nt.Name, nt.Role)
	case !access.TenantRole(nt.Role) && nt.Tenant != "":
		return fmt.Errorf("create token %s: tenant: only %s and %s tokens take a tenant; role %s sees every tenant", nt.Name, RoleViewer, RoleFeed, nt.Role)
	case access.LocationRole(nt.Role) && strings.TrimSpace(nt.Location) == "":
		return fmt.Errorf("create token %s: location: an %s token needs a location", nt.Name, nt.Role)
	case !access.LocationRole(nt.Role) && nt.Location != "":
		return fmt.Errorf("create token %s: location: only %s tokens take a location; role %s probes nowhere", nt.Name, RoleAgent, nt.Role)
	case strings.TrimSpace(actor) == "":
		return fmt.Errorf("create token %s: empty actor", nt.Name)
	}
	return nil
}

// TokenDetail is the audit detail of a token change: never its text or hash.
func TokenDetail(t Token) map[string]any {
	d := map[string]any{"name": t.Name, "role": t.Role, "tenant": t.Tenant}
	if t.Location != "" {
		// Only agent tokens have the key, so the entries of other tokens
		// read as they always did.
		d["location"] = t.Location
	}
	return d
}

// TokenSubject is the audit subject of a token.
func TokenSubject(t Token) string { return "token/" + t.Prefix }

// SecretRotated is the audit action of RotateSecret.
const SecretRotated = "secret.rotated"

// SecretSubject is the audit subject of the secret stored under name.
func SecretSubject(name string) string { return "secret/" + name }

// CheckRotateSecret refuses a rotation no store may record.
func CheckRotateSecret(name, actor string) error {
	switch {
	case strings.TrimSpace(name) == "":
		return errors.New("rotate secret: empty name")
	case strings.TrimSpace(actor) == "":
		return fmt.Errorf("rotate secret %s: empty actor", name)
	}
	return nil
}

// NewSecret draws a key of SecretLen bytes from crypto/rand.
func NewSecret() ([]byte, error) {
	key := make([]byte, SecretLen)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	return key, nil
}

// RotationDetail is the audit detail of a rotation: when the replaced key
// was made (null when there was none), never a key.
func RotationDetail(replacedCreated time.Time) map[string]any {
	d := map[string]any{"replaced_created": nil}
	if !replacedCreated.IsZero() {
		d["replaced_created"] = replacedCreated.UTC().Format(time.RFC3339)
	}
	return d
}
