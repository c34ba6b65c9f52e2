package main

import (
	"fmt"
	"net"
	"net/http"
	"testing"
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
	f := newIsolationFixture(t, func(a *app) { a.web.AuthFailures = 0 }) // the default budget
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
