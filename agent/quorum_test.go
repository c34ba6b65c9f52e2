package agent_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/credit"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/sla"
)

const quorumConfig = `storage: {path: %q}
collector: {location: local}
locations: [local, east, west]
services: [{id: one}, {id: two}]
checks:
  - {id: blip, service: one, kind: http, target: "BLIP", interval: 2s, timeout: 1s}
  - {id: outage, service: two, kind: http, target: "OUTAGE", interval: 2s, timeout: 1s}
`

// TestQuorumOfThreeLocations is the promise that a blip at one place is
// never charged: the server probes from local, two agent processes from
// east and west. Service one's target fails for east alone, service two's
// for east and west. A whole minute judged with every location's
// evidence is degraded for one (not down: no downtime) and down for two;
// an incident opens for two and none ever for one.
func TestQuorumOfThreeLocations(t *testing.T) {
	if testing.Short() {
		t.Skip("runs over two minutes of real time; skipped with -short")
	}
	t.Parallel()
	blip := target(t, func(ua string) bool { return strings.Contains(ua, "location east") })
	outage := target(t, func(ua string) bool {
		return strings.Contains(ua, "location east") || strings.Contains(ua, "location west")
	})
	s := startServer(t, strings.NewReplacer("BLIP", blip, "OUTAGE", outage).Replace(quorumConfig))
	startAgent(t, s.base, s.agentToken(t, "east"), t.TempDir())
	startAgent(t, s.base, s.agentToken(t, "west"), t.TempDir())
	ctx := context.Background()
	reported := func(location string) bool { return len(storedKeys(t, s, "blip", location)) > 0 }
	waitFor(t, 30*time.Second, "every location reporting", func() bool { return reported("east") && reported("west") && reported("local") })
	// The first whole minute with every location reporting, judged once
	// final: its end, plus the checks' settle time and then some.
	minute := time.Now().UTC().Truncate(time.Minute).Add(time.Minute)
	waitFor(t, 150*time.Second, "an incident for two", func() bool {
		incs, err := s.db.OpenIncidents(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, inc := range incs {
			if inc.Service == "two" {
				return true
			}
		}
		return false
	})
	waitFor(t, 150*time.Second, "the minute final", func() bool { return time.Now().After(minute.Add(time.Minute + 20*time.Second)) })
	for _, tt := range []struct {
		service, check string
		want           sla.State
	}{{"one", "blip", sla.StateDegraded}, {"two", "outage", sla.StateDown}} {
		ch := s.cfg.Catalog.ServiceChecks(tt.service)[0]
		w, err := credit.JudgeWindow(ctx, s.db, credit.Check{ID: ch.ID, Locations: ch.Locations, Confirmation: ch.Confirmation}, minute, 1, 30*time.Minute, 2)
		if err != nil {
			t.Fatal(err)
		}
		if w.States[0] != tt.want {
			t.Errorf("%s's minute %s: %s (failing at %v), want %s", tt.check, minute.Format("15:04"), w.States[0], w.Failing[0], tt.want)
		}
	}
	incs, err := s.db.Incidents(ctx, db.IncidentFilter{Service: "one"})
	if err != nil || len(incs) != 0 {
		t.Errorf("incidents of one, which failed at one location only: %+v, %v; want none", incs, err)
	}
}

// TestAgentClockSkewIsRefused runs an agent whose clock is 30 s ahead:
// the server refuses its batches and raises an alert, and stores no result
// from its location, so no minute is misplaced; its healthz says why.
func TestAgentClockSkewIsRefused(t *testing.T) {
	t.Parallel()
	url := target(t, func(string) bool { return false })
	s := startServer(t, strings.ReplaceAll(spoolConfig, "TARGET", url)+`alerting:
  receivers: [{name: oncall, kind: slack, url: "http://127.0.0.1:1/oncall"}]
  routes: [{receiver: oncall}]
`)
	startAgent(t, s.base, s.agentToken(t, "east"), t.TempDir(), skewEnv+"=30s")
	ctx := context.Background()
	waitFor(t, 30*time.Second, "the clock alert", func() bool {
		as, err := s.db.AlertsByKey(ctx, "slate-agent-clock/east")
		if err != nil {
			t.Fatal(err)
		}
		return len(as) == 1 && as[0].Kind == "trigger" && strings.Contains(string(as[0].Payload), "off the server's")
	})
	for _, check := range []string{"a", "b"} {
		if got := storedKeys(t, s, check, "east"); len(got) != 0 {
			t.Errorf("%d results of %s stored from the skewed agent; want none", len(got), check)
		}
	}
}
