package dashboard

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// TestPushIsRateLimitedPerToken sends heartbeats for one token faster
// than the limit allows and checks that the extra ones get 429 with
// Retry-After without reaching the receiver, and that another token is
// unaffected.
func TestPushIsRateLimitedPerToken(t *testing.T) {
	s := NewServer(prometheus.NewRegistry())
	s.Now = fixedNow
	calls := map[string]int{}
	s.Push = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls[r.URL.Path]++
		w.WriteHeader(http.StatusOK)
	})
	limited, retry := 0, ""
	for range 50 {
		w := serve(s, http.MethodPost, "/push/aaaaaaaaaaaaaaaa")
		if w.Code == http.StatusTooManyRequests {
			limited++
			retry = w.Header().Get("Retry-After")
		}
	}
	if limited == 0 || calls["/push/aaaaaaaaaaaaaaaa"]+limited != 50 {
		t.Errorf("50 heartbeats at once: %d refused, %d received; want some refused and the rest received", limited, calls["/push/aaaaaaaaaaaaaaaa"])
	}
	if secs, err := strconv.Atoi(retry); limited > 0 && (err != nil || secs < 1) {
		t.Errorf("Retry-After %q, want whole seconds", retry)
	}
	if w := serve(s, http.MethodPost, "/push/bbbbbbbbbbbbbbbb"); w.Code != http.StatusOK {
		t.Errorf("another token: %d, want 200", w.Code)
	}
}

// TestPushMethods checks the methods /push/{token} takes: POST, and GET
// for callers that can only fetch a URL (cron with curl or wget); HEAD,
// which link checkers and previews send, is not a heartbeat.
func TestPushMethods(t *testing.T) {
	s := NewServer(prometheus.NewRegistry())
	s.Push = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })
	for _, tc := range []struct {
		method string
		want   int
	}{
		{http.MethodPost, http.StatusOK},
		{http.MethodGet, http.StatusOK},
		{http.MethodHead, http.StatusMethodNotAllowed},
		{http.MethodPut, http.StatusMethodNotAllowed},
	} {
		w := serve(s, tc.method, "/push/cccccccccccccccc")
		if w.Code != tc.want {
			t.Errorf("%s: %d, want %d", tc.method, w.Code, tc.want)
		}
		if tc.want == http.StatusMethodNotAllowed && !strings.Contains(w.Header().Get("Allow"), "POST") {
			t.Errorf("%s: Allow %q, want it to name POST", tc.method, w.Header().Get("Allow"))
		}
	}
}

// TestUnknownPushTokensAreFailures guesses push tokens from one address
// until it is refused.
func TestUnknownPushTokensAreFailures(t *testing.T) {
	s := NewServer(prometheus.NewRegistry())
	s.Push = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "unknown token", http.StatusNotFound) })
	for i := range maxTries {
		req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("/push/guess%011d", i), nil)
		req.RemoteAddr = "192.0.2.9:4000"
		w := httptest.NewRecorder()
		s.Handler().ServeHTTP(w, req)
		if w.Code == http.StatusTooManyRequests {
			return
		}
	}
	t.Errorf("%d unknown push tokens from one address, never 429", maxTries)
}
