package monitor

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// clientFrom is an HTTP client whose connections leave from ip, a
// loopback address of its own, so the server sees another client.
func clientFrom(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	return &http.Client{
		Transport:     &http.Transport{DialContext: d.DialContext},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// TestFailedAuthLimitedPerClient guesses tokens over real connections from
// one loopback address until slate answers 429 with Retry-After, and
// checks that a client at another address still gets in with its token.
func TestFailedAuthLimitedPerClient(t *testing.T) {
	f := newIsolationFixture(t, func(a *testMonitor) { a.web.AuthFailures = 0 }) // the default budget
	get := func(c *http.Client, token string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, f.base+"/status/acme/api/v2/status.json", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	guesser, customer := clientFrom("127.0.0.2"), clientFrom("127.0.0.3")
	var resp *http.Response
	for i := range 100 {
		resp = get(guesser, fmt.Sprintf("slt_%08x_guessguessguessguessguessguess", i))
		if resp.StatusCode != http.StatusUnauthorized {
			break
		}
	}
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("100 guesses from 127.0.0.2: last answer %d, Retry-After %q; want 429 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if resp := get(customer, f.creds["viewer-acme"].bearer); resp.StatusCode != http.StatusOK {
		t.Errorf("acme's viewer from 127.0.0.3: %d, want 200", resp.StatusCode)
	}
}

// TestAdminAPIRefusesAmbiguousJSON posts maintenance windows whose JSON
// could be read two ways and checks that each is refused naming the field,
// and that nothing is stored.
func TestAdminAPIRefusesAmbiguousJSON(t *testing.T) {
	f := newIsolationFixture(t)
	oncall := f.creds["oncall"].bearer
	start, end := time.Now().Add(time.Hour).UTC().Format(time.RFC3339), time.Now().Add(2*time.Hour).UTC().Format(time.RFC3339)
	for _, tc := range []struct{ name, body, field string }{
		{"field in another case", fmt.Sprintf(`{"services":["web"],"Title":"Disk swap","start":%q,"end":%q}`, start, end), "Title"},
		{"field twice", fmt.Sprintf(`{"services":["web"],"title":"Disk swap","start":%q,"end":%q,"end":"9999-01-01T00:00:00Z"}`, start, end), "end"},
		{"not UTF-8", fmt.Sprintf("{\"services\":[\"web\"],\"title\":\"Disk \xffswap\",\"start\":%q,\"end\":%q}", start, end), "title"},
	} {
		code, body := f.api(t, oncall, "POST", "/api/admin/maintenance", tc.body)
		if code != http.StatusBadRequest || fieldOf(body) != tc.field {
			t.Errorf("%s: %d %v, want 400 naming %s", tc.name, code, body, tc.field)
		}
	}
	if ms, err := f.app.db.ListMaintenance(context.Background()); err != nil || len(ms) != 0 {
		t.Errorf("stored maintenance: %+v, %v; want none", ms, err)
	}
}

// TestSignInFormTakesOnlyTheTenantsViewers checks that the sign-in form of
// a tenant page takes a viewer token of that tenant alone: a staff token
// is refused there (staff send it as a bearer token), and a session cookie
// holding one opens nothing.
func TestSignInFormTakesOnlyTheTenantsViewers(t *testing.T) {
	f := newIsolationFixture(t)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, role := range []string{"admin", "account_manager", "oncall"} {
		resp, err := client.PostForm(f.base+"/status/acme/login", url.Values{"token": {f.creds[role].bearer}})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden || len(resp.Cookies()) != 0 || strings.Contains(string(b), "Acmedb") {
			t.Errorf("%s token at the sign-in form: %d, cookies %v; want 403 and no session", role, resp.StatusCode, resp.Cookies())
		}
		req, _ := http.NewRequest(http.MethodGet, f.base+"/status/acme", nil)
		req.AddCookie(&http.Cookie{Name: "slate_session", Value: f.creds[role].bearer})
		if resp, err = client.Do(req); err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Errorf("%s token in a session cookie opened the tenant page", role)
		}
		if code, _, _ := f.do(t, f.creds[role], "/status/acme"); code != http.StatusOK {
			t.Errorf("%s token as a bearer token: %d, want 200", role, code)
		}
	}
	resp, err := client.PostForm(f.base+"/status/acme/login", url.Values{"token": {f.creds["viewer-acme"].bearer}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("acme's viewer at the sign-in form: %d, want 303", resp.StatusCode)
	}
}
