package sla

import (
	"math/big"
	"testing"
	"time"
)

func TestFactsFromRuns(t *testing.T) {
	per := Period{Start: time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2024, 6, 1, 0, 10, 0, 0, time.UTC), Location: time.UTC}
	U, D, N := StateUp, StateDown, StateUnknown
	states := []StateRun{{2, U}, {2, D}, {1, U}, {1, D}, {1, N}, {3, U}}
	f, cov, err := FactsFromRuns(Policy{Target: big.NewRat(999, 10)}, per, states, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := NewSet(intervalsOf(f.Downtime)...).Intervals()
	if len(got) != 2 || !got[0].Start.Equal(per.Start.Add(2*time.Minute)) || got[0].Duration() != 2*time.Minute ||
		!got[1].Start.Equal(per.Start.Add(5*time.Minute)) || got[1].Duration() != time.Minute {
		t.Errorf("downtime: got %v, want [00:02, 00:04) and [00:05, 00:06)", got)
	}
	if cov.Minutes != 10 || cov.Covered != 9 {
		t.Errorf("coverage: got %d of %d, want 9 of 10", cov.Covered, cov.Minutes)
	}
	if _, _, err := FactsFromRuns(Policy{Target: big.NewRat(99, 1), Measure: MeasureRequests}, per, states, nil); err == nil {
		t.Error("measure requests accepted from probe evidence")
	}
}

// TestFactsFromRunsSamples: per-minute counts become sample runs cut at the
// slice boundaries, so that a five-minute slice sums its five minutes.
func TestFactsFromRunsSamples(t *testing.T) {
	per := Period{Start: time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2024, 6, 1, 0, 10, 0, 0, time.UTC), Location: time.UTC}
	p := Policy{Target: big.NewRat(999, 10), Measure: MeasureSlices, Slice: 5 * time.Minute, SliceValue: SliceRatio}
	states := []StateRun{{10, StateUp}}
	// Minutes 0-2: 100 runs, none failed; 3-6: 100 runs, all failed; 7-9: none.
	counts := []CountRun{{3, 100, 0}, {4, 100, 100}, {3, 0, 0}}
	f, _, err := FactsFromRuns(p, per, states, counts)
	if err != nil {
		t.Fatal(err)
	}
	out, err := Evaluate(Case{Policy: p, Period: per, Fee: Money{Amount: big.NewRat(1, 1), Currency: "USD"}, Facts: f})
	if err != nil {
		t.Fatal(err)
	}
	// Slice one: 200 of 500 failed over 5 minutes = 2; slice two: 200 of
	// 200 (minutes 7-9 saw nothing) = 5. Downtime 7 minutes.
	if got := *out.Report().DowntimeMinutes; got != "7" {
		t.Errorf("downtime: got %s, want 7", got)
	}
	if _, _, err := FactsFromRuns(p, per, states, []CountRun{{9, 1, 0}}); err == nil {
		t.Error("counts of the wrong length accepted")
	}
}

func TestCountRunsAndWindow(t *testing.T) {
	a := []MinuteRun{{3, LocationMinute{OK: 6}}, {2, LocationMinute{Fail: 6, Lead: 6, Trail: 6, MaxRun: 6}}}
	b := []MinuteRun{{1, LocationMinute{}}, {4, LocationMinute{OK: 5, Fail: 1, Lead: 1, MaxRun: 1}}}
	got := CountRuns([][]MinuteRun{a, b})
	want := []CountRun{{1, 6, 0}, {2, 12, 1}, {2, 12, 7}}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
	if sum := SumCountRuns([][]CountRun{got, got}); sum[2].Failed != 14 || RunMinutesCount(sum) != 5 {
		t.Errorf("sum: %v", sum)
	}
	bad, counted := WindowRuns([]StateRun{{100, StateUp}, {3, StateDown}, {2, StateUnknown}, {5, StateUp}}, 12)
	if bad != 3*time.Minute || counted != 10*time.Minute {
		t.Errorf("window: %s bad of %s, want 3m of 10m", bad, counted)
	}
}

func TestCombine(t *testing.T) {
	U, D, N, G := StateUp, StateDown, StateUnknown, StateDegraded
	got := Combine([][]State{{U, U, N, G, D, U}, {U, D, U, U, N, G}}, 6)
	want := []State{U, D, N, G, D, G}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
	if got := Combine(nil, 2); got[0] != N || got[1] != N {
		t.Errorf("no checks: got %v, want unknown", got)
	}
}

func intervalsOf(os []Outage) []Interval {
	out := make([]Interval, len(os))
	for i, o := range os {
		out[i] = o.Interval
	}
	return out
}
