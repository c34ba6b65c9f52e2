package dashboard

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.ReleaseMode)
	os.Exit(m.Run())
}

func serve(s *Server, method, path string) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, httptest.NewRequest(method, path, nil))
	return w
}

func TestHealthReadinessAndMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "slate_test_total", Help: "A test counter."})
	reg.MustRegister(c)
	c.Add(3)
	s := NewServer(reg)
	var notReady error
	s.Ready = func(context.Context) error { return notReady }

	cases := []struct {
		name, method, path string
		setup              func()
		code               int
		body               string
	}{
		{"healthz", "GET", "/healthz", nil, 200, "ok"},
		{"healthz head", "HEAD", "/healthz", nil, 200, ""},
		{"ready", "GET", "/readyz", nil, 200, "ready"},
		{"not ready", "GET", "/readyz", func() { notReady = errors.New("store writes failing") }, 503, "not ready: store writes failing"},
		{"metrics need a token on the public port", "GET", "/metrics", nil, 401, "metrics role"},
		{"push without a receiver", "GET", "/push/abc", nil, 404, ""},
		{"unknown route", "GET", "/nope", nil, 404, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.setup != nil {
				tc.setup()
			}
			w := serve(s, tc.method, tc.path)
			if w.Code != tc.code || !strings.Contains(w.Body.String(), tc.body) {
				t.Errorf("got %d %q, want %d containing %q", w.Code, w.Body.String(), tc.code, tc.body)
			}
		})
	}
}

// TestMetricsListenerServesTheRegistry: the metrics listener's handler
// serves the injected registry at /metrics without a credential, and
// nothing else.
func TestMetricsListenerServesTheRegistry(t *testing.T) {
	reg := prometheus.NewRegistry()
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "slate_test_total", Help: "A test counter."})
	reg.MustRegister(c)
	c.Add(3)
	h := NewServer(reg).MetricsHandler()
	for _, tc := range []struct {
		path string
		code int
		body string
	}{{"/metrics", 200, "slate_test_total 3"}, {"/", 404, ""}, {"/healthz", 404, ""}} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", tc.path, nil))
		if w.Code != tc.code || !strings.Contains(w.Body.String(), tc.body) {
			t.Errorf("GET %s: %d %q, want %d containing %q", tc.path, w.Code, w.Body.String(), tc.code, tc.body)
		}
	}
}

func TestPushIsForwarded(t *testing.T) {
	s := NewServer(prometheus.NewRegistry())
	var got []string
	s.Push = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Method+" "+r.URL.Path)
		w.WriteHeader(http.StatusNoContent)
	})
	for _, m := range []string{"GET", "POST"} {
		if w := serve(s, m, "/push/token-1234567890abcdef"); w.Code != http.StatusNoContent {
			t.Errorf("%s: got %d, want 204", m, w.Code)
		}
	}
	if len(got) != 2 || got[1] != "POST /push/token-1234567890abcdef" {
		t.Errorf("forwarded %v", got)
	}
}
