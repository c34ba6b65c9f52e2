package dashboard

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/slatehq/slate/sla"
)

func TestWindowUptime(t *testing.T) {
	for _, tc := range []struct {
		name string
		days []DayBar
		want uptimeFigure
	}{
		{"all up", []DayBar{{KnownMinutes: 1440}, {KnownMinutes: 1440}}, uptimeFigure{true, "100.00", 2}},
		// (2880 − 60 − 0.3·100) / 2880 = 2790/2880 = 96.875%: rounded down.
		{"major and partial", []DayBar{{KnownMinutes: 1440, MajorMinutes: 60, PartialMinutes: 100}, {KnownMinutes: 1440}}, uptimeFigure{true, "96.87", 2}},
		// One minute down in 90 days is 99.9992…%: never 100.00.
		{"one minute never rounds to 100", append(make([]DayBar, 89, 90), DayBar{KnownMinutes: 1440, MajorMinutes: 1}), uptimeFigure{true, "99.93", 90}},
		{"days without data are left out", []DayBar{{KnownMinutes: 0}, {KnownMinutes: 720, MajorMinutes: 72}}, uptimeFigure{true, "90.00", 2}},
		{"no data", []DayBar{{}, {}}, uptimeFigure{false, "", 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := windowUptime(tc.days); got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestBadges(t *testing.T) {
	s := NewServer(prometheus.NewRegistry())
	get := func(path, etag string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		if etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		return rec
	}
	if rec := get("/badge/api/status.svg", ""); rec.Code != http.StatusServiceUnavailable {
		t.Errorf("before a snapshot: %d, want 503", rec.Code)
	}
	s.SetSnapshot(BuildSnapshot(browserInput(), fixedNow()))
	for _, tc := range []struct {
		name, path string
		code       int
		want       string
	}{
		{"status", "/badge/db/status.svg", http.StatusOK, `aria-label="status: major outage"`},
		{"status operational", "/badge/api/status.svg", http.StatusOK, `aria-label="status: operational"`},
		{"uptime default window", "/badge/api/uptime.svg", http.StatusOK, `aria-label="uptime 30d: `},
		{"uptime 7d", "/badge/api/uptime.svg?window=7d", http.StatusOK, `aria-label="uptime 7d: `},
		{"uptime no data", "/badge/dns/uptime.svg?window=3d", http.StatusOK, `aria-label="uptime 3d: no data"`},
		{"bad window", "/badge/api/uptime.svg?window=91d", http.StatusBadRequest, `window: must be 1d to 90d (got "91d")`},
		{"bad window unit", "/badge/api/uptime.svg?window=1w", http.StatusBadRequest, `window: must be 1d to 90d`},
		{"unknown service", "/badge/nope/status.svg", http.StatusNotFound, errNoBadge},
		{"a group is no service", "/badge/group-core/status.svg", http.StatusNotFound, errNoBadge},
		{"unknown kind", "/badge/api/latency.svg", http.StatusNotFound, errNoBadge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := get(tc.path, "")
			if rec.Code != tc.code || !strings.Contains(rec.Body.String(), tc.want) {
				t.Fatalf("got %d %q, want %d with %q", rec.Code, rec.Body.String(), tc.code, tc.want)
			}
			if tc.code != http.StatusOK {
				return
			}
			if ct := rec.Header().Get("Content-Type"); ct != "image/svg+xml" {
				t.Errorf("Content-Type %q", ct)
			}
			etag := rec.Header().Get("ETag")
			if etag == "" || rec.Header().Get("Cache-Control") != badgeMaxAge {
				t.Errorf("ETag %q, Cache-Control %q", etag, rec.Header().Get("Cache-Control"))
			}
			if again := get(tc.path, etag); again.Code != http.StatusNotModified || again.Body.Len() != 0 {
				t.Errorf("with If-None-Match: %d, %d bytes; want 304, empty", again.Code, again.Body.Len())
			}
		})
	}
	// The uptime badge shows the figure the page shows for the window.
	api := BuildSnapshot(browserInput(), fixedNow()).Bars["api"]
	want := windowUptime(api[len(api)-30:]).Percent
	if body := get("/badge/api/uptime.svg", "").Body.String(); !strings.Contains(body, `aria-label="uptime 30d: `+want+`%"`) {
		t.Errorf("uptime badge lacks %s%%: %s", want, body)
	}
	// A new snapshot draws new badges.
	before := get("/badge/db/status.svg", "").Header().Get("ETag")
	in := browserInput()
	for i := range in.Services {
		if in.Services[i].ID == "db" {
			in.Services[i].State = sla.StateUp
		}
	}
	s.SetSnapshot(BuildSnapshot(in, fixedNow()))
	if after := get("/badge/db/status.svg", before); after.Code == http.StatusNotModified {
		t.Errorf("db's badge kept its ETag after its status changed")
	}
}
