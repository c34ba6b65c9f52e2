package dashboard

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/slatehq/slate/access"
)

// maxTries bounds the failures a test sends before it expects a 429.
const maxTries = 100

// TestFailedAuthIsLimitedPerAddress fails authentication from one client
// address in each way there is — bearer tokens on the tenant API and the
// admin API, signed-link signatures, the sign-in form — until it gets 429
// with Retry-After; then that address is refused even a good credential,
// another address is not, a request without credentials still gets the
// sign-in page, and after Retry-After the address may try again.
func TestFailedAuthIsLimitedPerAddress(t *testing.T) {
	now := fixedNow()
	s := adminTestServer(t, func() time.Time { return now })
	s.LinkKey = tenantServer(t).LinkKey
	s.SetTenants([]*TenantView{tenantFixture()})
	badLink := "/status/acme?exp=" + strconv.FormatInt(now.Add(time.Hour).Unix(), 10) + "&sig=forged"
	send := func(addr, method, path, token string) *httptest.ResponseRecorder {
		var req *http.Request
		if method == http.MethodPost && strings.HasSuffix(path, "/login") {
			req = httptest.NewRequest(method, path, strings.NewReader(url.Values{"token": {token}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		} else {
			req = httptest.NewRequest(method, path, nil)
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
		}
		req.RemoteAddr = addr
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		return rec
	}
	tests := []struct {
		name         string
		method, path string
		bad, good    string // credentials: a bad one, and a good one for the same route
	}{
		{"tenant API bearer", http.MethodGet, "/status/acme/api/v2/status.json", "slt_00000000_bogus", "viewer-tok"},
		{"admin API bearer", http.MethodGet, "/api/admin/whoami", "slt_00000000_bogus", "oncall-tok"},
		{"signed link", http.MethodGet, badLink, "", ""},
		{"sign-in form", http.MethodPost, "/status/acme/login", "slt_00000000_bogus", "viewer-tok"},
	}
	s.HandleAdmin(http.MethodGet, "/whoami", []string{access.Oncall, access.Viewer}, func(r *AdminRequest) (int, any, error) {
		return http.StatusOK, map[string]string{"role": r.Principal.Role}, nil
	})
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			attacker := fmt.Sprintf("192.0.2.%d:40000", i+1)
			neighbour := fmt.Sprintf("198.51.100.%d:40000", i+1)
			var rec *httptest.ResponseRecorder
			tries := 0
			for tries = 1; tries <= maxTries; tries++ {
				rec = send(attacker, tc.method, tc.path, tc.bad)
				if rec.Code == http.StatusTooManyRequests {
					break
				}
				if rec.Code != http.StatusUnauthorized {
					t.Fatalf("failure %d: %d, want 401", tries, rec.Code)
				}
			}
			if rec.Code != http.StatusTooManyRequests {
				t.Fatalf("%d failures from one address, still %d; want 429", maxTries, rec.Code)
			}
			wait, err := strconv.Atoi(rec.Header().Get("Retry-After"))
			if err != nil || wait < 1 {
				t.Fatalf("Retry-After %q, want whole seconds", rec.Header().Get("Retry-After"))
			}
			t.Logf("429 after %d failures, Retry-After %ds", tries, wait)
			if tc.good != "" {
				if rec := send(attacker, tc.method, tc.path, tc.good); rec.Code != http.StatusTooManyRequests {
					t.Errorf("good credential from the limited address: %d, want 429", rec.Code)
				}
				if rec := send(neighbour, tc.method, tc.path, tc.good); rec.Code/100 != 2 && rec.Code != http.StatusSeeOther {
					t.Errorf("good credential from another address: %d, want it served", rec.Code)
				}
			}
			if rec := send(neighbour, tc.method, tc.path, tc.bad); rec.Code != http.StatusUnauthorized {
				t.Errorf("bad credential from another address: %d, want 401", rec.Code)
			}
			if rec := send(attacker, http.MethodGet, "/status/acme", ""); rec.Code != http.StatusUnauthorized || !strings.Contains(rec.Body.String(), `name="token"`) {
				t.Errorf("no credential from the limited address: %d, want the sign-in page", rec.Code)
			}
			now = now.Add(time.Duration(wait) * time.Second)
			if rec := send(attacker, tc.method, tc.path, tc.bad); rec.Code != http.StatusUnauthorized {
				t.Errorf("after Retry-After: %d, want 401 (another try)", rec.Code)
			}
		})
	}
}

// TestIPv6ClientsAreLimitedByPrefix checks that the addresses of one /64,
// which one client usually holds, share a failure budget.
func TestIPv6ClientsAreLimitedByPrefix(t *testing.T) {
	s := tenantServer(t)
	limited := false
	for i := range maxTries {
		req := httptest.NewRequest(http.MethodGet, "/status/acme/api/v2/status.json", nil)
		req.Header.Set("Authorization", "Bearer slt_00000000_bogus")
		req.RemoteAddr = fmt.Sprintf("[2001:db8:1:2::%x]:40000", i+1)
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		if rec.Code == http.StatusTooManyRequests {
			limited = true
			break
		}
	}
	if !limited {
		t.Errorf("%d failures from one /64, each from another address: never 429", maxTries)
	}
}

// TestEachLinkHasItsOwnBucket spends one signed link's request budget and
// checks that another link of the same tenant is still served: one holder
// cannot lock out the others.
func TestEachLinkHasItsOwnBucket(t *testing.T) {
	s := tenantServer(t)
	s.RateLimit, s.RateBurst = 1, 2
	get := func(q string) int {
		return tenantGet(s, "/status/acme/api/v2/status.json?"+q, "").Code
	}
	a := SignTenantLink(testLinkKey, "acme", fixedNow().Add(time.Hour))
	b := SignTenantLink(testLinkKey, "acme", fixedNow().Add(2*time.Hour))
	for i := range 2 {
		if code := get(a); code != http.StatusOK {
			t.Fatalf("link a, request %d within the burst: %d", i+1, code)
		}
	}
	if code := get(a); code != http.StatusTooManyRequests {
		t.Fatalf("link a over its burst: %d, want 429", code)
	}
	if code := get(b); code != http.StatusOK {
		t.Errorf("link b after link a spent its budget: %d, want 200", code)
	}
}

// TestLimiterTableIsBounded makes a bucket for far more keys than the
// table keeps and checks that it stays within its bound, evicting the
// least recently used, so a flood of new addresses or links cannot grow
// memory without end.
func TestLimiterTableIsBounded(t *testing.T) {
	const bound = 10000 // the documented size of each table
	var l limiter
	now := fixedNow()
	for i := range 5 * bound {
		l.allow(strconv.Itoa(i), rate.Limit(1), 1, now)
	}
	if n := len(l.buckets); n > bound {
		t.Errorf("table holds %d buckets after %d keys, want at most %d", n, 5*bound, bound)
	}
	// The most recent key kept its bucket: it is still empty.
	if ok, _ := l.allow(strconv.Itoa(5*bound-1), rate.Limit(1), 1, now); ok {
		t.Errorf("the newest key's bucket was evicted")
	}
}

// TestForwardedForOnlyFromTrustedProxies checks that a client cannot pick
// its address with X-Forwarded-For unless it is a proxy slate was told to
// trust, and that behind a trusted proxy each client has its own budget.
func TestForwardedForOnlyFromTrustedProxies(t *testing.T) {
	fail := func(s *Server, remote, forwarded, token string) int {
		req := httptest.NewRequest(http.MethodGet, "/status/acme/api/v2/status.json", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("X-Forwarded-For", forwarded)
		req.RemoteAddr = remote
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		return rec.Code
	}
	t.Run("untrusted", func(t *testing.T) {
		s := tenantServer(t)
		for i := range maxTries {
			if code := fail(s, "192.0.2.1:4000", fmt.Sprintf("203.0.113.%d", i), "bogus"); code == http.StatusTooManyRequests {
				return
			}
		}
		t.Errorf("a client changing X-Forwarded-For on every try was never limited")
	})
	t.Run("trusted proxy", func(t *testing.T) {
		s := tenantServer(t)
		if err := s.TrustProxies([]string{"10.0.0.0/8"}); err != nil {
			t.Fatal(err)
		}
		limited := false
		for range maxTries {
			if fail(s, "10.1.1.1:4000", "203.0.113.7", "bogus") == http.StatusTooManyRequests {
				limited = true
				break
			}
		}
		if !limited {
			t.Fatal("a client behind the proxy was never limited")
		}
		if code := fail(s, "10.1.1.1:4000", "203.0.113.8", "viewer-tok"); code != http.StatusOK {
			t.Errorf("another client behind the same proxy: %d, want 200", code)
		}
	})
}
