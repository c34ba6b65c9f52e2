package storetest

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/store"
)

func testImportHistory(t *testing.T, s suite) {
	d := s.openWith(t, Options{})
	ctx := context.Background()
	day := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	ok := sla.LocationMinute{OK: 6}
	down := sla.LocationMinute{Fail: 6, Lead: 6, Trail: 6, MaxRun: 6}
	h := sla.RunHistory{
		Start: day, Minutes: 2 * 1440, Locations: []string{"eu", "us"},
		Runs: [][]sla.MinuteRun{
			{{Count: 1000, Minute: ok}, {Count: 30, Minute: down}, {Count: 1850, Minute: ok}}, // across midnight
			{{Count: 1440}, {Count: 1440, Minute: ok}},                                        // silent on day one
		},
	}
	if err := d.ImportHistory(ctx, "web", h); err != nil {
		t.Fatal(err)
	}
	got, err := d.MinuteRuns(ctx, "web", day, day.Add(48*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Runs, h.Runs) || !reflect.DeepEqual(got.Locations, h.Locations) {
		t.Errorf("read back %+v\nwant %+v", got.Runs, h.Runs)
	}
	if err := d.ImportHistory(ctx, "web", h); !errors.Is(err, store.ErrHistoryExists) {
		t.Errorf("second import: got %v, want ErrHistoryExists", err)
	}
	for _, bad := range []sla.RunHistory{
		{Start: day.Add(time.Hour), Minutes: 1440, Locations: []string{"eu"}, Runs: [][]sla.MinuteRun{{{Count: 1440, Minute: ok}}}},
		{Start: day, Minutes: 100, Locations: []string{"eu"}, Runs: [][]sla.MinuteRun{{{Count: 100, Minute: ok}}}},
		{Start: day.Add(72 * time.Hour), Minutes: 1440, Locations: []string{"eu"}, Runs: [][]sla.MinuteRun{{{Count: 1000, Minute: ok}}}},
	} {
		if err := d.ImportHistory(ctx, "other", bad); err == nil {
			t.Errorf("import of %d minutes from %v accepted", bad.Minutes, bad.Start)
		}
	}
	if _, err := d.MinuteRuns(ctx, "other", day, day.Add(time.Hour)); !errors.Is(err, sla.ErrNoEvidence) {
		t.Errorf("a refused import left Evidence: %v", err)
	}
}
