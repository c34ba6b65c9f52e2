package dashboard

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// wantCSP is the Content-Security-Policy of every HTML page: nothing but
// the page's own stylesheet and images, forms posting to slate itself, no
// framing, no <base> rewriting the links.
const wantCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// TestSecurityHeaders checks every kind of answer: HTML pages carry the
// Content-Security-Policy, and every answer, HTML or not, forbids MIME
// sniffing and sends the Referer only to slate itself.
func TestSecurityHeaders(t *testing.T) {
	s := tenantServer(t)
	s.SetSnapshot(BuildSnapshot(fixtureInput(), fixedNow()))
	notReady := NewServer(prometheus.NewRegistry())
	login := func() *http.Request {
		r := httptest.NewRequest(http.MethodPost, "/status/acme/login", strings.NewReader(url.Values{"token": {"bogus"}}.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return r
	}
	get := func(path, token string) *http.Request {
		r := httptest.NewRequest(http.MethodGet, path, nil)
		if token != "" {
			r.Header.Set("Authorization", "Bearer "+token)
		}
		return r
	}
	tests := []struct {
		name string
		srv  *Server
		req  *http.Request
		html bool
	}{
		{"public page", s, get("/", ""), true},
		{"incident page", s, get("/incidents/1000", ""), true},
		{"missing incident", s, get("/incidents/nope", ""), true},
		{"page not built yet", notReady, get("/", ""), true},
		{"tenant page", s, get("/status/acme", "viewer-tok"), true},
		{"tenant incident", s, get("/status/acme/incidents/42", "viewer-tok"), true},
		{"sign-in form", s, get("/status/acme", ""), true},
		{"refused sign-in", s, login(), true},
		{"Statuspage API", s, get("/api/v2/summary.json", ""), false},
		{"tenant API", s, get("/status/acme/api/v2/summary.json", "viewer-tok"), false},
		{"feed", s, get("/feed.atom", ""), false},
		{"stylesheet", s, get("/static/style.css", ""), false},
		{"admin API", s, get("/api/admin/whoami", ""), false},
		{"health", s, get("/healthz", ""), false},
		{"icon", s, get("/favicon.ico", ""), false},
		{"unknown path", s, get("/nope", ""), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			tc.srv.Handler().ServeHTTP(rec, tc.req)
			h := rec.Header()
			if isHTML := strings.HasPrefix(h.Get("Content-Type"), "text/html"); isHTML != tc.html {
				t.Fatalf("Content-Type %q (status %d), want HTML %v", h.Get("Content-Type"), rec.Code, tc.html)
			}
			if tc.name == "icon" && (rec.Code != http.StatusOK || h.Get("Content-Type") != "image/svg+xml") {
				t.Errorf("icon: %d %q, want 200 image/svg+xml", rec.Code, h.Get("Content-Type"))
			}
			if got := h.Get("Content-Security-Policy"); tc.html && got != wantCSP {
				t.Errorf("Content-Security-Policy %q, want %q", got, wantCSP)
			}
			if got := h.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options %q, want nosniff", got)
			}
			if got := h.Get("Referrer-Policy"); got != "same-origin" {
				t.Errorf("Referrer-Policy %q, want same-origin", got)
			}
		})
	}
}
