package dashboard

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// tenantFixture is acme's page: the fixture snapshot's services as acme's,
// one contract with a current period and two closed ones, and a statement.
func tenantFixture() *TenantView {
	in := pagesInput()
	in.Page = Page{ID: "tenant-acme", Name: "Acme Corporation", URL: "https://status.example.com/status/acme", TimeZone: "Europe/Berlin"}
	return &TenantView{
		ID: "acme", Name: "Acme Corporation", TimeZone: "Europe/Berlin",
		Status: BuildSnapshot(in, fixedNow()),
		Contracts: []ContractView{{
			ID: "acme-gold", Services: []string{"API", "Database"}, Target: "99.9%", Period: "month",
			Current: PeriodView{Name: "2026-11", Uptime: "99.871%", Met: false, DowntimeMinutes: "37.0", BudgetLeft: "-8.2",
				BudgetPercent: "-28.5%", Coverage: "100.00%", Credit: "EUR 123.46",
				Locations: []LocationView{{Name: "Frankfurt", Region: "DE", Coverage: "100.00%"}, {Name: "Virginia", Coverage: "96.25%", Thin: true}},
				Burn:      []BurnView{{Window: "1h", Rate: "12.00"}, {Window: "6h", Rate: "2.00"}}},
			Past: []PeriodView{
				{Name: "2026-10", Uptime: "99.200%", Met: false, Credit: "EUR 123.46", CreditStatus: "issued"},
				{Name: "2026-09", Uptime: "100.000%", Met: true},
			},
		}},
		Credits: []CreditLine{{ID: 7, Contract: "acme-gold", Period: "2026-10", Kind: "credit", Amount: "EUR 123.46", Status: "issued",
			Uptime: "99.200%", At: time.Date(2026, 11, 1, 1, 0, 0, 0, time.UTC)}},
	}
}

// testLinkKey signs the tests' tenant links.
var testLinkKey = []byte("0123456789abcdef0123456789abcdef")

func tenantServer(t *testing.T) *Server {
	t.Helper()
	s := NewServer(prometheus.NewRegistry())
	s.Auth = testTokens
	s.LinkKey = func(context.Context) ([]byte, error) { return testLinkKey, nil }
	s.Now = fixedNow
	s.SetTenants([]*TenantView{tenantFixture()})
	return s
}

func tenantGet(s *Server, path, token string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	return rec
}

func TestTenantPageGolden(t *testing.T) {
	s := tenantServer(t)
	rec := tenantGet(s, "/status/acme", "viewer-tok")
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	checkGolden(t, "page_tenant.golden", rec.Body.Bytes())
	if cc := rec.Header().Get("Cache-Control"); !strings.Contains(cc, "private") {
		t.Errorf("Cache-Control %q: a private page must not be cached by proxies", cc)
	}
	login := tenantGet(s, "/status/acme", "")
	if login.Code != http.StatusUnauthorized {
		t.Fatalf("without token: %d", login.Code)
	}
	checkGolden(t, "page_login.golden", login.Body.Bytes())
}

func TestTenantPageLinksStayUnderTenant(t *testing.T) {
	s := tenantServer(t)
	body := tenantGet(s, "/status/acme", "viewer-tok").Body.String()
	if !strings.Contains(body, `href="/status/acme/incidents/`) || strings.Contains(body, `href="/incidents/`) {
		t.Errorf("incident links do not stay under /status/acme")
	}
	rec := tenantGet(s, "/status/acme/incidents/42", "viewer-tok")
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `href="/status/acme"`) {
		t.Errorf("tenant incident page: %d, or its way back leaves the tenant page", rec.Code)
	}
}

func TestTenantSignedLinks(t *testing.T) {
	s := tenantServer(t)
	tests := []struct {
		name   string
		tenant string
		exp    time.Time
		tamper func(string) string
		want   int
	}{
		{"valid", "acme", fixedNow().Add(time.Hour), nil, http.StatusSeeOther},
		{"expired", "acme", fixedNow().Add(-time.Second), nil, http.StatusUnauthorized},
		{"expiring now", "acme", fixedNow(), nil, http.StatusUnauthorized},
		{"signed for another tenant", "globex", fixedNow().Add(time.Hour), nil, http.StatusUnauthorized},
		{"expiry moved", "acme", fixedNow().Add(time.Hour), func(q string) string {
			return strings.Replace(q, "exp=", "exp=9", 1)
		}, http.StatusUnauthorized},
		{"signature cut", "acme", fixedNow().Add(time.Hour), func(q string) string { return q[:len(q)-2] }, http.StatusUnauthorized},
		{"at the longest life", "acme", fixedNow().Add(DefaultLinkMaxTTL), nil, http.StatusSeeOther},
		{"beyond the longest life", "acme", fixedNow().Add(DefaultLinkMaxTTL + time.Second), nil, http.StatusUnauthorized},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := SignTenantLink(testLinkKey, tc.tenant, tc.exp)
			if tc.tamper != nil {
				q = tc.tamper(q)
			}
			rec := tenantGet(s, "/status/acme?"+q, "")
			if rec.Code != tc.want {
				t.Fatalf("status %d, want %d", rec.Code, tc.want)
			}
			if tc.want != http.StatusSeeOther {
				return
			}
			if loc := rec.Header().Get("Location"); loc != "/status/acme" {
				t.Errorf("redirect to %q, want the page without the link", loc)
			}
			var cookie *http.Cookie
			for _, c := range rec.Result().Cookies() {
				if c.Name == linkCookie {
					cookie = c
				}
			}
			if cookie == nil || !cookie.HttpOnly || cookie.Path != "/status/acme" || cookie.SameSite != http.SameSiteLaxMode {
				t.Fatalf("link cookie %+v: want HttpOnly, SameSite=Lax, scoped to /status/acme", cookie)
			}
			req := httptest.NewRequest(http.MethodGet, "/status/acme", nil)
			req.AddCookie(cookie)
			rec = httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				t.Errorf("page with the link's cookie: %d", rec.Code)
			}
			// The API takes the link in the query too, for feed readers
			// and widgets that cannot send headers.
			if rec := tenantGet(s, "/status/acme/api/v2/status.json?"+q, ""); rec.Code != http.StatusOK {
				t.Errorf("API with link: %d", rec.Code)
			}
		})
	}
}

// TestLinkKeyIsReadAgain rotates the key behind a serving server: a link
// of the old key works until the key held is LinkKeyCacheTTL old, then
// only links of the new key do; a key that cannot be read is a 503, not a
// refused link.
func TestLinkKeyIsReadAgain(t *testing.T) {
	s := tenantServer(t)
	now := fixedNow()
	s.Now = func() time.Time { return now }
	oldKey, newKey := testLinkKey, []byte("fedcba9876543210fedcba9876543210")
	key := oldKey
	var failing error
	s.LinkKey = func(context.Context) ([]byte, error) { return key, failing }
	open := func(k []byte) int {
		return tenantGet(s, "/status/acme?"+SignTenantLink(k, "acme", now.Add(time.Hour)), "").Code
	}
	if code := open(oldKey); code != http.StatusSeeOther {
		t.Fatalf("link of the current key: %d", code)
	}
	key = newKey
	now = now.Add(LinkKeyCacheTTL - time.Second)
	if code := open(oldKey); code != http.StatusSeeOther {
		t.Errorf("old key within the cache time: %d, want 303", code)
	}
	now = now.Add(time.Second)
	if code := open(oldKey); code != http.StatusUnauthorized {
		t.Errorf("old key after the cache time: %d, want 401", code)
	}
	if code := open(newKey); code != http.StatusSeeOther {
		t.Errorf("new key: %d, want 303", code)
	}
	failing = errors.New("store closed")
	now = now.Add(LinkKeyCacheTTL)
	if code := open(newKey); code != http.StatusServiceUnavailable {
		t.Errorf("key unreadable: %d, want 503", code)
	}
}

func TestTenantAPIRefusalsAreJSON(t *testing.T) {
	s := tenantServer(t)
	for _, tc := range []struct {
		token string
		want  int
	}{{"", http.StatusUnauthorized}, {"bogus", http.StatusUnauthorized}, {"viewer-tok", http.StatusOK}, {"admin-tok", http.StatusOK}} {
		rec := tenantGet(s, "/status/acme/api/v2/summary.json", tc.token)
		if rec.Code != tc.want || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
			t.Errorf("token %q: %d %s, want %d JSON", tc.token, rec.Code, rec.Header().Get("Content-Type"), tc.want)
		}
		if rec.Header().Get("Access-Control-Allow-Origin") != "*" {
			t.Errorf("token %q: no CORS header", tc.token)
		}
	}
	// Staff see a 404 for a tenant that does not exist; a viewer of acme
	// is refused it like any other tenant, so it learns nothing.
	if rec := tenantGet(s, "/status/nope/api/v2/summary.json", "admin-tok"); rec.Code != http.StatusNotFound {
		t.Errorf("admin, unknown tenant: %d", rec.Code)
	}
	a, b := tenantGet(s, "/status/nope", "viewer-tok"), tenantGet(s, "/status/globex", "viewer-tok")
	// The pages differ only in the name the client itself asked for.
	if a.Code != http.StatusForbidden || b.Code != a.Code || strings.ReplaceAll(a.Body.String(), "nope", "globex") != b.Body.String() {
		t.Errorf("viewer of acme on unknown and other tenants: %d and %d, want the same 403", a.Code, b.Code)
	}
	req := httptest.NewRequest(http.MethodOptions, "/status/acme/api/v2/summary.json", nil)
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusNoContent || !strings.Contains(rec.Header().Get("Access-Control-Allow-Headers"), "Authorization") {
		t.Errorf("preflight: %d %v", rec.Code, rec.Header())
	}
}

// TestTenantStatuspageGolden pins every Statuspage v2 endpoint of a tenant
// page: the same shapes as the public API, with shortlinks under the
// tenant's page.
func TestTenantStatuspageGolden(t *testing.T) {
	s := tenantServer(t)
	for _, path := range statuspagePaths() {
		rec := tenantGet(s, "/status/acme/api/v2"+path, "viewer-tok")
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: %d", path, rec.Code)
		}
		name := "tenant_statuspage" + strings.NewReplacer("/", "_", ".json", "").Replace(path) + ".golden"
		checkGolden(t, name, rec.Body.Bytes())
	}
}

// FuzzVerifyLink checks that no query but the one SignTenantLink made for
// the tenant, before its expiry, opens a tenant page.
func FuzzVerifyLink(f *testing.F) {
	key := []byte("0123456789abcdef0123456789abcdef")
	now := fixedNow()
	good := SignTenantLink(key, "acme", now.Add(time.Hour))
	f.Add("acme", good)
	f.Add("globex", good)
	f.Add("acme", "exp=99999999999&sig=")
	f.Add("acme", "exp=-1&sig=AAAA")
	f.Fuzz(func(t *testing.T, tenant, query string) {
		q, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		ok := verifyLink(key, tenant, q.Get("exp"), q.Get("sig"), now, DefaultLinkMaxTTL)
		if !ok {
			return
		}
		exp, err := strconv.ParseInt(q.Get("exp"), 10, 64)
		if err != nil || exp <= now.Unix() || exp > now.Add(DefaultLinkMaxTTL).Unix() || q.Get("sig") != linkSig(key, tenant, q.Get("exp")) {
			t.Fatalf("link %q for %q verified", query, tenant)
		}
	})
}

// TestTenantUnchangedKeepsRenderedPage checks that setting the same view
// again keeps the rendered page, and that a changed figure renders anew.
func TestTenantUnchangedKeepsRenderedPage(t *testing.T) {
	s := tenantServer(t)
	tenantGet(s, "/status/acme", "viewer-tok")
	before := s.tenantState("acme")
	s.SetTenants([]*TenantView{tenantFixture()})
	if s.tenantState("acme") != before {
		t.Error("an identical view replaced the rendered page")
	}
	v := tenantFixture()
	v.Contracts[0].Current.Uptime = "99.870%"
	s.SetTenants([]*TenantView{v})
	if s.tenantState("acme") == before || !strings.Contains(tenantGet(s, "/status/acme", "viewer-tok").Body.String(), "99.870%") {
		t.Error("a changed figure was not shown")
	}
}
