package main

import (
	"context"
	"encoding/json"
	"maps"
	"regexp"
	"slices"
	"testing"
	"time"
)

// TestJSONConvention: slate credits list --format json prints snake_case
// keys only, the same keys the admin API serves for a credit, and for the
// figures slate report also gives, the names and shapes slate report uses.
func TestJSONConvention(t *testing.T) {
	f := newCloseFixture(t)
	ctx := context.Background()
	if err := f.app.CloseDue(ctx, f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runSlate(t, "", "credits", "list", "--format", "json", "--config", f.cfgPath)
	if code != exitOK {
		t.Fatalf("credits list: exit %d %s", code, errs)
	}
	var credits []map[string]any
	if err := json.Unmarshal([]byte(out), &credits); err != nil || len(credits) == 0 {
		t.Fatalf("credits list json: %v\n%s", err, out)
	}
	rows, err := buildReport(ctx, f.app.store, &f.cfg.Catalog, "acme", "2026-03", f.clock.Now())
	if err != nil || len(rows) != 1 {
		t.Fatalf("report: %v, %v", rows, err)
	}
	b, _ := json.Marshal(rows)
	var report []map[string]any
	json.Unmarshal(b, &report)

	snake := regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)
	for _, k := range slices.Sorted(maps.Keys(credits[0])) {
		if !snake.MatchString(k) {
			t.Errorf("credits list key %q is not snake_case", k)
		}
	}
	var acme map[string]any
	for _, c := range credits {
		if c["tenant"] == "acme" {
			acme = c
		}
	}
	for _, k := range []string{"tenant", "contract", "period_name", "period", "uptime_percent", "downtime_minutes", "credit_percent",
		"coverage_percent", "coverage_flagged", "credit_amount", "currency"} {
		got, ok := acme[k]
		if !ok {
			t.Errorf("credits list lacks %q, which slate report names so", k)
			continue
		}
		want, _ := json.Marshal(report[0][k])
		have, _ := json.Marshal(got)
		if k != "uptime_percent" && k != "coverage_percent" && string(have) != string(want) { // the ledger keeps more places
			t.Errorf("%s: credits list %s, report %s", k, have, want)
		}
	}
	if p, ok := acme["period"].(map[string]any); !ok || p["start"] != time.Date(2026, 3, 1, 0, 0, 0, 0, f.cfg.Zone("acme")).UTC().Format(time.RFC3339Nano) {
		t.Errorf("period %v: want {start, end} in UTC, as the report's", acme["period"])
	}
}
