package db

import (
	"context"
	"testing"
	"time"

	"github.com/slatehq/slate/store"
)

// TestWindowUpdatesReadsOnlyThoseWindows: the updates read with one
// window (as the writer does before changing it) are that window's only,
// not every update of every window; with no condition, all of them.
func TestWindowUpdatesReadsOnlyThoseWindows(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	d := openTest(t, Options{Now: func() time.Time { return now }})
	var ids []int64
	for _, title := range []string{"Mail upgrade", "Disk swap"} {
		m, err := d.AddMaintenance(ctx, store.Maintenance{Services: []string{"mail"}, Title: title,
			Start: now.Add(time.Hour), End: now.Add(2 * time.Hour)}, "alice")
		if err != nil {
			t.Fatal(err)
		}
		for _, body := range []string{"On the calendar.", "Still on."} {
			if _, err := d.PostMaintenanceUpdate(ctx, m.ID, store.MaintenanceScheduled, title+": "+body, "bob"); err != nil {
				t.Fatal(err)
			}
		}
		ids = append(ids, m.ID)
	}
	for _, tc := range []struct {
		name  string
		where string
		args  []any
		want  map[int64]int // updates read per window
	}{
		{"one window", ` WHERE id = ?`, []any{ids[1]}, map[int64]int{ids[1]: 2}},
		{"every window", "", nil, map[int64]int{ids[0]: 2, ids[1]: 2}},
	} {
		us, err := queryWindowUpdates(ctx, d.rdb, tc.where, tc.args...)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		got := map[int64]int{}
		for _, u := range us {
			got[u.Maintenance]++
		}
		if len(got) != len(tc.want) {
			t.Errorf("%s: read updates of windows %v, want %v", tc.name, got, tc.want)
		}
		for id, n := range tc.want {
			if got[id] != n {
				t.Errorf("%s: read %d updates of window %d, want %d", tc.name, got[id], id, n)
			}
		}
	}
}
