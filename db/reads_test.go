package db_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/sla"
)

func TestReadsOfUnknownCheckAreNotFound(t *testing.T) {
	d := openDB(t)
	write(t, d, run("known", "a", at(0, 0), true))
	ctx := context.Background()
	tests := []struct {
		name string
		call func() error
	}{
		{"Results", func() error { _, err := d.Results(ctx, "unknown", at(0, 0), at(1, 0)); return err }},
		{"LatestResults", func() error { _, err := d.LatestResults(ctx, "unknown", 5); return err }},
		{"MinuteHistory", func() error { _, err := d.MinuteHistory(ctx, "unknown", at(0, 0), at(1, 0)); return err }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.call(); !errors.Is(err, db.ErrNotFound) {
				t.Errorf("got %v, want ErrNotFound", err)
			}
		})
	}
}

func TestResultsRangeIsHalfOpen(t *testing.T) {
	d := openDB(t)
	write(t, d,
		run("api", "a", at(0, 0), true),
		run("api", "a", at(1, 0), true),
		run("api", "a", at(2, 0), true),
		run("other", "a", at(1, 0), true),
	)
	tests := []struct {
		name     string
		from, to time.Time
		want     []time.Time
	}{
		{"from is included, to is not", at(0, 0), at(2, 0), []time.Time{at(0, 0), at(1, 0)}},
		{"one millisecond", at(1, 0), at(1, 0).Add(time.Millisecond), []time.Time{at(1, 0)}},
		{"empty range", at(1, 0), at(1, 0), nil},
		{"nothing there", at(30, 0), at(40, 0), nil},
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

func TestLatestResultsNewestFirst(t *testing.T) {
	d := openDB(t)
	for m := range 5 {
		write(t, d, run("api", "a", at(m, 0), m%2 == 0))
	}
	tests := []struct {
		name string
		n    int
		want []time.Time
	}{
		{"two", 2, []time.Time{at(4, 0), at(3, 0)}},
		{"more than stored", 10, []time.Time{at(4, 0), at(3, 0), at(2, 0), at(1, 0), at(0, 0)}},
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

func TestMinuteHistoryShape(t *testing.T) {
	d := openDB(t)
	day2 := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	runs := []sla.Result{
		run("api", "nyc", at(0, 10), true),
		run("api", "fra", at(0, 20), false),
		run("api", "fra", at(1, 20), true),
		run("api", "", at(2, 0), true),
		// Across UTC midnight: two day rows.
		run("api", "fra", day2.Add(-30*time.Second), false),
		run("api", "fra", day2.Add(30*time.Second), false),
	}
	write(t, d, runs...)
	want := fold(runs)

	tests := []struct {
		name          string
		from, to      time.Time
		wantStart     time.Time
		wantMinutes   int
		wantLocations []string
	}{
		{"three minutes", at(0, 0), at(3, 0), at(0, 0), 3, []string{"", "fra", "nyc"}},
		{"from truncated, to rounded up", at(0, 30), at(1, 1), at(0, 0), 2, []string{"", "fra", "nyc"}},
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
			if diff := diffHistory(h, sub); diff != "" {
				t.Errorf("history differs from the runs:\n%s", diff)
			}
		})
	}

	if _, err := d.MinuteHistory(context.Background(), "api", at(5, 0), at(5, 0)); err == nil {
		t.Errorf("empty range: got nil error, want an error")
	}
}

func TestPrune(t *testing.T) {
	d := openDB(t)
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	old := now.Add(-14*24*time.Hour - time.Millisecond)        // just outside raw retention
	fresh := now.Add(-14 * 24 * time.Hour)                     // just inside
	ancient := now.Add(-401 * 24 * time.Hour)                  // history day ended before now-400d
	boundary := now.Add(-400 * 24 * time.Hour).Add(-time.Hour) // same UTC day as now-400d: kept
	write(t, d,
		run("api", "a", old, false),
		run("api", "a", fresh, true),
		run("api", "a", ancient, true),
		run("api", "a", boundary, true),
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
		{"older than raw retention", old, 0, true},
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
	if again != (db.Pruned{}) {
		t.Errorf("second prune: got %+v, want nothing deleted", again)
	}
}

func TestOpenRejectsBadOptions(t *testing.T) {
	tests := []struct {
		name string
		opts db.Options
	}{
		{"history retention under 400 days", db.Options{HistoryRetention: 399 * 24 * time.Hour}},
		{"negative raw retention", db.Options{RawRetention: -time.Hour}},
		{"negative batch", db.Options{MaxBatch: -1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := db.Open(t.TempDir()+"/x.db", tc.opts)
			if err == nil {
				d.Close()
				t.Fatalf("got nil error, want an option error")
			}
		})
	}
}
