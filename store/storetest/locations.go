package storetest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/store"
)

// testLocationLeaseAndHealth walks one location through its agents: the
// first claim holds it, a second agent is refused while the lease runs and
// changes nothing, the holder's batches move the health (a watermark that
// never moves back, a clock refusal that a stored batch clears), the
// standby takes the location once the lease expired and the old holder's
// batch is then refused; all of it survives a reopen.
func testLocationLeaseAndHealth(t *testing.T, s suite) {
	ctx := context.Background()
	open := s.fresh(t)
	d := open(t, Options{Now: FixedNow})
	if ls, err := d.LocationStates(ctx); err != nil || len(ls) != 0 {
		t.Fatalf("empty store: got %+v, %v; want none", ls, err)
	}
	t0 := At(0, 0)
	claim := func(agent string, at time.Time, offset time.Duration) (store.LocationState, error) {
		return d.ClaimLocation(ctx, store.LocationClaim{Location: "us-east", Agent: agent, At: at, TTL: 30 * time.Second,
			ClockOffset: offset, RoundTrip: 4 * time.Millisecond})
	}
	batch := func(agent string, at, through time.Time, n int, refused bool) (store.LocationState, error) {
		return d.RecordLocationBatch(ctx, store.LocationBatch{Location: "us-east", Agent: agent, At: at, Through: through, Results: n, ClockRefused: refused})
	}
	if _, err := claim("a1", t0, 120*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if _, err := batch("a1", t0.Add(time.Second), t0.Add(-2*time.Second), 3, false); err != nil {
		t.Fatal(err)
	}
	if _, err := claim("a2", t0.Add(10*time.Second), 0); !errors.Is(err, store.ErrLocationHeld) || !strings.Contains(err.Error(), "a1") {
		t.Errorf("a second agent while the lease runs: got %v, want ErrLocationHeld naming a1", err)
	}
	if _, err := batch("a2", t0.Add(10*time.Second), t0.Add(5*time.Second), 1, false); !errors.Is(err, store.ErrLocationLost) {
		t.Errorf("a batch of an agent that does not hold the location: got %v, want ErrLocationLost", err)
	}
	// An older result (a retry) does not move the watermark back; a
	// clock refusal is recorded, a stored batch clears it.
	if _, err := batch("a1", t0.Add(11*time.Second), t0.Add(-time.Minute), 1, false); err != nil {
		t.Fatal(err)
	}
	if st, err := batch("a1", t0.Add(12*time.Second), time.Time{}, 0, true); err != nil || !st.ClockRefused {
		t.Errorf("clock refusal: got %+v, %v", st, err)
	}
	want := store.LocationState{Location: "us-east", Agent: "a1", Expires: t0.Add(30 * time.Second), LastSeen: t0,
		LastBatch: t0.Add(11 * time.Second), CompleteThrough: t0.Add(-2 * time.Second), ClockOffset: 120 * time.Millisecond,
		RoundTrip: 4 * time.Millisecond, Results: 4, ClockRefused: true}
	d.Close()
	d = open(t, Options{Now: FixedNow})
	if ls, err := d.LocationStates(ctx); err != nil || len(ls) != 1 || ls[0] != want {
		t.Fatalf("after a reopen: got %+v, %v; want [%+v]", ls, err, want)
	}
	if !want.Live(t0.Add(29*time.Second)) || want.Live(t0.Add(30*time.Second)) {
		t.Error("Live: want live before the lease's end and not at it")
	}
	// The lease expired: the standby takes over, the old holder is out.
	st, err := claim("a2", t0.Add(30*time.Second), -time.Second)
	if err != nil || st.Agent != "a2" || st.Results != 4 || !st.CompleteThrough.Equal(t0.Add(-2*time.Second)) {
		t.Fatalf("the standby after the lease expired: got %+v, %v; want a2 holding, the health kept", st, err)
	}
	if _, err := batch("a1", t0.Add(31*time.Second), t0.Add(20*time.Second), 1, false); !errors.Is(err, store.ErrLocationLost) {
		t.Errorf("the old holder's batch: got %v, want ErrLocationLost", err)
	}
	if st, err := batch("a2", t0.Add(32*time.Second), t0.Add(25*time.Second), 2, false); err != nil || st.ClockRefused ||
		!st.CompleteThrough.Equal(t0.Add(25*time.Second)) || st.Results != 6 {
		t.Errorf("the new holder's batch: got %+v, %v; want the refusal cleared, complete through +25s, 6 results", st, err)
	}
}

// testLocationClaimsRacingOneWins: agents claiming a free location at once,
// through two handles, leave exactly one holding it.
func testLocationClaimsRacingOneWins(t *testing.T, s suite) {
	ctx := context.Background()
	open := s.fresh(t)
	handles := []store.Store{open(t, Options{}), open(t, Options{})}
	won := raceOneWins(t, store.ErrLocationHeld, func(i int) error {
		_, err := handles[i%2].ClaimLocation(ctx, store.LocationClaim{Location: "eu-west", Agent: string(rune('a' + i)), At: At(0, 0), TTL: time.Minute})
		return err
	})
	if ls, err := handles[0].LocationStates(ctx); won != 1 || err != nil || len(ls) != 1 {
		t.Errorf("got %d holders and states %+v, %v; want 1 holder, 1 state", won, ls, err)
	}
}

// testLocationsRefuseBadInput: claims and batches no store may record are
// refused naming the problem, and change nothing.
func testLocationsRefuseBadInput(t *testing.T, s suite) {
	ctx := context.Background()
	d := s.open(t)
	claims := []struct {
		name string
		c    store.LocationClaim
		want string
	}{
		{"empty location", store.LocationClaim{Agent: "a", At: At(0, 0), TTL: time.Minute}, "empty location"},
		{"empty agent", store.LocationClaim{Location: "x", Agent: " ", At: At(0, 0), TTL: time.Minute}, "agent"},
		{"agent too long", store.LocationClaim{Location: "x", Agent: strings.Repeat("a", 65), At: At(0, 0), TTL: time.Minute}, "1 to 64 bytes"},
		{"no time", store.LocationClaim{Location: "x", Agent: "a", TTL: time.Minute}, "no time"},
		{"ttl too short", store.LocationClaim{Location: "x", Agent: "a", At: At(0, 0), TTL: time.Millisecond}, "ttl"},
	}
	for _, tc := range claims {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := d.ClaimLocation(ctx, tc.c); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error naming %q", err, tc.want)
			}
		})
	}
	batches := []struct {
		name string
		b    store.LocationBatch
		want string
	}{
		{"empty agent", store.LocationBatch{Location: "x", At: At(0, 0)}, "empty location or agent"},
		{"negative results", store.LocationBatch{Location: "x", Agent: "a", At: At(0, 0), Results: -1}, "-1 results"},
		{"refused yet stored", store.LocationBatch{Location: "x", Agent: "a", At: At(0, 0), Results: 2, ClockRefused: true}, "refused for its clock"},
	}
	for _, tc := range batches {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := d.RecordLocationBatch(ctx, tc.b); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error naming %q", err, tc.want)
			}
		})
	}
	// A well-formed batch for a location nobody claimed gets as far as
	// the location's row, and is refused there: the row goes with it.
	if _, err := d.RecordLocationBatch(ctx, store.LocationBatch{Location: "x", Agent: "a", At: At(0, 0), Results: 2}); !errors.Is(err, store.ErrLocationLost) {
		t.Errorf("batch for an unclaimed location: %v, want ErrLocationLost", err)
	}
	if ls, err := d.LocationStates(ctx); err != nil || len(ls) != 0 {
		t.Errorf("after the refusals: %+v, %v; want nothing stored", ls, err)
	}
}
