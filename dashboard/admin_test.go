package dashboard

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/slatehq/slate/access"
)

// tokenTable is an Authenticator over a fixed set of tokens, standing in
// for the store-backed one that cmd/slate wires (and tests end to end).
type tokenTable map[string]Principal

func (tt tokenTable) Authenticate(_ context.Context, tok string) (Principal, error) {
	if p, ok := tt[tok]; ok {
		return p, nil
	}
	return Principal{}, ErrUnauthenticated
}

var testTokens = tokenTable{
	"admin-tok":  {Prefix: "slt_aaaaaaaa", Role: access.Admin},
	"oncall-tok": {Prefix: "slt_bbbbbbbb", Role: access.Oncall},
	"viewer-tok": {Prefix: "slt_cccccccc", Role: access.Viewer, Tenant: "acme"},
	"globex-tok": {Prefix: "slt_dddddddd", Role: access.Viewer, Tenant: "globex"},
}

type echoBody struct {
	Name  string   `json:"name"`
	Count int      `json:"count"`
	Tags  []string `json:"tags"`
}

func adminTestServer(t *testing.T, clock func() time.Time) *Server {
	t.Helper()
	s := NewServer(prometheus.NewRegistry())
	s.Auth = testTokens
	s.Now = clock
	s.AdminBodyLimit = 256
	s.HandleAdmin(http.MethodPost, "/echo", []string{access.Oncall}, func(r *AdminRequest) (int, any, error) {
		var b echoBody
		if err := r.Decode(&b); err != nil {
			return 0, nil, err
		}
		if b.Name == "" {
			return 0, nil, Invalid("name", "is required")
		}
		return http.StatusCreated, map[string]any{"echo": b, "actor": r.Principal.Actor()}, nil
	})
	s.HandleAdmin(http.MethodGet, "/boom", nil, func(*AdminRequest) (int, any, error) {
		return 0, nil, errors.New("disk on fire at /var/secret")
	})
	return s
}

type apiErrBody struct {
	Error struct {
		Code    string  `json:"code"`
		Message string  `json:"message"`
		Field   *string `json:"field"`
	} `json:"error"`
}

func TestAdminFrame(t *testing.T) {
	tests := []struct {
		name      string
		method    string
		path      string
		token     string
		ctype     string
		body      string
		wantCode  int
		wantError string // error code; "" for success
		wantField string
	}{
		{"no token", "POST", "/api/admin/echo", "", "application/json", `{"name":"x"}`, 401, "unauthenticated", ""},
		{"unknown token", "POST", "/api/admin/echo", "nope", "application/json", `{"name":"x"}`, 401, "unauthenticated", ""},
		{"viewer may not write", "POST", "/api/admin/echo", "viewer-tok", "application/json", `{"name":"x"}`, 403, "forbidden", ""},
		{"admin bypasses the role list", "GET", "/api/admin/boom", "admin-tok", "", "", 500, "internal", ""},
		{"oncall writes", "POST", "/api/admin/echo", "oncall-tok", "application/json", `{"name":"x","count":2}`, 201, "", ""},
		{"content type", "POST", "/api/admin/echo", "oncall-tok", "text/plain", `{"name":"x"}`, 415, "unsupported_media_type", ""},
		{"empty body", "POST", "/api/admin/echo", "oncall-tok", "application/json", ``, 400, "invalid_json", ""},
		{"syntax", "POST", "/api/admin/echo", "oncall-tok", "application/json", `{"name":`, 400, "invalid_json", ""},
		{"unknown field", "POST", "/api/admin/echo", "oncall-tok", "application/json", `{"name":"x","colour":1}`, 400, "invalid", "colour"},
		{"wrong type", "POST", "/api/admin/echo", "oncall-tok", "application/json", `{"name":"x","count":"two"}`, 400, "invalid", "count"},
		{"wrong element type", "POST", "/api/admin/echo", "oncall-tok", "application/json", `{"name":"x","tags":[1]}`, 400, "invalid", "tags"},
		{"not an object", "POST", "/api/admin/echo", "oncall-tok", "application/json", `[1,2]`, 400, "invalid_json", ""},
		{"trailing data", "POST", "/api/admin/echo", "oncall-tok", "application/json", `{"name":"x"} {}`, 400, "invalid_json", ""},
		{"handler validation", "POST", "/api/admin/echo", "oncall-tok", "application/json", `{"count":1}`, 400, "invalid", "name"},
		{"too large", "POST", "/api/admin/echo", "oncall-tok", "application/json", `{"name":"` + strings.Repeat("x", 300) + `"}`, 413, "too_large", ""},
		{"unknown endpoint", "GET", "/api/admin/nothing", "admin-tok", "", "", 404, "not_found", ""},
	}
	s := adminTestServer(t, time.Now)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body))
			if tc.token != "" {
				req.Header.Set("Authorization", "Bearer "+tc.token)
			}
			if tc.ctype != "" {
				req.Header.Set("Content-Type", tc.ctype)
			}
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, req)
			if rec.Code != tc.wantCode {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.wantCode, rec.Body)
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type %q, want JSON", ct)
			}
			if tc.wantError == "" {
				var ok struct {
					Actor string `json:"actor"`
				}
				if err := json.Unmarshal(rec.Body.Bytes(), &ok); err != nil || ok.Actor != "token:slt_bbbbbbbb" {
					t.Errorf("body %s: actor %q, %v", rec.Body, ok.Actor, err)
				}
				return
			}
			var e apiErrBody
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil {
				t.Fatalf("error body is not JSON: %s", rec.Body)
			}
			if e.Error.Code != tc.wantError || e.Error.Message == "" {
				t.Errorf("error %+v, want code %s with a message", e.Error, tc.wantError)
			}
			switch {
			case tc.wantField == "" && e.Error.Field != nil:
				t.Errorf("field %q, want null", *e.Error.Field)
			case tc.wantField != "" && (e.Error.Field == nil || *e.Error.Field != tc.wantField):
				t.Errorf("field %v, want %q", e.Error.Field, tc.wantField)
			}
			if strings.Contains(rec.Body.String(), "secret") {
				t.Errorf("internal error text leaked: %s", rec.Body)
			}
		})
	}
}

// TestAdminRateLimit spends one token's burst and checks that the next
// request gets 429 with Retry-After, that another token is unaffected,
// and that the bucket refills with time.
func TestAdminRateLimit(t *testing.T) {
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	s := adminTestServer(t, func() time.Time { return now })
	s.RateLimit, s.RateBurst = 2, 3
	call := func(tok string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/api/admin/echo", strings.NewReader(`{"name":"x"}`))
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		return rec
	}
	for i := range 3 {
		if rec := call("oncall-tok"); rec.Code != http.StatusCreated {
			t.Fatalf("request %d within the burst: %d", i+1, rec.Code)
		}
	}
	rec := call("oncall-tok")
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" {
		t.Fatalf("over the burst: %d, Retry-After %q; want 429 with Retry-After", rec.Code, rec.Header().Get("Retry-After"))
	}
	var e apiErrBody
	if json.Unmarshal(rec.Body.Bytes(), &e) != nil || e.Error.Code != "rate_limited" {
		t.Errorf("429 body %s", rec.Body)
	}
	if rec := call("admin-tok"); rec.Code == http.StatusTooManyRequests {
		t.Errorf("another token was limited by oncall's requests")
	}
	now = now.Add(time.Second) // two more requests' worth
	if rec := call("oncall-tok"); rec.Code != http.StatusCreated {
		t.Errorf("after refilling: %d", rec.Code)
	}
}

func TestDecodeStrictNamesFields(t *testing.T) {
	var v echoBody
	err := decodeStrict([]byte(`{"name": 5}`), &v)
	var ae *APIError
	if !errors.As(err, &ae) || ae.Field != "name" || ae.Code != "invalid" {
		t.Fatalf("got %v, want an invalid error on field name", err)
	}
}

// FuzzDecodeStrict checks that any body either decodes or is refused with
// a 4xx APIError, never a panic or an internal error.
func FuzzDecodeStrict(f *testing.F) {
	for _, s := range []string{`{"name":"x","count":1,"tags":["a"]}`, `{`, `[]`, `{"x":1}`, `{"count":1e400}`, `null`, `{"name":"\ud800"}`, ` {} `} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var v echoBody
		err := decodeStrict(raw, &v)
		if err == nil {
			return
		}
		var ae *APIError
		if !errors.As(err, &ae) || ae.Status < 400 || ae.Status >= 500 || ae.Message == "" {
			t.Fatalf("decode %q: %v is not a client error with a message", raw, err)
		}
	})
}

type brokenAuth struct{}

func (brokenAuth) Authenticate(context.Context, string) (Principal, error) {
	return Principal{}, errors.New("database is locked")
}

// TestAuthFailureIsNotABadToken checks that when tokens cannot be checked
// (the store failing) clients get 503, not a 401 that tells them to drop
// a token that may be good.
func TestAuthFailureIsNotABadToken(t *testing.T) {
	s := adminTestServer(t, time.Now)
	s.Auth = brokenAuth{}
	req := httptest.NewRequest(http.MethodGet, "/api/admin/boom", nil)
	req.Header.Set("Authorization", "Bearer admin-tok")
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("WWW-Authenticate") != "" {
		t.Errorf("admin API: %d, WWW-Authenticate %q; want 503 without a token challenge", rec.Code, rec.Header().Get("WWW-Authenticate"))
	}
	if strings.Contains(rec.Body.String(), "locked") {
		t.Errorf("the store's error reached the client: %s", rec.Body)
	}
}
