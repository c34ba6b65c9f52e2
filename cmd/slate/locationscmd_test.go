package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/store"
)

// TestLocationsCommand: slate locations prints each location's health as
// the store keeps it — the collector's own location, an agent holding
// us-east (live, its lag and clock), an agent at ap-south whose lease
// lapsed (silent), and a declared location no agent called for — and the
// same as JSON with --json; a stray argument is refused.
func TestLocationsCommand(t *testing.T) {
	dir := t.TempDir()
	dbPath, cfgPath := filepath.Join(dir, "slate.db"), filepath.Join(dir, "slate.yaml")
	cfg := fmt.Sprintf(`storage: {path: %q}
locations: [eu-west, {id: us-east, name: Virginia}, ap-south, sa-east]
services: [{id: web}]
checks: [{id: web, service: web, kind: http, target: "http://127.0.0.1:1/"}]
collector: {location: eu-west}
`, dbPath)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	d, err := db.Open(dbPath, db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, c := range []store.LocationClaim{
		{Location: "us-east", Agent: "east-1", At: now.Add(-time.Second), TTL: 30 * time.Second, ClockOffset: -250 * time.Millisecond},
		{Location: "ap-south", Agent: "south-1", At: now.Add(-time.Hour), TTL: 30 * time.Second},
	} {
		if _, err := d.ClaimLocation(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := d.RecordLocationBatch(ctx, store.LocationBatch{Location: "us-east", Agent: "east-1", At: now.Add(-time.Second), Through: now.Add(-3500 * time.Millisecond), Results: 9}); err != nil {
		t.Fatal(err)
	}
	d.Close()
	var out, errb bytes.Buffer
	if code := runAt(func() time.Time { return now }, []string{"locations", "--config", cfgPath}, nil, &out, &errb); code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	want := [][]string{
		{"LOCATION", "REPORTED BY", "STATE", "LAG", "CLOCK OFFSET"},
		{"eu-west", "this server", "live"},
		{"us-east", "agent east-1", "live", "2026-11-27T09:59:59Z", "2026-11-27T09:59:56Z", "3.5s", "-250ms", "9"},
		{"ap-south", "agent south-1", "silent since 2026-11-27T09:00:00Z"},
		{"sa-east", "no agent yet"},
	}
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(want), out.String())
	}
	for i, ws := range want {
		for _, w := range ws {
			if !strings.Contains(lines[i], w) {
				t.Errorf("line %d %q lacks %q", i, lines[i], w)
			}
		}
	}
	out.Reset()
	if code := runAt(func() time.Time { return now }, []string{"locations", "--config", cfgPath, "--json"}, nil, &out, &errb); code != exitOK {
		t.Fatalf("--json: exit %d: %s", code, errb.String())
	}
	var got struct{ Locations []store.LocationHealth }
	if err := json.Unmarshal(out.Bytes(), &got); err != nil || len(got.Locations) != 4 || got.Locations[1].Name != "Virginia" ||
		got.Locations[1].LagSeconds != 3.5 || got.Locations[2].Live {
		t.Errorf("--json: %+v, %v; want 4 locations, us-east named Virginia 3.5 s behind, ap-south not live", got, err)
	}
	if code, _, errs := runSlate(t, "", "locations", "--config", cfgPath, "extra"); code != exitUsage || !strings.Contains(errs, `unexpected argument "extra"`) {
		t.Errorf("a stray argument: exit %d, %q", code, errs)
	}
}
