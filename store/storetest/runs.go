package storetest

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/slatehq/slate/sla"
)

// TestMinuteRunsAgreesWithMinuteHistory reads the same Evidence both ways —
// across midnight, with a day without data and a location that reports only
// on some days — and requires the run-length form to expand to the grid.
func testMinuteRunsAgreesWithMinuteHistory(t *testing.T, s suite) {
	d := s.openWith(t, Options{})
	ctx := context.Background()
	r := rand.New(rand.NewPCG(3, 4))
	day0 := time.Date(2026, 5, 10, 0, 0, 0, 0, time.UTC)
	var rs []sla.Result
	for _, span := range []struct {
		from, to time.Duration
		loc      string
	}{
		{0, 30 * time.Hour, "eu"},              // day 0 and into day 1
		{20 * time.Hour, 26 * time.Hour, "us"}, // across the first midnight only
		{72 * time.Hour, 80 * time.Hour, "eu"}, // day 3, after a silent day 2
	} {
		for at := day0.Add(span.from); at.Before(day0.Add(span.to)); at = at.Add(time.Duration(5+r.IntN(20)) * time.Second) {
			rs = append(rs, sla.Result{CheckID: "web", Location: span.loc, At: at, OK: r.IntN(10) != 0})
		}
	}
	if err := d.WriteResults(ctx, rs); err != nil {
		t.Fatal(err)
	}
	for _, rng := range []struct{ from, to time.Duration }{
		{0, 96 * time.Hour},
		{13*time.Hour + 7*time.Minute, 75*time.Hour + 30*time.Second},
		{50 * time.Hour, 51 * time.Hour}, // only the silent day
	} {
		from, to := day0.Add(rng.from), day0.Add(rng.to)
		grid, err := d.MinuteHistory(ctx, "web", from, to)
		if err != nil {
			t.Fatal(err)
		}
		runs, err := d.MinuteRuns(ctx, "web", from, to)
		if err != nil {
			t.Fatal(err)
		}
		if !runs.Start.Equal(grid.Start) || runs.Minutes != len(grid.Minutes) || len(runs.Locations) != len(grid.Locations) {
			t.Fatalf("[%v, %v): runs start %v, %d minutes, %v; grid %v, %d, %v", rng.from, rng.to,
				runs.Start, runs.Minutes, runs.Locations, grid.Start, len(grid.Minutes), grid.Locations)
		}
		for j := range runs.Locations {
			m := 0
			for _, run := range runs.Runs[j] {
				for range run.Count {
					if grid.Minutes[m][j] != run.Minute {
						t.Fatalf("[%v, %v) %s minute %d: runs %+v, grid %+v", rng.from, rng.to, runs.Locations[j], m, run.Minute, grid.Minutes[m][j])
					}
					m++
				}
			}
			if m != runs.Minutes {
				t.Fatalf("[%v, %v) %s: runs cover %d minutes, want %d", rng.from, rng.to, runs.Locations[j], m, runs.Minutes)
			}
		}
	}
}
