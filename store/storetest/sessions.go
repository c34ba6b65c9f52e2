package storetest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/access"
	"github.com/slatehq/slate/store"
)

// testSessionLifecycle: a session is found by its text's hash only, keeps
// who signed in and with which role, moves its last use forward only, is
// listed while live, and a revocation ends it once, audited with the
// person's name as actor both times; the store never holds the text.
func testSessionLifecycle(t *testing.T, s suite) {
	ctx := context.Background()
	d := s.open(t)
	now := FixedNow()
	text, sess, err := d.CreateSession(ctx, store.NewSession{Subject: "u-42", Email: "ada@example.com", Name: "Ada",
		Role: access.AccountManager, Expires: now.Add(12 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if !store.ValidSessionText(text) {
		t.Fatalf("session text %q does not have the documented form", text)
	}
	got, err := d.SessionByHash(ctx, store.HashToken(text))
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != sess.ID || got.Email != "ada@example.com" || got.Role != access.AccountManager || got.Actor() != "oidc:ada@example.com" ||
		!got.Expires.Equal(now.Add(12*time.Hour)) || !got.LastSeen.Equal(now) {
		t.Errorf("looked up %+v, want the session created (%+v)", got, sess)
	}
	if _, err := d.SessionByHash(ctx, store.HashToken(text+"x")); !errors.Is(err, store.ErrSessionNotFound) || !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown text: got %v, want ErrSessionNotFound", err)
	}
	if err := d.TouchSession(ctx, sess.ID, now.Add(5*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := d.TouchSession(ctx, sess.ID, now.Add(time.Minute)); err != nil { // older: ignored
		t.Fatal(err)
	}
	if got, _ := d.SessionByHash(ctx, store.HashToken(text)); !got.LastSeen.Equal(now.Add(5 * time.Minute)) {
		t.Errorf("last seen %v, want %v", got.LastSeen, now.Add(5*time.Minute))
	}
	live, err := d.ActiveSessions(ctx, now)
	if err != nil || len(live) != 1 || live[0].ID != sess.ID {
		t.Errorf("active sessions %+v (%v), want the one", live, err)
	}
	if live, _ := d.ActiveSessions(ctx, now.Add(13*time.Hour)); len(live) != 0 {
		t.Errorf("active after the absolute expiry: %+v", live)
	}
	if _, err := d.RevokeSession(ctx, sess.ID, "oidc:root@example.com"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.RevokeSession(ctx, sess.ID, "oidc:root@example.com"); !errors.Is(err, store.ErrSessionRevoked) {
		t.Errorf("second revoke: got %v, want ErrSessionRevoked", err)
	}
	if _, err := d.RevokeSession(ctx, 999, "oidc:root@example.com"); !errors.Is(err, store.ErrSessionNotFound) {
		t.Errorf("revoke unknown: got %v, want ErrSessionNotFound", err)
	}
	if got, _ := d.SessionByHash(ctx, store.HashToken(text)); got.Revoked.IsZero() || got.RevokedBy != "oidc:root@example.com" {
		t.Errorf("after revoke: %+v, want revoked by the admin", got)
	}
	if live, _ := d.ActiveSessions(ctx, now); len(live) != 0 {
		t.Errorf("revoked session still listed: %+v", live)
	}
	trail, err := d.AuditOf(ctx, store.SessionSubject(sess.ID))
	if err != nil {
		t.Fatal(err)
	}
	var acts []string
	for _, e := range trail {
		acts = append(acts, e.Actor+" "+e.Action)
		if strings.Contains(e.Detail, text) || strings.Contains(e.Detail, "hash") {
			t.Errorf("audit detail %s holds the session's text or hash", e.Detail)
		}
	}
	if want := "oidc:ada@example.com session.created|oidc:root@example.com session.revoked"; strings.Join(acts, "|") != want {
		t.Errorf("audit trail %q, want %q", strings.Join(acts, "|"), want)
	}
	if _, err := d.VerifyAudit(ctx); err != nil {
		t.Errorf("audit chain: %v", err)
	}
}

// testCreateSessionRefusesBadInput: no subject, a role that is not
// console staff, an expiry not after now; nothing is stored.
func testCreateSessionRefusesBadInput(t *testing.T, s suite) {
	ctx := context.Background()
	d := s.open(t)
	exp := FixedNow().Add(time.Hour)
	for _, tc := range []struct {
		name string
		ns   store.NewSession
		want string
	}{
		{"no subject", store.NewSession{Role: access.Admin, Expires: exp}, "subject"},
		{"viewer", store.NewSession{Subject: "s", Role: access.Viewer, Expires: exp}, "role"},
		{"no role", store.NewSession{Subject: "s", Expires: exp}, "role"},
		{"expired", store.NewSession{Subject: "s", Role: access.Oncall, Expires: FixedNow()}, "expires"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := d.CreateSession(ctx, tc.ns); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error naming %s", err, tc.want)
			}
		})
	}
	if live, _ := d.ActiveSessions(ctx, FixedNow()); len(live) != 0 {
		t.Errorf("refused sessions were stored: %+v", live)
	}
	if n, _ := d.VerifyAudit(ctx); n != 0 {
		t.Errorf("refused sessions were audited: %d entries", n)
	}
}

// testSessionsPruned: pruning deletes exactly the sessions no one can use
// at now — past their absolute expiry, idle too long, revoked — and keeps
// the rest; a second run finds nothing more, and the audit log keeps
// every sign-in.
func testSessionsPruned(t *testing.T, s suite) {
	ctx := context.Background()
	now := At(0, 0)
	d := s.openWith(t, Options{Now: func() time.Time { return now }})
	texts := map[int64]string{}
	add := func(name string, expires time.Time) store.Session {
		text, sess, err := d.CreateSession(ctx, store.NewSession{Subject: name, Email: name + "@example.com", Role: access.Oncall, Expires: expires})
		if err != nil {
			t.Fatal(err)
		}
		texts[sess.ID] = text
		return sess
	}
	add("expired", At(30, 0))
	add("idle", At(600, 0))
	revoked := add("revoked", At(600, 0))
	live := add("live", At(600, 0))
	if _, err := d.RevokeSession(ctx, revoked.ID, "admin"); err != nil {
		t.Fatal(err)
	}
	now = At(40, 0)
	if err := d.TouchSession(ctx, live.ID, At(39, 0)); err != nil {
		t.Fatal(err)
	}
	n, err := d.PruneSessions(ctx, now, 30*time.Minute) // idle since At(0, 0): 40 minutes
	if err != nil || n != 3 {
		t.Fatalf("pruned %d, %v; want 3 (expired, idle, revoked)", n, err)
	}
	for id, text := range texts {
		_, err := d.SessionByHash(ctx, store.HashToken(text))
		if gone := errors.Is(err, store.ErrSessionNotFound); gone != (id != live.ID) {
			t.Errorf("session %d after pruning: %v", id, err)
		}
	}
	left, err := d.ActiveSessions(ctx, now)
	if err != nil || len(left) != 1 || left[0].ID != live.ID {
		t.Errorf("left: %+v, %v; want the live session alone", left, err)
	}
	if n, err := d.PruneSessions(ctx, now, 30*time.Minute); err != nil || n != 0 {
		t.Errorf("second run pruned %d, %v; want 0", n, err)
	}
	es, err := d.AuditEntries(ctx, 0, 100)
	created := 0
	for _, e := range es {
		if e.Action == store.SessionCreated {
			created++
		}
	}
	if err != nil || created != 4 {
		t.Errorf("audit keeps %d sign-ins, %v; want 4", created, err)
	}
}
