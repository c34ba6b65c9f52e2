package store_test

import (
	"testing"
	"time"

	"github.com/slatehq/slate/store"
)

// TestHealths: the declared locations come first in their order, the
// collector's own as such, an agent's with its lease judged at now and its
// lag to the millisecond, a declared location no agent called for as
// "none", then an agent's location that is not declared.
func TestHealths(t *testing.T) {
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	states := []store.LocationState{
		{Location: "ap-south", Agent: "south-1", Expires: now, LastSeen: now.Add(-30 * time.Second)},
		{Location: "old", Agent: "old-1", Expires: now.Add(-time.Hour)},
		{Location: "us-east", Agent: "east-1", Expires: now.Add(time.Second), CompleteThrough: now.Add(-2500 * time.Millisecond),
			ClockOffset: 7 * time.Millisecond, Results: 4, ClockRefused: true},
	}
	got := store.Healths([]string{"eu-west", "us-east", "ap-south", "sa-east"}, []string{"", "Virginia", "", ""}, "eu-west", states, now)
	want := []store.LocationHealth{
		{Location: "eu-west", Source: "collector", Live: true},
		{Location: "us-east", Name: "Virginia", Source: "agent", Agent: "east-1", Live: true, LeaseExpires: now.Add(time.Second),
			CompleteThrough: now.Add(-2500 * time.Millisecond), LagSeconds: 2.5, ClockOffsetMS: 7, Results: 4, ClockRefused: true},
		{Location: "ap-south", Source: "agent", Agent: "south-1", LeaseExpires: now, LastSeen: now.Add(-30 * time.Second)},
		{Location: "sa-east", Source: "none"},
		{Location: "old", Source: "agent", Agent: "old-1", LeaseExpires: now.Add(-time.Hour)},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d locations, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("location %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
	// A collector's location that is not declared still shows.
	if hs := store.Healths(nil, nil, "local", nil, now); len(hs) != 1 || hs[0].Source != "collector" {
		t.Errorf("an undeclared collector location: %+v", hs)
	}
}

// TestTimeOrZero: an instant that may be absent survives the stores' way
// of keeping it: the zero time as 0 and back, any other to the
// millisecond, in UTC.
func TestTimeOrZero(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		in   time.Time
		want time.Time
	}{
		{"absent", time.Time{}, time.Time{}},
		{"in UTC", time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC), time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)},
		{"elsewhere, below the millisecond", time.Date(2026, 11, 27, 11, 0, 0, 1_500_000, paris), time.Date(2026, 11, 27, 10, 0, 0, 1_000_000, time.UTC)},
	} {
		got := store.TimeOrZero(store.UnixMilliOrZero(tc.in))
		if !got.Equal(tc.want) || got.Location() != time.UTC {
			t.Errorf("%s: %v, want %v in UTC", tc.name, got, tc.want)
		}
	}
}
