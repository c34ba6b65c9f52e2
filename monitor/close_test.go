package monitor

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/slatehq/slate/config"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/internal/testkit"
)

// TestCloseAfterRestarts restarts slate every five minutes of a fake clock
// across the end of March, for a Berlin tenant (whose March ends at 22:00
// UTC) and a UTC one, both with a close grace of 30 minutes, calling the
// period close each minute as its cron does between restarts. (The first
// start closes February, the last closed period of a ledger that has
// none.) Slate is down from 22:27 to 22:32, across the Berlin close, which
// its start-up then does; London's falls between restarts, on the minute
// job. Each March closes once its grace has passed, within a minute of
// the first start after it — never before — and once.
func TestCloseAfterRestarts(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "slate.yaml")
	if err := os.WriteFile(path, fmt.Appendf(nil, `storage: {path: %q}
server: {listen: "127.0.0.1:0"}
backup: {dir: "off"}
locations: [local, remote]
tenants: [{id: berlin, timezone: Europe/Berlin}, {id: london, timezone: UTC}]
services: [{id: web}]
checks: [{id: web, service: web, kind: http, target: "http://127.0.0.1:1/", locations: [remote]}]
contracts:
  - {id: berlin-web, tenant: berlin, services: [web], fee: {amount: "10", currency: EUR}, policy: {target: "99.9"}, close_grace: 30m}
  - {id: london-web, tenant: london, services: [web], fee: {amount: "10", currency: GBP}, policy: {target: "99.9"}, close_grace: 30m}
`, filepath.Join(dir, "slate.db")), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	due := map[string]time.Time{
		"berlin-web": time.Date(2026, 3, 31, 22, 30, 0, 0, time.UTC),
		"london-web": time.Date(2026, 4, 1, 0, 30, 0, 0, time.UTC),
	}
	clock := &testkit.Clock{}
	ctx := context.Background()
	closedAt := map[string]time.Time{}
	firstStartAfter := map[string]time.Time{}
	start := time.Date(2026, 3, 31, 21, 47, 0, 0, time.UTC)
	down := time.Date(2026, 3, 31, 22, 27, 0, 0, time.UTC)
	for seg := start; seg.Before(time.Date(2026, 4, 1, 1, 30, 0, 0, time.UTC)); seg = seg.Add(5 * time.Minute) {
		if seg.Equal(down) {
			continue
		}
		clock.Set(seg)
		for id, d := range due {
			if _, ok := firstStartAfter[id]; !ok && !seg.Before(d) {
				firstStartAfter[id] = seg
			}
		}
		a := testApp(t, cfg, Options{Now: clock.Now})
		startTestApp(t, a)
		if next := a.cron.Entry(a.jobs["period close"]).Schedule.Next(seg); next.Sub(seg) > time.Minute {
			t.Fatalf("the period close runs every %v, want every minute", next.Sub(seg))
		}
		noteCloses(t, a.db, clock.Now(), closedAt)
		for m := 1; m < 5; m++ { // the minutes until the next restart
			clock.Set(seg.Add(time.Duration(m) * time.Minute))
			if err := a.closeOwed(ctx, clock.Now()); err != nil {
				t.Fatal(err)
			}
			noteCloses(t, a.db, clock.Now(), closedAt)
		}
		if err := a.Stop(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if !closedAt["berlin-web"].Equal(time.Date(2026, 3, 31, 22, 32, 0, 0, time.UTC)) {
		t.Errorf("berlin-web closed at %v, want at the start at 22:32", closedAt["berlin-web"])
	}
	for id, d := range due {
		at, ok := closedAt[id]
		switch {
		case !ok:
			t.Errorf("%s: March never closed", id)
		case at.Before(d):
			t.Errorf("%s: closed at %v, before its grace ended at %v", id, at, d)
		case at.After(firstStartAfter[id].Add(time.Minute)):
			t.Errorf("%s: closed at %v, more than a minute after the first start after its grace (%v)", id, at, firstStartAfter[id])
		}
	}
}

// noteCloses records when each contract's March entry appeared.
func noteCloses(t *testing.T, d *db.DB, now time.Time, closedAt map[string]time.Time) {
	t.Helper()
	cs, err := d.Credits(context.Background(), db.CreditFilter{Period: "2026-03"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		if _, ok := closedAt[c.Contract]; !ok {
			closedAt[c.Contract] = now
		}
	}
	if len(cs) > 2 {
		t.Errorf("%d ledger entries for March, want at most one per contract", len(cs))
	}
}
