package storetest

import (
	"cmp"
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/store"
)

func testWriteResultsRoundTrip(t *testing.T, s suite) {
	d := s.open(t)
	in := []sla.Result{
		{CheckID: "mail", Location: "fra", At: At(0, 0), OK: true, Latency: 1234 * time.Microsecond},
		{CheckID: "mail", Location: "", At: At(0, 0), OK: true, Latency: 2 * time.Second},
		{CheckID: "mail", Location: "fra", At: At(0, 30), OK: false, Latency: 5 * time.Second, Class: sla.ClassTimeout, Detail: "no answer within 5s"},
		{CheckID: "mail", Location: "nyc", At: At(1, 0), OK: false, Class: sla.FailureClass("quota"), Detail: "a class the store has never seen"},
		{CheckID: "mail", Location: "nyc", At: At(2, 0).Add(7 * time.Millisecond), OK: false, Class: sla.ClassNone},
		{CheckID: "login", Location: "fra", At: At(0, 0), OK: true},
	}
	Write(t, d, in...)

	got, err := d.Results(context.Background(), "mail", At(0, 0), At(3, 0))
	if err != nil {
		t.Fatal(err)
	}
	want := slices.Clone(in[:5])
	// Results of one instant come in location-id order; compare by name.
	byTimeAndLocation := func(a, b sla.Result) int {
		return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.Location, b.Location))
	}
	slices.SortFunc(got, byTimeAndLocation)
	slices.SortFunc(want, byTimeAndLocation)
	if len(got) != len(want) {
		t.Fatalf("got %d results, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if !got[i].At.Equal(want[i].At) || got[i].At.Location() != time.UTC {
			t.Errorf("result %d: got At %v, want %v in UTC", i, got[i].At, want[i].At)
		}
		got[i].At, want[i].At = time.Time{}, time.Time{}
		if got[i] != want[i] {
			t.Errorf("result %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}

func testWriteResultsRetryStoresOnce(t *testing.T, s suite) {
	d := s.open(t)
	batch := []sla.Result{
		Result("api", "a", At(0, 0), true),
		Result("api", "a", At(0, 20), false),
		Result("api", "a", At(0, 40), true),
	}
	tests := []struct {
		name string
		rs   []sla.Result
	}{
		{"first write", batch},
		{"retry of the whole call", batch},
		{"retry of one result, same millisecond", []sla.Result{Result("api", "a", At(0, 20).Add(300*time.Microsecond), false)}},
		{"duplicate inside one call", []sla.Result{batch[0], batch[0]}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			Write(t, d, tc.rs...)
			got, err := d.Results(context.Background(), "api", At(0, 0), At(1, 0))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 3 {
				t.Errorf("got %d stored results, want 3", len(got))
			}
			h, err := d.MinuteHistory(context.Background(), "api", At(0, 0), At(1, 0))
			if err != nil {
				t.Fatal(err)
			}
			want := sla.LocationMinute{OK: 2, Fail: 1, MaxRun: 1}
			if len(h.Minutes) != 1 || len(h.Minutes[0]) != 1 || h.Minutes[0][0] != want {
				t.Errorf("got history %+v, want one minute %+v", h.Minutes, want)
			}
		})
	}
}

func testWriteResultsRejectsInvalid(t *testing.T, s suite) {
	d := s.open(t)
	tests := []struct {
		name string
		r    sla.Result
	}{
		{"empty check", sla.Result{At: At(0, 0), OK: true}},
		{"zero time", sla.Result{CheckID: "api", OK: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := d.WriteResults(context.Background(), []sla.Result{Result("api", "a", At(5, 0), true), tc.r}); err == nil {
				t.Fatalf("got nil error, want a validation error")
			}
			if got, err := d.Results(context.Background(), "api", At(0, 0), At(10, 0)); err == nil && len(got) != 0 {
				t.Errorf("got %d results stored from a rejected call, want 0", len(got))
			}
		})
	}
}

func testWriteResultsAfterClose(t *testing.T, s suite) {
	d := s.fresh(t)(t, Options{})
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	err := d.WriteResults(context.Background(), []sla.Result{Result("api", "a", At(0, 0), true)})
	if !errors.Is(err, store.ErrClosed) {
		t.Errorf("got %v, want ErrClosed", err)
	}
	if err := d.Close(); err != nil {
		t.Errorf("second close: got %v, want nil", err)
	}
	ctx := context.Background()
	reads := []struct {
		name string
		call func() error
	}{
		{"Results", func() error { _, err := d.Results(ctx, "api", At(0, 0), At(1, 0)); return err }},
		{"LatestResults", func() error { _, err := d.LatestResults(ctx, "api", 1); return err }},
		{"MinuteHistory", func() error { _, err := d.MinuteHistory(ctx, "api", At(0, 0), At(1, 0)); return err }},
		{"Prune", func() error { _, err := d.Prune(ctx, At(0, 0)); return err }},
	}
	for _, tc := range reads {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.call(); !errors.Is(err, store.ErrClosed) {
				t.Errorf("got %v, want ErrClosed", err)
			}
		})
	}
}

func testCloseFlushesQueuedWrites(t *testing.T, s suite) {
	reopen := s.fresh(t)
	d := reopen(t, Options{Now: FixedNow})
	const writers = 16
	type outcome struct {
		sec int
		err error
	}
	outcomes := make(chan outcome, writers)
	for i := range writers {
		go func() {
			outcomes <- outcome{i, d.WriteResults(context.Background(), []sla.Result{Result("api", "a", At(0, i), true)})}
		}()
	}
	var acked []int
	for i := range writers {
		o := <-outcomes
		if o.err == nil {
			acked = append(acked, o.sec)
		} else if !errors.Is(o.err, store.ErrClosed) {
			t.Errorf("write %d: got %v, want nil or ErrClosed", o.sec, o.err)
		}
		if i == writers/2 {
			go d.Close()
		}
	}
	d.Close()
	d = reopen(t, Options{Now: FixedNow})
	defer d.Close()
	got, err := d.Results(context.Background(), "api", At(0, 0), At(1, 0))
	if err != nil {
		t.Fatal(err)
	}
	stored := map[int]bool{}
	for _, r := range got {
		stored[r.At.Second()] = true
	}
	for _, sec := range acked {
		if !stored[sec] {
			t.Errorf("result at second %d: acknowledged but not stored", sec)
		}
	}
}

// TestMinuteHistoryOutOfOrder writes the runs of one minute in every kind
// of order — in one call, one call per run, across a reopen — and checks
// the history equals the runs folded in time order.
func testMinuteHistoryOutOfOrder(t *testing.T, s suite) {
	// Eight runs in one minute, F F F O O F O F: Lead 3, Trail 1, MaxRun
	// 3. Reversed it would be Lead 1, Trail 3, so any wrong order shows.
	pattern := []bool{false, false, false, true, true, false, true, false}
	var runs []sla.Result
	for i, ok := range pattern {
		runs = append(runs, Result("api", "a", At(0, i*7), ok))
	}
	// A neighbouring minute and location, in order, so that "latest run of
	// the location" is later than the late runs.
	runs = append(runs, Result("api", "a", At(1, 0), true), Result("api", "b", At(0, 0), false))
	want := Fold(runs)

	reversed := slices.Clone(runs)
	slices.Reverse(reversed)
	shuffled := slices.Clone(runs)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })

	tests := []struct {
		name   string
		calls  [][]sla.Result
		reopen bool // close and reopen between calls, so the cache is cold
	}{
		{"in order, one call", [][]sla.Result{runs}, false},
		{"reversed, one call", [][]sla.Result{reversed}, false},
		{"shuffled, one call per run", split(shuffled), false},
		{"late half after the rest", [][]sla.Result{runs[5:], runs[:5]}, false},
		{"late half after reopen", [][]sla.Result{runs[5:], runs[:5]}, true},
		{"reversed one per call across reopens", split(reversed), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			reopen := s.fresh(t)
			d := reopen(t, Options{Now: FixedNow})
			for _, call := range tc.calls {
				Write(t, d, call...)
				if tc.reopen {
					if err := d.Close(); err != nil {
						t.Fatal(err)
					}
					d = reopen(t, Options{Now: FixedNow})
				}
			}
			defer d.Close()
			h, err := d.MinuteHistory(context.Background(), "api", At(0, 0), At(2, 0))
			if err != nil {
				t.Fatal(err)
			}
			if diff := DiffHistory(h, want); diff != "" {
				t.Errorf("history differs from the runs folded in time order:\n%s", diff)
			}
		})
	}
}

func split(rs []sla.Result) [][]sla.Result {
	out := make([][]sla.Result, len(rs))
	for i := range rs {
		out[i] = rs[i : i+1]
	}
	return out
}

// TestMinuteHistoryLateBeyondRawRetention: when the raw results of a
// minute may be gone, a late run is still counted (counts exact) instead
// of the minute being rebuilt from what is left.
func testMinuteHistoryLateBeyondRawRetention(t *testing.T, s suite) {
	later := func() time.Time { return At(0, 0).Add(30 * 24 * time.Hour) }
	d := s.openWith(t, Options{Now: later})
	Write(t, d, Result("api", "a", At(0, 30), true))
	Write(t, d, Result("api", "a", At(0, 10), false))
	h, err := d.MinuteHistory(context.Background(), "api", At(0, 0), At(1, 0))
	if err != nil {
		t.Fatal(err)
	}
	if got := h.Minutes[0][0]; got.OK != 1 || got.Fail != 1 {
		t.Errorf("got %+v, want OK 1 Fail 1", got)
	}
}
