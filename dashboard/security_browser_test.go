package dashboard

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/slatehq/slate/internal/browsertest"
)

// securityFixturePostmortem is a published post-mortem as the incident
// package's renderer writes one: headings, a list, a table, a link.
const securityFixturePostmortem = `<h2>Summary</h2>
<p>The primary database lost its disks; the replica took over after 38 minutes.</p>
<ul><li>10:00 disks failed</li><li>10:38 replica promoted</li></ul>
<table><thead><tr><th align="left">Service</th><th align="right">Minutes</th></tr></thead>
<tbody><tr><td align="left">API</td><td align="right">38</td></tr></tbody></table>
<p>See <a href="https://example.com/rfo" rel="nofollow noopener">the reason for outage</a>.</p>`

// TestBrowserPagesKeepTheirPolicy opens every kind of HTML page in
// headless Chromium — the public page, incident pages with and without a
// post-mortem, a missing incident, a tenant's sign-in form (refused and
// accepted), the tenant page and its incident, a signed link, and the
// Atom feeds the pages link to — and checks that each carries the
// security headers and that the browser reports nothing: no console
// error, no Content-Security-Policy violation, the stylesheet applied.
func TestBrowserPagesKeepTheirPolicy(t *testing.T) {
	s := NewServer(prometheus.NewRegistry())
	in := browserInput()
	in.Incidents[0].Postmortem = securityFixturePostmortem
	s.SetSnapshot(BuildSnapshot(in, fixedNow()))
	s.Auth = testTokens
	s.LinkKey = tenantServer(t).LinkKey
	s.Now = fixedNow
	s.SetTenants([]*TenantView{tenantFixture()})
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)

	ctx := browsertest.New(t)
	problems := browsertest.Problems(t, ctx)
	check := func(what string, resp *network.Response, want int, html bool) {
		t.Helper()
		if resp == nil {
			t.Fatalf("%s: no response", what)
		}
		if int(resp.Status) != want {
			t.Errorf("%s: status %d, want %d", what, resp.Status, want)
		}
		hdr := map[string]string{}
		for k, v := range resp.Headers {
			hdr[strings.ToLower(k)] = fmt.Sprint(v)
		}
		for k, v := range map[string]string{"x-content-type-options": "nosniff", "referrer-policy": "same-origin"} {
			if hdr[k] != v {
				t.Errorf("%s: %s %q, want %q", what, k, hdr[k], v)
			}
		}
		if html {
			if got := hdr["content-security-policy"]; got != wantCSP {
				t.Errorf("%s: Content-Security-Policy %q, want %q", what, got, wantCSP)
			}
			// The stylesheet loaded and applies: the header row is laid
			// out by it, not by the browser's defaults.
			if n := browsertest.Eval[int](t, ctx, `document.styleSheets.length ? document.styleSheets[0].cssRules.length : 0`); n == 0 {
				t.Errorf("%s: the stylesheet did not load", what)
			}
		}
		for _, p := range problems() {
			// Chromium logs the page's own status when it is not a
			// success; the test checks that status above.
			if p.Source == "network" && p.URL == resp.URL && strings.Contains(p.Text, fmt.Sprintf("status of %d", want)) {
				continue
			}
			t.Errorf("%s: %s", what, p)
		}
	}
	visit := func(path string, want int) {
		t.Helper()
		resp, err := chromedp.RunResponse(ctx, chromedp.Navigate(ts.URL+path))
		if err != nil {
			t.Fatalf("open %s: %v", path, err)
		}
		check("GET "+path, resp, want, true)
	}
	follow := func(what, sel string, action func(string) chromedp.Action[chromedp.Void], want int, html bool) {
		t.Helper()
		resp, err := chromedp.RunResponse(ctx, action(sel))
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		check(what, resp, want, html)
	}
	click := func(sel string) chromedp.Action[chromedp.Void] { return chromedp.Click(chromedp.CSS(sel)) }
	submit := func(sel string) chromedp.Action[chromedp.Void] { return chromedp.Submit(chromedp.CSS(sel)) }

	visit("/", http.StatusOK)
	follow("the public feed link", `footer a[href="/feed.atom"]`, click, http.StatusOK, false)
	visit("/incidents/1000", http.StatusOK)
	if text := browsertest.Eval[string](t, ctx, `document.querySelector('.postmortem')?.innerText ?? ''`); !strings.Contains(text, "replica promoted") {
		t.Errorf("incident 1000 shows no post-mortem: %q", text)
	}
	visit("/incidents/1001", http.StatusOK)
	visit("/incidents/404", http.StatusNotFound)

	visit("/status/acme", http.StatusUnauthorized)
	browserDo(t, ctx, chromedp.SendKeys(chromedp.CSS("input#token"), "globex-tok"))
	follow("sign-in with another tenant's token", "input#token", submit, http.StatusForbidden, true)
	browserDo(t, ctx, chromedp.SendKeys(chromedp.CSS("input#token"), "viewer-tok"))
	follow("sign-in with the tenant's token", "input#token", submit, http.StatusOK, true)
	if h1 := browsertest.Eval[string](t, ctx, `document.querySelector('h1').textContent`); h1 != "Acme Corporation" {
		t.Fatalf("after sign-in: heading %q, want the tenant page", h1)
	}
	follow("the tenant feed link", `footer a[href="/status/acme/feed.atom"]`, click, http.StatusOK, false)
	visit("/status/acme/incidents/42", http.StatusOK)
	visit("/status/acme", http.StatusOK)
	follow("sign-out", `form[action="/status/acme/logout"] button`, click, http.StatusUnauthorized, true)
	visit("/status/acme?"+SignTenantLink(testLinkKey, "acme", fixedNow().Add(time.Hour)), http.StatusOK)
}
