package sla

import (
	"math/rand/v2"
	"testing"
)

// randomMinutes is a location's minutes with the shapes real evidence has:
// long clean stretches, outages, flapping, silence.
func randomMinutes(r *rand.Rand, n int) []LocationMinute {
	out := make([]LocationMinute, n)
	for i := 0; i < n; {
		k := min(n-i, 1+r.IntN(30))
		var proto LocationMinute
		for range r.IntN(4) {
			switch r.IntN(5) {
			case 0, 1:
				proto.Add(true)
			case 2, 3:
				proto.Add(false)
			}
		}
		shape := r.IntN(4)
		for j := range k {
			var m LocationMinute
			switch shape {
			case 0: // identical minutes
				m = proto
			case 1: // random runs each minute
				for range r.IntN(7) {
					m.Add(r.IntN(3) != 0)
				}
			case 2: // all failing
				for range 1 + r.IntN(6) {
					m.Add(false)
				}
			case 3: // silence
			}
			out[i+j] = m
		}
		i += k
	}
	return out
}

func toRuns(ms []LocationMinute) []MinuteRun {
	var out []MinuteRun
	for _, m := range ms {
		if k := len(out); k > 0 && out[k-1].Minute == m {
			out[k-1].Count++
			continue
		}
		out = append(out, MinuteRun{1, m})
	}
	return out
}

// TestRunFormsAgreeWithMinuteForms checks the run-length functions against
// their minute-by-minute twins on random evidence.
func TestRunFormsAgreeWithMinuteForms(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for trial := range 500 {
		n := 1 + r.IntN(400)
		locs := make([][]LocationMinute, 1+r.IntN(4))
		runs := make([][]MinuteRun, len(locs))
		for i := range locs {
			locs[i] = randomMinutes(r, n)
			runs[i] = toRuns(locs[i])
		}
		c := Confirmation{Failures: r.IntN(5), Quorum: r.IntN(len(locs) + 1), MinReporting: r.IntN(len(locs) + 1)}
		want := MinuteStates(locs, c)
		got := ExpandStates(MinuteStateRuns(runs, c))
		if len(got) != len(want) {
			t.Fatalf("trial %d: %d minutes from runs, want %d", trial, len(got), len(want))
		}
		for m := range want {
			if got[m] != want[m] {
				t.Fatalf("trial %d (%+v): minute %d is %s from runs, %s minute by minute", trial, c, m, got[m], want[m])
			}
		}
	}
}

func TestCombineRunsAgreesWithCombine(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for trial := range 300 {
		n := 1 + r.IntN(200)
		checks := make([][]State, r.IntN(4))
		runs := make([][]StateRun, len(checks))
		for i := range checks {
			checks[i] = make([]State, n)
			for m := range n {
				if m > 0 && r.IntN(4) != 0 {
					checks[i][m] = checks[i][m-1]
				} else {
					checks[i][m] = State(r.IntN(4))
				}
				runs[i] = appendState(runs[i], 1, checks[i][m])
			}
		}
		want := Combine(checks, n)
		got := ExpandStates(CombineRuns(runs, n))
		for m := range want {
			if got[m] != want[m] {
				t.Fatalf("trial %d: minute %d is %s from runs, %s minute by minute", trial, m, got[m], want[m])
			}
		}
	}
}
