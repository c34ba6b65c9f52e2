package dashboard

import (
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"
)

// Failed authentication is limited per client address: a client that
// presents bad tokens, forged or expired link signatures or wrong
// sign-in tokens spends a small budget, and once it is spent every
// request of that address that presents a credential gets 429 until the
// budget refills — a good credential too, or guessing would go on
// between two good requests. Requests without a credential (the public
// pages, the sign-in form itself) are never refused for it. The budget
// belongs to the address, never to a tenant or a link, so nobody can
// lock out anyone else by failing in their name.

// Defaults of Server.AuthFailures and Server.AuthFailureEvery: ten
// failures at once, then one more every six seconds.
const (
	DefaultAuthFailures     = 10
	DefaultAuthFailureEvery = 6 * time.Second
)

// clientKey names the client of c: its address as gin reports it (the
// connection's, or the one a trusted proxy passed on), an IPv6 address
// cut to its /64, which one client usually holds whole.
func clientKey(c *gin.Context) string {
	ip := net.ParseIP(c.ClientIP())
	switch {
	case ip == nil:
		return c.Request.RemoteAddr
	case ip.To4() != nil:
		return ip.To4().String()
	}
	return ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
}

// presentsCredential reports whether r carries anything that
// authenticates: a bearer token, a signed link, a feed address's token,
// a tenant cookie, or a posted form (the sign-in form's token).
func presentsCredential(r *http.Request) bool {
	if bearer(r) != "" || r.Method == http.MethodPost {
		return true
	}
	if q := r.URL.RawQuery; q != "" {
		if v := r.URL.Query(); v.Has("sig") || v.Has("exp") || v.Has("token") {
			return true
		}
	}
	for _, name := range []string{sessionCookie, linkCookie} {
		if _, err := r.Cookie(name); err == nil {
			return true
		}
	}
	return false
}

// limitFailures is the middleware of routes that authenticate: it refuses
// a request that presents a credential from an address over its failure
// budget, and after the handler spends that budget when failed says the
// answer's status was a failed authentication.
func (s *Server) limitFailures(presents func(*http.Request) bool, failed func(status int) bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !presents(c.Request) {
			c.Next()
			return
		}
		key := clientKey(c)
		if wait := s.failures.wait(key, s.now()); wait > 0 {
			secs := strconv.Itoa(retryAfter(wait))
			c.Header("Retry-After", secs)
			msg := "too many failed attempts to authenticate from this address; retry in " + secs + "s"
			if strings.Contains(c.Request.URL.Path, "/api/") {
				writeAPIError(c, &APIError{Status: http.StatusTooManyRequests, Code: "rate_limited", Message: msg})
			} else {
				c.Header("Cache-Control", "no-store")
				c.String(http.StatusTooManyRequests, msg+"\n")
				c.Abort()
			}
			return
		}
		c.Next()
		if failed(c.Writer.Status()) {
			burst, every := s.AuthFailures, s.AuthFailureEvery
			if burst <= 0 {
				burst = DefaultAuthFailures
			}
			if every <= 0 {
				every = DefaultAuthFailureEvery
			}
			s.failures.take(key, rate.Every(every), burst, s.now())
		}
	}
}

// unauthorized is the failure of tenant pages and the admin API: a
// credential that was not accepted. A 403 (a good credential for
// something else) and a 503 (the store could not check it) are not.
func unauthorized(status int) bool { return status == http.StatusUnauthorized }

// TrustProxies names the proxies (addresses or CIDR ranges) whose
// X-Forwarded-For and X-Real-IP headers say who the client is. By default
// none is trusted: the client is the connection's peer, and a client
// cannot pose as another address with a header. Call it before serving.
func (s *Server) TrustProxies(proxies []string) error {
	return s.engine.SetTrustedProxies(proxies)
}
