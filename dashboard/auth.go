package dashboard

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/slatehq/slate/access"
)

// Principal is who a request acts as.
type Principal struct {
	Prefix string // the token's visible prefix; "" for a signed link
	Name   string // the token's name
	Role   string
	Tenant string // the only tenant a viewer or a link may see; "" for staff
	// Location is an agent token's location: the only one its results
	// are stored under, whatever the agent says.
	Location string
	link     string // a signed link's exp.sig, which names its rate bucket; "" for a token
}

// Actor names the principal in the audit log.
func (p Principal) Actor() string {
	if p.Prefix == "" {
		return "link:" + p.Tenant
	}
	return "token:" + p.Prefix
}

// Scope is what p may see, by the rules of package access, which also
// defines the roles.
func (p Principal) Scope() access.Scope { return access.Scope{Role: p.Role, Tenant: p.Tenant} }

// mayView reports whether p may see tenant's pages.
func (p Principal) mayView(tenant string) bool { return p.Scope().SeesTenant(tenant) }

// ErrUnauthenticated is what an Authenticator returns for a token it does
// not accept: unknown, malformed or revoked. The reason is not told to the
// client.
var ErrUnauthenticated = errors.New("unknown or revoked token")

// Authenticator turns a bearer token into its principal. It is called on
// every authenticated request, so it should answer from memory.
type Authenticator interface {
	Authenticate(ctx context.Context, token string) (Principal, error)
}

// Tenant links are signed with HMAC-SHA256 over the tenant and the expiry,
// so a link can be handed to a customer without creating a token, and
// stops working at its expiry without any state kept.

// SignTenantLink returns the query (exp=...&sig=...) that lets its holder
// see tenant's page until exp.
func SignTenantLink(key []byte, tenant string, exp time.Time) string {
	e := strconv.FormatInt(exp.Unix(), 10)
	return "exp=" + e + "&sig=" + linkSig(key, tenant, e)
}

func linkSig(key []byte, tenant, exp string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("slate tenant link\x00" + tenant + "\x00" + exp))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// verifyLink checks a link's exp and sig for tenant at now: signed with
// key, not expired, and expiring at most maxTTL after now.
func verifyLink(key []byte, tenant, exp, sig string, now time.Time, maxTTL time.Duration) bool {
	if len(key) == 0 || exp == "" || sig == "" {
		return false
	}
	n, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || now.Unix() >= n || n-now.Unix() > int64(maxTTL/time.Second) {
		return false
	}
	return hmac.Equal([]byte(sig), []byte(linkSig(key, tenant, exp)))
}

// Cookies of tenant pages, scoped to the tenant's path. The session cookie
// holds the token itself (HttpOnly, so scripts cannot read it); the link
// cookie holds a signed link's exp.sig.
const (
	sessionCookie = "slate_session"
	linkCookie    = "slate_link"
)

// bearer is the token of an Authorization: Bearer header, or "".
func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// authError is why a request was not let in.
type authError struct {
	status int
	code   string
	msg    string
}

var (
	errNoCredentials = &authError{http.StatusUnauthorized, "unauthenticated", "a token is required: send Authorization: Bearer TOKEN"}
	errBadToken      = &authError{http.StatusUnauthorized, "unauthenticated", "unknown or revoked token"}
	errBadLink       = &authError{http.StatusUnauthorized, "unauthenticated", "this link is invalid or has expired"}
	errOtherTenant   = &authError{http.StatusForbidden, "forbidden", "this token is not valid for this page"}
	// errAuthUnavailable is a failure to check a token (the store), not
	// a verdict on it.
	errAuthUnavailable = &authError{http.StatusServiceUnavailable, "unavailable", "tokens cannot be checked right now; retry shortly"}
)

// tenantPrincipal authenticates a request for tenant's pages: a bearer
// token, a signed link in the query, or the cookies those left. It returns
// the principal and whether it came from the query's link (which the HTML
// page swaps for a cookie).
func (s *Server) tenantPrincipal(r *http.Request, tenant string) (Principal, bool, *authError) {
	if tok := bearer(r); tok != "" {
		return s.tokenFor(r.Context(), tok, tenant)
	}
	q := r.URL.Query()
	if q.Has("sig") || q.Has("exp") {
		if aerr := s.checkLink(r.Context(), tenant, q.Get("exp"), q.Get("sig")); aerr != nil {
			return Principal{}, false, aerr
		}
		return Principal{Role: access.Link, Tenant: tenant, link: q.Get("exp") + "." + q.Get("sig")}, true, nil
	}
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		return s.sessionFor(r.Context(), c.Value, tenant)
	}
	if c, err := r.Cookie(linkCookie); err == nil {
		exp, sig, _ := strings.Cut(c.Value, ".")
		if aerr := s.checkLink(r.Context(), tenant, exp, sig); aerr != nil {
			return Principal{}, false, aerr
		}
		return Principal{Role: access.Link, Tenant: tenant, link: c.Value}, false, nil
	}
	return Principal{}, false, errNoCredentials
}

// tokenFor authenticates tok and checks that it may see tenant ("" for
// any authenticated principal).
func (s *Server) tokenFor(ctx context.Context, tok, tenant string) (Principal, bool, *authError) {
	if s.Auth == nil {
		return Principal{}, false, errBadToken
	}
	p, err := s.Auth.Authenticate(ctx, tok)
	switch {
	case errors.Is(err, ErrUnauthenticated):
		return Principal{}, false, errBadToken
	case err != nil:
		// The token may be good: do not tell the client to drop it.
		if s.Log != nil {
			s.Log.Error("authenticate", "err", err)
		}
		return Principal{}, false, errAuthUnavailable
	}
	if tenant != "" && !p.mayView(tenant) {
		return p, false, errOtherTenant
	}
	return p, false, nil
}

// limitKey names p's bucket: each token's own, and each signed link's
// own, so that one holder of a tenant's link cannot spend the budget of
// the others.
func limitKey(p Principal) string {
	if p.Prefix == "" {
		return "link/" + p.Tenant + "/" + p.link
	}
	return "token/" + p.Prefix
}

// rateLimited answers 429 and returns true when p is over its rate.
func (s *Server) rateLimited(c *gin.Context, p Principal, api bool) bool {
	ok, wait := s.limits.allow(limitKey(p), s.RateLimit, s.rateBurst(), s.now())
	if ok {
		return false
	}
	secs := int(wait/time.Second) + 1
	c.Header("Retry-After", strconv.Itoa(secs))
	msg := "too many requests for this token; retry in " + strconv.Itoa(secs) + "s"
	if api {
		writeAPIError(c, &APIError{Status: http.StatusTooManyRequests, Code: "rate_limited", Message: msg})
	} else {
		c.String(http.StatusTooManyRequests, msg+"\n")
	}
	return true
}

func (s *Server) rateBurst() int {
	if s.RateBurst > 0 {
		return s.RateBurst
	}
	return max(1, int(2*s.RateLimit))
}

// now is the server's clock.
func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// cleanURL is r's URL without the link's query parameters, so a link
// swapped for a cookie does not linger in history and Referer headers.
func cleanURL(u *url.URL) string {
	q := u.Query()
	q.Del("exp")
	q.Del("sig")
	out := u.Path
	if enc := q.Encode(); enc != "" {
		out += "?" + enc
	}
	return out
}
