package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/store"
)

func testReadsOfUnknownCheckAreNotFound(t *testing.T, s suite) {
	d := s.open(t)
	Write(t, d, Result("known", "a", At(0, 0), true))
	ctx := context.Background()
	tests := []struct {
		name string
		call func() error
	}{
		{"Results", func() error { _, err := d.Results(ctx, "unknown", At(0, 0), At(1, 0)); return err }},
		{"LatestResults", func() error { _, err := d.LatestResults(ctx, "unknown", 5); return err }},
		{"MinuteHistory", func() error { _, err := d.MinuteHistory(ctx, "unknown", At(0, 0), At(1, 0)); return err }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.call(); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("got %v, want ErrNotFound", err)
			}
		})
	}
}

func testResultsRangeIsHalfOpen(t *testing.T, s suite) {
	d := s.open(t)
	Write(t, d,
		Result("api", "a", At(0, 0), true),
		Result("api", "a", At(1, 0), true),
		Result("api", "a", At(2, 0), true),
		Result("other", "a", At(1, 0), true),
	)
	tests := []struct {
		name     string
		from, to time.Time
		want     []time.Time
	}{
		{"from is included, to is not", At(0, 0), At(2, 0), []time.Time{At(0, 0), At(1, 0)}},
		{"one millisecond", At(1, 0), At(1, 0).Add(time.Millisecond), []time.Time{At(1, 0)}},
		{"empty range", At(1, 0), At(1, 0), nil},
		{"nothing there", At(30, 0), At(40, 0), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := d.Results(context.Background(), "api", tc.from, tc.to)
			if err != nil {
				t.Fatal(err)
			}
			if got == nil {
				t.Errorf("got nil slice, want an empty, non-nil one")
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %d results, want %d", len(got), len(tc.want))
			}
			for i := range got {
				if !got[i].At.Equal(tc.want[i]) {
					t.Errorf("result %d: got %v, want %v", i, got[i].At, tc.want[i])
				}
			}
		})
	}
}

func testLatestResultsNewestFirst(t *testing.T, s suite) {
	d := s.open(t)
	for m := range 5 {
		Write(t, d, Result("api", "a", At(m, 0), m%2 == 0))
	}
	tests := []struct {
		name string
		n    int
		want []time.Time
	}{
		{"two", 2, []time.Time{At(4, 0), At(3, 0)}},
		{"more than stored", 10, []time.Time{At(4, 0), At(3, 0), At(2, 0), At(1, 0), At(0, 0)}},
		{"zero", 0, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := d.LatestResults(context.Background(), "api", tc.n)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %d results, want %d", len(got), len(tc.want))
			}
			for i := range got {
				if !got[i].At.Equal(tc.want[i]) {
					t.Errorf("result %d: got %v, want %v", i, got[i].At, tc.want[i])
				}
			}
		})
	}
	if _, err := d.LatestResults(context.Background(), "api", -1); err == nil {
		t.Errorf("n=-1: got nil error, want an error")
	}
}

func testMinuteHistoryShape(t *testing.T, s suite) {
	d := s.open(t)
	day2 := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	runs := []sla.Result{
		Result("api", "nyc", At(0, 10), true),
		Result("api", "fra", At(0, 20), false),
		Result("api", "fra", At(1, 20), true),
		Result("api", "", At(2, 0), true),
		// Across UTC midnight: two day rows.
		Result("api", "fra", day2.Add(-30*time.Second), false),
		Result("api", "fra", day2.Add(30*time.Second), false),
	}
	Write(t, d, runs...)
	want := Fold(runs)

	tests := []struct {
		name          string
		from, to      time.Time
		wantStart     time.Time
		wantMinutes   int
		wantLocations []string
	}{
		{"three minutes", At(0, 0), At(3, 0), At(0, 0), 3, []string{"", "fra", "nyc"}},
		{"from truncated, to rounded up", At(0, 30), At(1, 1), At(0, 0), 2, []string{"", "fra", "nyc"}},
		{"across midnight", day2.Add(-2 * time.Minute), day2.Add(2 * time.Minute), day2.Add(-2 * time.Minute), 4, []string{"", "fra", "nyc"}},
		{"next day only", day2, day2.Add(time.Minute), day2, 1, []string{"fra"}},
		{"a day without data", day2.Add(48 * time.Hour), day2.Add(49 * time.Hour), day2.Add(48 * time.Hour), 60, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, err := d.MinuteHistory(context.Background(), "api", tc.from, tc.to)
			if err != nil {
				t.Fatal(err)
			}
			if !h.Start.Equal(tc.wantStart) {
				t.Errorf("got start %v, want %v", h.Start, tc.wantStart)
			}
			if len(h.Minutes) != tc.wantMinutes {
				t.Errorf("got %d minutes, want %d", len(h.Minutes), tc.wantMinutes)
			}
			if len(h.Locations) != len(tc.wantLocations) {
				t.Fatalf("got locations %q, want %q", h.Locations, tc.wantLocations)
			}
			for i := range h.Locations {
				if h.Locations[i] != tc.wantLocations[i] {
					t.Errorf("got locations %q, want %q", h.Locations, tc.wantLocations)
				}
			}
			for i, row := range h.Minutes {
				if len(row) != len(h.Locations) {
					t.Fatalf("minute %d: got %d cells, want %d", i, len(row), len(h.Locations))
				}
			}
			// Every minute in the range matches the runs; locations with
			// no runs in the range are allowed in want only if absent here.
			sub := map[string]map[int64]sla.LocationMinute{}
			for _, loc := range h.Locations {
				sub[loc] = want[loc]
			}
			if diff := DiffHistory(h, sub); diff != "" {
				t.Errorf("history differs from the runs:\n%s", diff)
			}
		})
	}

	if _, err := d.MinuteHistory(context.Background(), "api", At(5, 0), At(5, 0)); err == nil {
		t.Errorf("empty range: got nil error, want an error")
	}
}

func testPrune(t *testing.T, s suite) {
	d := s.open(t)
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	// A backend may keep raw results up to a day past their retention (one
	// that drops whole daily partitions), never less than it.
	old := now.Add(-15*24*time.Hour - time.Millisecond)        // a day outside raw retention
	fresh := now.Add(-14 * 24 * time.Hour)                     // just inside
	ancient := now.Add(-401 * 24 * time.Hour)                  // history day ended before now-400d
	boundary := now.Add(-400 * 24 * time.Hour).Add(-time.Hour) // same UTC day as now-400d: kept
	Write(t, d,
		Result("api", "a", old, false),
		Result("api", "a", fresh, true),
		Result("api", "a", ancient, true),
		Result("api", "a", boundary, true),
	)
	p, err := d.Prune(context.Background(), now)
	if err != nil {
		t.Fatal(err)
	}
	if p.Results != 3 || p.Days != 1 {
		t.Errorf("got %+v, want 3 results (old, ancient, boundary) and 1 day (ancient) deleted", p)
	}
	ctx := context.Background()
	tests := []struct {
		name        string
		at          time.Time
		wantRaw     int
		wantHistory bool
	}{
		{"a day older than raw retention", old, 0, true},
		{"raw retention boundary", fresh, 1, true},
		{"older than history retention", ancient, 0, false},
		{"day of the history boundary", boundary, 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rs, err := d.Results(ctx, "api", tc.at, tc.at.Add(time.Millisecond))
			if err != nil {
				t.Fatal(err)
			}
			if len(rs) != tc.wantRaw {
				t.Errorf("got %d raw results, want %d", len(rs), tc.wantRaw)
			}
			h, err := d.MinuteHistory(ctx, "api", tc.at, tc.at.Add(time.Millisecond))
			if err != nil {
				t.Fatal(err)
			}
			if got := len(h.Locations) == 1 && h.Minutes[0][0].Runs() == 1; got != tc.wantHistory {
				t.Errorf("got history present %v, want %v", got, tc.wantHistory)
			}
		})
	}
	again, err := d.Prune(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	if again != (store.Pruned{}) {
		t.Errorf("second prune: got %+v, want nothing deleted", again)
	}
}
