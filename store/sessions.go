package store

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/slatehq/slate/access"
)

// Sessions holds the staff console's sign-in sessions. A session's text is
// the cookie the browser holds; the store keeps its SHA-256 only, so a copy
// of the database (a backup) holds nothing a browser could present.
type Sessions interface {
	// CreateSession records a session for the person ns names, audited
	// (action SessionCreated, actor ns.Actor()), and returns its text: the
	// only time the text exists outside the caller.
	CreateSession(ctx context.Context, ns NewSession) (string, Session, error)
	// SessionByHash returns the session whose text hashes to sum, revoked
	// and expired ones included (refusing them is the caller's decision),
	// or ErrSessionNotFound.
	SessionByHash(ctx context.Context, sum [32]byte) (Session, error)
	// TouchSession records that session id was used at, moving LastSeen
	// forward only. Not audited.
	TouchSession(ctx context.Context, id int64, at time.Time) error
	// RevokeSession ends session id at the store's now, audited with
	// actor (the person signing out, or an admin): ErrSessionNotFound for
	// an unknown ID, ErrSessionRevoked for one revoked before.
	RevokeSession(ctx context.Context, id int64, actor string) (Session, error)
	// ActiveSessions lists the sessions that are neither revoked nor
	// past their absolute expiry at now, newest first.
	ActiveSessions(ctx context.Context, now time.Time) ([]Session, error)
	// PruneSessions deletes the sessions no one can use at now: past
	// their absolute expiry, unused for idle or longer (idle > 0), or
	// revoked. Which are due is read from the sessions themselves, so a
	// run missed (a restart, a failover) is made up by the next. Not
	// audited: the audit log already holds each sign-in and revocation.
	PruneSessions(ctx context.Context, now time.Time, idle time.Duration) (int64, error)
}

// Session is a staff console session as stored: everything but its text.
type Session struct {
	ID      int64
	Subject string // the identity provider's subject ("sub")
	Email   string // "" when the provider gave none
	Name    string // display name; "" when none
	Role    string // access.Admin, access.AccountManager or access.Oncall
	// CreatedAt is the sign-in; LastSeen the latest use recorded (moved
	// at most about once a minute); Expires the absolute end, whatever the
	// use. Idle expiry is the caller's rule, on LastSeen.
	CreatedAt, LastSeen, Expires time.Time
	Revoked                      time.Time // zero while valid
	RevokedBy                    string
}

// Actor names the session's person in the audit log: "oidc:" and the
// e-mail address, or the subject when there is none.
func (s Session) Actor() string { return SessionActor(s.Email, s.Subject) }

// SessionActor is the audit actor of a person signed in with OpenID
// Connect.
func SessionActor(email, subject string) string {
	if email != "" {
		return "oidc:" + email
	}
	return "oidc:" + subject
}

// NewSession is what CreateSession needs to know.
type NewSession struct {
	Subject, Email, Name, Role string
	Expires                    time.Time // the absolute expiry; after the store's now
}

// Actor names the person in the audit log (see Session.Actor).
func (ns NewSession) Actor() string { return SessionActor(ns.Email, ns.Subject) }

// Audit actions of sessions.
const (
	SessionCreated = "session.created"
	SessionRevoked = "session.revoked"
)

// Session errors. ErrSessionNotFound is also an ErrNotFound.
var (
	ErrSessionNotFound = fmt.Errorf("session %w", ErrNotFound)
	ErrSessionRevoked  = errors.New("session already revoked")
)

// SessionSubject is the audit subject of session id.
func SessionSubject(id int64) string { return fmt.Sprintf("session/%d", id) }

// SessionDetail is the audit detail of a session change: who and with
// which role, never its text or hash.
func SessionDetail(s Session) map[string]any {
	return map[string]any{"subject": s.Subject, "email": s.Email, "role": s.Role, "expires_ms": s.Expires.UnixMilli()}
}

// consoleRoles are the roles a session may carry: staff who work in the
// console. Viewers and metrics scrapers have tokens, not sessions.
var consoleRoles = []string{access.Admin, access.AccountManager, access.Oncall}

// CheckNewSession refuses a session no store may record, at now.
func CheckNewSession(ns NewSession, now time.Time) error {
	switch {
	case strings.TrimSpace(ns.Subject) == "":
		return errors.New("create session: subject: empty")
	case ns.Role != access.Admin && ns.Role != access.AccountManager && ns.Role != access.Oncall:
		return fmt.Errorf("create session %s: role: %q is not one of %s", ns.Subject, ns.Role, strings.Join(consoleRoles, ", "))
	case !ns.Expires.After(now):
		return fmt.Errorf("create session %s: expires: %s is not after now (%s)", ns.Subject, ns.Expires.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	return nil
}

// Session text: "sls_" and 52 characters of lowercase base32 (32 random
// bytes, 256 bits).
const (
	sessionTag = "sls_"
	// SessionTextLen is the length of a session's text.
	SessionTextLen = len(sessionTag) + 52
)

// NewSessionText draws a session's text from crypto/rand.
func NewSessionText() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("draw session: %w", err)
	}
	enc := base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)
	return sessionTag + enc.EncodeToString(b[:]), nil
}

// ValidSessionText reports whether text has the form of a session's text,
// so that a cookie of any other shape costs no lookup.
func ValidSessionText(text string) bool {
	if len(text) != SessionTextLen || !strings.HasPrefix(text, sessionTag) {
		return false
	}
	for _, c := range text[len(sessionTag):] {
		if !('a' <= c && c <= 'z' || '2' <= c && c <= '7') {
			return false
		}
	}
	return true
}
