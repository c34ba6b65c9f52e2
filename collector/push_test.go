package collector

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/slatehq/slate/sla"
)

// fakeClock is a settable clock for tests.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

const testToken = "0123456789abcdef-token"

func TestPushHandler(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)}
	hb := NewHeartbeats(clock.Now)
	mustProbe(t, Check{Kind: KindPush, Interval: time.Minute, Push: PushSettings{Token: testToken}}, Env{Heartbeats: hb})

	tests := []struct {
		name       string
		method     string
		path       string
		wantCode   int
		wantDown   bool
		wantMsg    string
		wantRecord bool
	}{
		{name: "get", method: "GET", path: "/push/" + testToken, wantCode: 200, wantRecord: true},
		{name: "post down with message", method: "POST", path: "/push/" + testToken + "?status=down&msg=disk+full", wantCode: 200, wantDown: true, wantMsg: "disk full", wantRecord: true},
		{name: "mounted under a prefix", method: "GET", path: "/api/push/" + testToken + "?status=up", wantCode: 200, wantRecord: true},
		{name: "unknown token", method: "GET", path: "/push/someone-elses-token", wantCode: 404},
		{name: "no token", method: "GET", path: "/push/", wantCode: 404},
		{name: "bad status", method: "GET", path: "/push/" + testToken + "?status=maybe", wantCode: 400},
		{name: "wrong method", method: "DELETE", path: "/push/" + testToken, wantCode: 405},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clock.Add(time.Second)
			before := latestBeat(t, hb)
			w := httptest.NewRecorder()
			hb.ServeHTTP(w, httptest.NewRequest(tc.method, tc.path, nil))
			if w.Code != tc.wantCode {
				t.Errorf("got status %d, want %d", w.Code, tc.wantCode)
			}
			after := latestBeat(t, hb)
			if recorded := !after.At.Equal(before.At); recorded != tc.wantRecord {
				t.Errorf("got recorded=%v, want %v", recorded, tc.wantRecord)
			}
			if tc.wantRecord && (after.Down != tc.wantDown || after.Msg != tc.wantMsg) {
				t.Errorf("got down=%v msg=%q, want down=%v msg=%q", after.Down, after.Msg, tc.wantDown, tc.wantMsg)
			}
		})
	}
}

// latestBeat is the heartbeat hb keeps for mustProbe's check.
func latestBeat(t *testing.T, hb *Heartbeats) Beat {
	t.Helper()
	b, _, err := hb.beats().LatestBeat(context.Background(), "test")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPushProbe(t *testing.T) {
	start := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		beatAt     time.Duration // -1 for no beat
		status     string
		probeAt    time.Duration
		wantNoData bool
		wantOK     bool
		wantDetail string
	}{
		{name: "before first beat is due", beatAt: -1, probeAt: 70 * time.Second, wantNoData: true},
		{name: "first beat never came", beatAt: -1, probeAt: 80 * time.Second, wantDetail: "no heartbeat in 1m20s"},
		{name: "fresh beat", beatAt: 10 * time.Second, probeAt: 60 * time.Second, wantOK: true},
		{name: "beat within grace", beatAt: 10 * time.Second, probeAt: 85 * time.Second, wantOK: true},
		{name: "beat too old", beatAt: 10 * time.Second, probeAt: 86 * time.Second, wantDetail: "last heartbeat 1m16s ago, want one every 1m0s (+15s grace)"},
		{name: "reported down", beatAt: 10 * time.Second, status: "down", probeAt: 20 * time.Second, wantDetail: "service reported down: db unreachable"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clock := &fakeClock{t: start}
			hb := NewHeartbeats(clock.Now)
			p := mustProbe(t, Check{Kind: KindPush, Interval: time.Minute, Push: PushSettings{Token: testToken}}, Env{Heartbeats: hb})
			if tc.beatAt >= 0 {
				clock.Add(tc.beatAt)
				if _, err := hb.Record(context.Background(), testToken, tc.status == "down", "db unreachable"); err != nil {
					t.Fatal(err)
				}
				clock.Add(-tc.beatAt)
			}
			clock.Add(tc.probeAt)
			o := p.Probe(context.Background())
			if o.NoData != tc.wantNoData {
				t.Fatalf("got no data %v, want %v", o.NoData, tc.wantNoData)
			}
			if tc.wantNoData {
				return
			}
			wantClass := sla.ClassExpectation
			if tc.wantOK {
				wantClass = sla.ClassNone
			}
			checkOutcome(t, o, tc.wantOK, wantClass, tc.wantDetail)
		})
	}
}

func TestPushProbeNeedsReceiver(t *testing.T) {
	_, err := NewProbe(Check{ID: "p", Kind: KindPush, Interval: time.Minute, Push: PushSettings{Token: testToken}}, Env{})
	if err == nil {
		t.Fatal("got no error without a heartbeat receiver, want one")
	}
}

// TestPushEndToEnd beats through a real HTTP server.
func TestPushEndToEnd(t *testing.T) {
	hb := NewHeartbeats(nil)
	p := mustProbe(t, Check{Kind: KindPush, Interval: time.Minute, Push: PushSettings{Token: testToken}}, Env{Heartbeats: hb})
	mux := http.NewServeMux()
	mux.Handle("/push/", hb)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	resp, err := http.Post(srv.URL+"/push/"+testToken+"?status=down&msg=maintenance", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("got status %d, want 200", resp.StatusCode)
	}
	o := p.Probe(context.Background())
	checkOutcome(t, o, false, sla.ClassExpectation, "service reported down: maintenance")
}
