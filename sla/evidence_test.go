package sla

import (
	"math/big"
	"testing"
	"time"
)

func TestFactsFromEvidence(t *testing.T) {
	per := Period{Start: time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2024, 6, 1, 0, 10, 0, 0, time.UTC), Location: time.UTC}
	U, D, N, G := StateUp, StateDown, StateUnknown, StateDegraded
	web := CheckEvidence{CheckID: "web", Start: per.Start, States: []State{U, U, D, D, U, U, N, U, U, U}}
	imap := CheckEvidence{CheckID: "imap", Start: per.Start, States: []State{U, U, U, U, U, D, U, U, G, U}}
	f, cov, err := FactsFromEvidence(Policy{Target: big.NewRat(999, 10)}, per, []CheckEvidence{web, imap})
	if err != nil {
		t.Fatal(err)
	}
	got := NewSet(intervalsOf(f.Downtime)...).Intervals()
	if len(got) != 2 || !got[0].Start.Equal(per.Start.Add(2*time.Minute)) || got[0].Duration() != 2*time.Minute ||
		!got[1].Start.Equal(per.Start.Add(5*time.Minute)) || got[1].Duration() != time.Minute {
		t.Errorf("downtime: got %v, want [00:02, 00:04) from web and [00:05, 00:06) from imap", got)
	}
	if cov.Minutes != 10 || cov.Covered != 9 {
		t.Errorf("coverage: got %d of %d, want 9 of 10 (one check silent in one minute)", cov.Covered, cov.Minutes)
	}

	// Evidence that starts late leaves the early minutes uncovered, not up.
	late := CheckEvidence{CheckID: "web", Start: per.Start.Add(5 * time.Minute), States: []State{U, U, U, U, U}}
	_, cov, err = FactsFromEvidence(Policy{Target: big.NewRat(999, 10)}, per, []CheckEvidence{late})
	if err != nil {
		t.Fatal(err)
	}
	if cov.Minutes != 10 || cov.Covered != 5 {
		t.Errorf("late evidence: got %d of %d, want 5 of 10: the minutes before it are not covered", cov.Covered, cov.Minutes)
	}
}

func TestFactsFromEvidenceSamples(t *testing.T) {
	per := Period{Start: time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2024, 6, 1, 0, 3, 0, 0, time.UTC), Location: time.UTC}
	p := Policy{Target: big.NewRat(999, 10), Measure: MeasureSlices, Slice: time.Minute, SliceValue: SliceRatio}
	a := CheckEvidence{Start: per.Start, States: []State{StateUp, StateDown, StateUp}, Runs: []int{6, 6, 0}, Failed: []int{0, 6, 0}}
	b := CheckEvidence{Start: per.Start, States: []State{StateUp, StateUp, StateUp}, Runs: []int{6, 6, 6}, Failed: []int{1, 0, 0}}
	f, _, err := FactsFromEvidence(p, per, []CheckEvidence{a, b})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Samples) != 3 || f.Samples[0].Total != 12 || f.Samples[0].Errors != 1 || f.Samples[1].Errors != 6 || f.Samples[2].Total != 6 {
		t.Errorf("samples: got %+v", f.Samples)
	}
	if len(f.Downtime) != 0 {
		t.Errorf("sample-based measures get no downtime facts: got %v", f.Downtime)
	}
	if _, _, err := FactsFromEvidence(p, per, []CheckEvidence{{Start: per.Start, States: []State{StateUp}}}); err == nil {
		t.Error("samples without run counts accepted")
	}
	if _, _, err := FactsFromEvidence(Policy{Target: big.NewRat(99, 1), Measure: MeasureRequests}, per, nil); err == nil {
		t.Error("measure requests accepted from probe evidence")
	}
}

func intervalsOf(os []Outage) []Interval {
	out := make([]Interval, len(os))
	for i, o := range os {
		out[i] = o.Interval
	}
	return out
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
