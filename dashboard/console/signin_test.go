package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/dashboard/console"
	"github.com/slatehq/slate/store"
)

// TestSignInThroughProvider: a person of the billing group signs in
// through the provider (discovery, authorize with PKCE, code exchange, an
// RS256 ID token), gets an HttpOnly, SameSite=Lax session cookie scoped to
// /console, lands on the console as an account manager, and the audit log
// names them, not a token.
func TestSignInThroughProvider(t *testing.T) {
	f := newFixture(t)
	b, code, body := f.signIn(t, "ada@example.com", "billing", "everyone")
	if code != http.StatusOK || !strings.Contains(body, "Signed in as oidc:ada@example.com with the role account manager") {
		t.Fatalf("after sign-in: %d %s", code, body)
	}
	u, _ := url.Parse(f.srv.URL + "/console/")
	var sess *http.Cookie
	for _, c := range b.Jar.Cookies(u) {
		if c.Name == "slate_console" {
			sess = c
		}
	}
	if sess == nil || !store.ValidSessionText(sess.Value) {
		t.Fatalf("no session cookie: %v", b.Jar.Cookies(u))
	}
	// The jar does not keep the attributes: ask for them directly.
	resp := signInRaw(t, f, "grace@example.com", "sre-leads")
	if sc := resp.Header.Get("Set-Cookie"); !strings.Contains(sc, "HttpOnly") || !strings.Contains(sc, "SameSite=Lax") || !strings.Contains(sc, "Path=/console") {
		t.Errorf("session cookie %q lacks HttpOnly, SameSite=Lax or Path=/console", sc)
	}
	ss, err := f.db.ActiveSessions(context.Background(), f.now())
	if err != nil || len(ss) != 2 {
		t.Fatalf("sessions %+v (%v), want two", ss, err)
	}
	trail, _ := f.db.AuditOf(context.Background(), store.SessionSubject(ss[1].ID))
	if len(trail) != 1 || trail[0].Actor != "oidc:ada@example.com" || trail[0].Action != store.SessionCreated {
		t.Errorf("audit of the sign-in %+v, want oidc:ada@example.com session.created", trail)
	}
}

// signInRaw runs a sign-in by hand up to the callback's answer, without
// following it, so its headers can be read.
func signInRaw(t *testing.T, f *fixture, email string, groups ...string) *http.Response {
	t.Helper()
	gs := []any{}
	for _, g := range groups {
		gs = append(gs, g)
	}
	f.op.SignIn(map[string]any{"sub": "sub-" + email, "email": email, "groups": gs})
	b := browser(t)
	b.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if req.URL.Path == "/console/" {
			return http.ErrUseLastResponse
		}
		return nil
	}
	resp, err := b.Get(f.srv.URL + "/console/auth/start")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// TestSignInRefusals: an ID token for another client, one that has
// expired, one with another sign-in's nonce, a callback whose state was
// changed, and people whose groups map to no console role are all refused
// with a page that says why, and no session is recorded.
func TestSignInRefusals(t *testing.T) {
	for _, tc := range []struct {
		name   string
		groups []string
		bend   func(map[string]any)
		tamper bool
		status int
		says   string
	}{
		{name: "wrong audience", groups: []string{"billing"}, bend: func(c map[string]any) { c["aud"] = "another-client" },
			status: http.StatusUnauthorized, says: "issued to another client"},
		{name: "expired ID token", groups: []string{"billing"}, bend: func(c map[string]any) {
			c["iat"], c["exp"] = time.Now().Add(-time.Hour).Unix(), time.Now().Add(-30*time.Minute).Unix()
		}, status: http.StatusUnauthorized, says: "it has expired"},
		{name: "nonce mismatch", groups: []string{"billing"}, bend: func(c map[string]any) { c["nonce"] = "another-sign-in" },
			status: http.StatusUnauthorized, says: "not issued for this sign-in"},
		{name: "other issuer", groups: []string{"billing"}, bend: func(c map[string]any) { c["iss"] = "https://evil.example" },
			status: http.StatusUnauthorized, says: "another provider"},
		{name: "tampered state", groups: []string{"billing"}, tamper: true,
			status: http.StatusBadRequest, says: "state does not match"},
		{name: "no console role", groups: []string{"everyone"}, status: http.StatusForbidden, says: "has no console role"},
		{name: "viewer group only", groups: []string{"viewer", "customers"}, status: http.StatusForbidden, says: "has no console role"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.op.Bend(tc.bend)
			gs := []any{}
			for _, g := range tc.groups {
				gs = append(gs, g)
			}
			f.op.SignIn(map[string]any{"sub": "s-1", "email": "eve@example.com", "groups": gs})
			b := browser(t)
			if tc.tamper {
				b.CheckRedirect = func(req *http.Request, via []*http.Request) error {
					if req.URL.Path == "/console/auth/callback" {
						q := req.URL.Query()
						q.Set("state", q.Get("state")+"x")
						req.URL.RawQuery = q.Encode()
					}
					return nil
				}
			}
			code, body := get(t, b, f.srv.URL+"/console/auth/start")
			if code != tc.status || !strings.Contains(body, tc.says) {
				t.Errorf("got %d %q, want %d saying %q", code, body, tc.status, tc.says)
			}
			if ss, _ := f.db.ActiveSessions(context.Background(), f.now()); len(ss) != 0 {
				t.Errorf("a session was recorded: %+v", ss)
			}
			if _, body := get(t, b, f.srv.URL+"/console/credits"); !strings.Contains(body, "Sign in with your company account") {
				t.Error("the refused browser reads the console")
			}
		})
	}
}

// TestRoleFor maps the role claim, a string or a list, to the first
// console role whose values it holds.
func TestRoleFor(t *testing.T) {
	r := console.Roles{Admin: []string{"sre-leads"}, AccountManager: []string{"billing"}, Oncall: []string{"sre", "noc"}}
	for _, tc := range []struct {
		name   string
		claims map[string]any
		want   string
	}{
		{"list, oncall", map[string]any{"groups": []any{"staff", "noc"}}, "oncall"},
		{"string", map[string]any{"groups": "billing"}, "account_manager"},
		{"several: admin first", map[string]any{"groups": []any{"sre", "billing", "sre-leads"}}, "admin"},
		{"none", map[string]any{"groups": []any{"staff"}}, ""},
		{"missing claim", map[string]any{"roles": []any{"sre"}}, ""},
		{"not strings", map[string]any{"groups": []any{1, true}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := console.RoleFor(tc.claims, "groups", r); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestSessionEnds: a session ends after the idle time without use, at its
// absolute expiry however used, at sign-out (revoked, audited) and when
// an admin revokes it; afterwards its cookie opens nothing.
func TestSessionEnds(t *testing.T) {
	t.Run("idle", func(t *testing.T) {
		f := newFixture(t)
		b, _, _ := f.signIn(t, "ada@example.com", "billing")
		f.advance(29 * time.Minute)
		if code, _ := get(t, b, f.srv.URL+"/console/credits"); code != http.StatusOK {
			t.Fatalf("used within the idle time: %d", code)
		}
		f.advance(29 * time.Minute) // 29 minutes after the last use
		if code, _ := get(t, b, f.srv.URL+"/console/credits"); code != http.StatusOK {
			t.Fatalf("the use 29 minutes ago kept it alive: %d", code)
		}
		f.advance(31 * time.Minute)
		if code, body := get(t, b, f.srv.URL+"/console/credits"); code != http.StatusOK || !strings.Contains(body, "Sign in with your company account") {
			t.Errorf("idle 31 minutes: %d, want the sign-in page", code)
		}
	})
	t.Run("absolute", func(t *testing.T) {
		f := newFixture(t)
		b, _, _ := f.signIn(t, "ada@example.com", "billing")
		for range 25 { // used every 29 minutes for 12 hours and more
			f.advance(29 * time.Minute)
			get(t, b, f.srv.URL+"/console/")
		}
		if code, body := get(t, b, f.srv.URL+"/console/credits"); !strings.Contains(body, "Sign in with your company account") {
			t.Errorf("after 12h05m: %d, want the sign-in page", code)
		}
	})
	t.Run("sign-out and admin revoke", func(t *testing.T) {
		f := newFixture(t)
		ada, _, _ := f.signIn(t, "ada@example.com", "billing")
		if code, _ := post(t, ada, f.srv.URL+"/console/logout", nil); code != http.StatusOK {
			t.Fatalf("sign-out: %d", code)
		}
		if _, body := get(t, ada, f.srv.URL+"/console/credits"); !strings.Contains(body, "Sign in with your company account") {
			t.Error("signed out, still in")
		}
		bob, _, _ := f.signIn(t, "bob@example.com", "billing")
		root, _, _ := f.signIn(t, "root@example.com", "sre-leads")
		ss, _ := f.db.ActiveSessions(context.Background(), f.now())
		var bobs int64
		for _, s := range ss {
			if s.Email == "bob@example.com" {
				bobs = s.ID
			}
		}
		if code, body := post(t, root, f.srv.URL+"/console/sessions/"+itoa(bobs)+"/revoke", nil); code != http.StatusOK || !strings.Contains(body, "revoked") {
			t.Fatalf("admin revoke: %d %s", code, body)
		}
		if _, body := get(t, bob, f.srv.URL+"/console/credits"); !strings.Contains(body, "Sign in with your company account") {
			t.Error("revoked by an admin, still in")
		}
		trail, _ := f.db.AuditOf(context.Background(), store.SessionSubject(bobs))
		if len(trail) != 2 || trail[1].Actor != "oidc:root@example.com" || trail[1].Action != store.SessionRevoked {
			t.Errorf("audit of the revocation %+v", trail)
		}
	})
}

// TestFormsFromAnotherSiteAreRefused: every console form refuses a post
// the browser marks as cross-site, before anything changes.
func TestFormsFromAnotherSiteAreRefused(t *testing.T) {
	f := newFixture(t)
	c := f.record(t, "acme", "acme-gold", "2026-09", "EUR", 12345)
	b, _, _ := f.signIn(t, "root@example.com", "sre-leads")
	for _, path := range []string{"/console/credits/bulk", "/console/credits/" + itoa(c.ID) + "/approve", "/console/tokens", "/console/logout"} {
		req, _ := http.NewRequest(http.MethodPost, f.srv.URL+path, strings.NewReader("action=approve&id="+itoa(c.ID)+"&confirm=yes&name=x&role=admin"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		req.Header.Set("Origin", "https://evil.example")
		resp, err := b.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("cross-site POST %s: %d, want 403", path, resp.StatusCode)
		}
	}
	if got, _ := f.db.Credit(context.Background(), c.ID); got.State != store.CreditComputed {
		t.Errorf("credit state %s after refused posts, want computed", got.State)
	}
	if ts, _ := f.db.Tokens(context.Background()); len(ts) != 0 {
		t.Errorf("tokens created by refused posts: %+v", ts)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
