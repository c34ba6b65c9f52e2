package monitor

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/slatehq/slate/collector"
	"github.com/slatehq/slate/config"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/internal/testkit"
	"github.com/slatehq/slate/store"
)

const pushBeatConfig = `storage: {path: %q}
backup: {dir: "off"}
server: {listen: "127.0.0.1:0", metrics_listen: "off"}
services: [{id: cron, name: Nightly jobs}]
checks:
  - {id: cron, service: cron, kind: push, interval: 1m, push: {token: cron-push-token-00001}}
`

// postBeat sends a heartbeat to base and returns the status.
func postBeat(t *testing.T, base, query string) int {
	t.Helper()
	resp, err := http.Post(base+"/push/cron-push-token-00001"+query, "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestPushBeatSurvivesRestart: a heartbeat acknowledged with 200 is in
// the store, stamped with the receiving server's clock, and a restarted
// slate judges the push check by it at its first run, rather than
// waiting an interval for a heartbeat it already had.
func TestPushBeatSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	clock := &testkit.Clock{}
	t0 := time.Date(2026, 3, 17, 14, 23, 17, 250_000_000, time.UTC)
	clock.Set(t0)
	cfg := loadTestConfig(t, pushBeatConfig)
	cfgPath := filepath.Join(filepath.Dir(cfg.Storage.Path), "slate.yaml")
	a := testApp(t, cfg, Options{Now: clock.Now})
	base := startTestApp(t, a)
	if code := postBeat(t, base, "?status=down&msg=disk+full"); code != http.StatusOK {
		t.Fatalf("heartbeat: %d, want 200", code)
	}
	want := store.PushBeat{CheckID: "cron", At: t0, Down: true, Msg: "disk full"}
	if b, ok, err := a.db.LatestPushBeat(ctx, "cron"); err != nil || !ok || b != want {
		t.Fatalf("stored heartbeat: %+v, %v, %v; want %+v", b, ok, err, want)
	}

	clock.Add(20 * time.Second)
	if err := a.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(cfgPath) // as a restart reads it
	if err != nil {
		t.Fatal(err)
	}
	b := testApp(t, cfg, Options{Now: clock.Now})
	r, err := b.sched.RunOnce(ctx, "cron")
	if err != nil {
		t.Fatalf("first run after the restart: %v (a heartbeat lost is no data)", err)
	}
	if r.OK || r.Detail != "service reported down: disk full" {
		t.Errorf("first run after the restart: %+v, want the stored heartbeat's report", r)
	}
}

// TestPushBeatNotStoredIsNotAcknowledged: while the store refuses
// writes, a heartbeat gets 503 with Retry-After, never 200, and the
// stored heartbeat stays as it was; the probe then has no data rather
// than judging the service by the monitor's own trouble.
func TestPushBeatNotStoredIsNotAcknowledged(t *testing.T) {
	ctx := context.Background()
	clock := &testkit.Clock{}
	t0 := time.Date(2026, 3, 17, 14, 23, 17, 0, time.UTC)
	clock.Set(t0)
	a := testApp(t, loadTestConfig(t, pushBeatConfig), Options{Now: clock.Now})
	base := startTestApp(t, a)
	if code := postBeat(t, base, ""); code != http.StatusOK {
		t.Fatalf("heartbeat: %d, want 200", code)
	}
	dbPath := a.Config().Storage.Path
	if err := a.db.Close(); err != nil {
		t.Fatal(err)
	}
	clock.Add(time.Minute)
	resp, err := http.Post(base+"/push/cron-push-token-00001?status=down", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Errorf("heartbeat the store refused: %d, Retry-After %q; want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if _, err := a.sched.RunOnce(ctx, "cron"); !errors.Is(err, collector.ErrNoData) {
		t.Errorf("a run while the store does not answer: %v, want no data", err)
	}
	st, err := db.Open(dbPath, db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if b, ok, err := st.LatestPushBeat(ctx, "cron"); err != nil || !ok || !b.At.Equal(t0) || b.Down {
		t.Errorf("stored heartbeat after the refusal: %+v, %v, %v; want the up one at %s", b, ok, err, t0)
	}
}
