package console

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/gin-gonic/gin"
	"golang.org/x/oauth2"

	"github.com/slatehq/slate/access"
	"github.com/slatehq/slate/store"
)

// Console roles, as package access names them.
const (
	roleAdmin          = access.Admin
	roleAccountManager = access.AccountManager
	roleOncall         = access.Oncall
)

// Cookies. The session cookie is the console's alone (path /console); the
// sign-in cookie lives only between the start of a sign-in and its
// callback (path /console/auth, ten minutes).
const (
	sessionCookie = "slate_console"
	authCookie    = "slate_console_auth"
	authCookieTTL = 10 * time.Minute
	// touchEvery bounds how often a session's last use is written: idle
	// expiry is measured to within this.
	touchEvery = time.Minute
)

// oidcState is the provider once discovered.
type oidcState struct {
	mu       sync.Mutex
	provider *oidc.Provider
}

// provider discovers the issuer on first use and keeps it once found.
func (c *Console) provider(ctx context.Context) (*oidc.Provider, error) {
	c.oidc.mu.Lock()
	defer c.oidc.mu.Unlock()
	if c.oidc.provider != nil {
		return c.oidc.provider, nil
	}
	p, err := oidc.NewProvider(c.clientContext(ctx), c.settings.Issuer)
	if err != nil {
		return nil, fmt.Errorf("discover %s: %w", c.settings.Issuer, err)
	}
	c.oidc.provider = p
	return p, nil
}

func (c *Console) clientContext(ctx context.Context) context.Context {
	hc := c.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	return oidc.ClientContext(ctx, hc)
}

func (c *Console) oauth(p *oidc.Provider) *oauth2.Config {
	return &oauth2.Config{ClientID: c.settings.ClientID, ClientSecret: c.settings.ClientSecret, RedirectURL: c.settings.RedirectURL,
		Endpoint: p.Endpoint(), Scopes: append([]string{oidc.ScopeOpenID}, c.settings.Scopes...)}
}

func (c *Console) secure(r *http.Request) bool { return c.settings.Secure || r.TLS != nil }

func (c *Console) loginPage(g *gin.Context) {
	if _, ok := c.session(g); ok {
		g.Redirect(http.StatusFound, "/console/")
		return
	}
	c.render(g, http.StatusOK, "login", page{Title: "Sign in"})
}

// authStart sends the browser to the provider with a fresh state, nonce
// and PKCE verifier, kept in the sign-in cookie until the callback.
func (c *Console) authStart(g *gin.Context) {
	p, err := c.provider(g.Request.Context())
	if err != nil {
		c.Log.Error("console sign-in", "err", err)
		c.fail(g, http.StatusBadGateway, "The sign-in provider cannot be reached right now; try again shortly.")
		return
	}
	state, nonce, verifier := random(), random(), oauth2.GenerateVerifier()
	http.SetCookie(g.Writer, &http.Cookie{Name: authCookie, Value: state + "." + nonce + "." + verifier, Path: "/console/auth",
		MaxAge: int(authCookieTTL / time.Second), HttpOnly: true, Secure: c.secure(g.Request), SameSite: http.SameSiteLaxMode})
	g.Redirect(http.StatusFound, c.oauth(p).AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)))
}

// signInError is why a callback did not sign anyone in.
type signInError struct {
	status int
	msg    string
}

// authCallback finishes a sign-in: the state must be the one this
// browser started with, the code must exchange for an ID token that
// verifies (signature, issuer, audience, expiry) and carries this
// sign-in's nonce, and the person's role claim must map to a console
// role.
func (c *Console) authCallback(g *gin.Context) {
	http.SetCookie(g.Writer, &http.Cookie{Name: authCookie, Value: "", Path: "/console/auth", MaxAge: -1, HttpOnly: true,
		Secure: c.secure(g.Request), SameSite: http.SameSiteLaxMode})
	ns, serr := c.finishSignIn(g)
	if serr != nil {
		c.fail(g, serr.status, serr.msg)
		return
	}
	text, sess, err := c.Store.CreateSession(g.Request.Context(), ns)
	if err != nil {
		c.Log.Error("console session", "err", err)
		c.fail(g, http.StatusServiceUnavailable, "Your session could not be recorded; try again shortly.")
		return
	}
	http.SetCookie(g.Writer, &http.Cookie{Name: sessionCookie, Value: text, Path: "/console", Expires: sess.Expires,
		HttpOnly: true, Secure: c.secure(g.Request), SameSite: http.SameSiteLaxMode})
	g.Redirect(http.StatusFound, "/console/")
}

func (c *Console) finishSignIn(g *gin.Context) (store.NewSession, *signInError) {
	ctx := g.Request.Context()
	q := g.Request.URL.Query()
	ck, err := g.Request.Cookie(authCookie)
	if err != nil {
		return store.NewSession{}, &signInError{http.StatusBadRequest, "This sign-in was not started here, or took longer than ten minutes. Start again."}
	}
	parts := strings.SplitN(ck.Value, ".", 3)
	if len(parts) != 3 || subtle.ConstantTimeCompare([]byte(parts[0]), []byte(q.Get("state"))) != 1 {
		return store.NewSession{}, &signInError{http.StatusBadRequest, "The sign-in's state does not match the one this browser started with. Start again."}
	}
	nonce, verifier := parts[1], parts[2]
	if e := q.Get("error"); e != "" {
		return store.NewSession{}, &signInError{http.StatusUnauthorized, "The sign-in provider refused: " + e + " " + q.Get("error_description")}
	}
	p, err := c.provider(ctx)
	if err != nil {
		return store.NewSession{}, &signInError{http.StatusBadGateway, "The sign-in provider cannot be reached right now; try again shortly."}
	}
	tok, err := c.oauth(p).Exchange(c.clientContext(ctx), q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		c.Log.Warn("console sign-in: code exchange", "err", err)
		return store.NewSession{}, &signInError{http.StatusUnauthorized, "The sign-in provider did not accept the sign-in code. Start again."}
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := p.Verifier(&oidc.Config{ClientID: c.settings.ClientID, Now: c.Now}).Verify(c.clientContext(ctx), raw)
	if err != nil {
		c.Log.Warn("console sign-in: ID token refused", "err", err)
		return store.NewSession{}, &signInError{http.StatusUnauthorized, "The sign-in provider's ID token was refused: " + idTokenProblem(err)}
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(nonce)) != 1 {
		return store.NewSession{}, &signInError{http.StatusUnauthorized, "The sign-in provider's ID token was refused: it was not issued for this sign-in (nonce)."}
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return store.NewSession{}, &signInError{http.StatusUnauthorized, "The sign-in provider's ID token could not be read."}
	}
	email, _ := claims["email"].(string)
	name, _ := claims["name"].(string)
	role := RoleFor(claims, c.settings.RoleClaim, c.settings.Roles)
	if role == "" {
		c.Log.Info("console sign-in refused: no console role", "subject", idt.Subject, "email", email)
		return store.NewSession{}, &signInError{http.StatusForbidden, "You are signed in with your company account, but it has no console role (admin, account manager or on-call). Ask an admin."}
	}
	return store.NewSession{Subject: idt.Subject, Email: email, Name: name, Role: role, Expires: c.Now().Add(c.settings.Absolute)}, nil
}

// idTokenProblem names what go-oidc refused, in words.
func idTokenProblem(err error) string {
	var expired *oidc.TokenExpiredError
	switch msg := err.Error(); {
	case errors.As(err, &expired):
		return "it has expired."
	case strings.Contains(msg, "audience"):
		return "it was issued to another client (audience)."
	case strings.Contains(msg, "issuer"), strings.Contains(msg, "different provider"):
		return "it was issued by another provider (issuer)."
	case strings.Contains(msg, "signature"):
		return "its signature does not verify."
	}
	return "it does not verify."
}

// RoleFor maps the role claim of an ID token's claims to a console role:
// the first of admin, account_manager, oncall one of whose values the
// claim holds (a string, or a list of strings); "" for none.
func RoleFor(claims map[string]any, claim string, r Roles) string {
	var have []string
	switch v := claims[claim].(type) {
	case string:
		have = []string{v}
	case []any:
		for _, x := range v {
			if s, ok := x.(string); ok {
				have = append(have, s)
			}
		}
	}
	for _, m := range []struct {
		role   string
		values []string
	}{{roleAdmin, r.Admin}, {roleAccountManager, r.AccountManager}, {roleOncall, r.Oncall}} {
		for _, v := range m.values {
			if slices.Contains(have, v) {
				return m.role
			}
		}
	}
	return ""
}

// session is the request's live session: its cookie names a stored
// session that is not revoked, not past its absolute expiry and not idle
// longer than the idle time. Its use is recorded about once a minute.
func (c *Console) session(g *gin.Context) (store.Session, bool) {
	ck, err := g.Request.Cookie(sessionCookie)
	if err != nil || !store.ValidSessionText(ck.Value) {
		return store.Session{}, false
	}
	ctx := g.Request.Context()
	s, err := c.Store.SessionByHash(ctx, store.HashToken(ck.Value))
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			c.Log.Error("console session", "err", err)
		}
		return store.Session{}, false
	}
	now := c.Now()
	if !s.Revoked.IsZero() || !now.Before(s.Expires) || !now.Before(s.LastSeen.Add(c.settings.Idle)) {
		return store.Session{}, false
	}
	if now.Sub(s.LastSeen) >= touchEvery {
		if err := c.Store.TouchSession(ctx, s.ID, now); err != nil {
			c.Log.Error("console session touch", "err", err)
		}
	}
	return s, true
}

// signedIn runs h for a live session whose role roles permits (admin
// always); without one it sends the browser to sign in, and a session of
// another role gets 403.
func (c *Console) signedIn(roles []string, h func(*gin.Context, store.Session)) gin.HandlerFunc {
	return func(g *gin.Context) {
		s, ok := c.session(g)
		if !ok {
			if g.Request.Method == http.MethodGet {
				g.Redirect(http.StatusFound, "/console/login")
				return
			}
			c.fail(g, http.StatusUnauthorized, "Your session has ended. Sign in again.")
			return
		}
		if roles != nil && !access.Permits(s.Role, roles) {
			c.failAs(g, s, http.StatusForbidden, "Your role ("+words(s.Role)+") may not do this.")
			return
		}
		h(g, s)
	}
}

func (c *Console) logout(g *gin.Context, s store.Session) {
	if _, err := c.Store.RevokeSession(g.Request.Context(), s.ID, s.Actor()); err != nil {
		c.Log.Error("console sign-out", "err", err)
	}
	http.SetCookie(g.Writer, &http.Cookie{Name: sessionCookie, Value: "", Path: "/console", MaxAge: -1, HttpOnly: true,
		Secure: c.secure(g.Request), SameSite: http.SameSiteLaxMode})
	g.Redirect(http.StatusSeeOther, "/console/login")
}

func random() string {
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}
