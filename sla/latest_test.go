package sla

import (
	"math/rand/v2"
	"testing"
)

// minuteOf is one minute at one location from a run string: 'o' passed,
// 'x' failed, in order.
func minuteOf(runs string) LocationMinute {
	var m LocationMinute
	for _, c := range runs {
		m.Add(c == 'o')
	}
	return m
}

// locationOf is a location's runs, one minute per string.
func locationOf(minutes ...string) []MinuteRun {
	ms := make([]LocationMinute, len(minutes))
	for i, s := range minutes {
		ms[i] = minuteOf(s)
	}
	return toRuns(ms)
}

func TestLatestState(t *testing.T) {
	U, D, G, N := StateUp, StateDown, StateDegraded, StateUnknown
	cases := []struct {
		name     string
		locs     [][]MinuteRun
		c        Confirmation
		recent   int
		want     State
		wantDown []bool
	}{
		{"a failure at the end of a passing minute is down now", [][]MinuteRun{locationOf("oooo", "oooox")}, Confirmation{}, 2, D, []bool{true}},
		{"the minute rule would call it degraded", [][]MinuteRun{locationOf("ooooox")}, Confirmation{}, 1, D, []bool{true}},
		{"a pass after failures is up now", [][]MinuteRun{locationOf("xxxxo")}, Confirmation{}, 1, U, []bool{false}},
		{"an unconfirmed streak is up", [][]MinuteRun{locationOf("oooxx")}, Confirmation{Failures: 3}, 1, U, []bool{false}},
		{"a streak confirmed across minutes", [][]MinuteRun{locationOf("ooox", "x", "x")}, Confirmation{Failures: 3}, 1, D, []bool{true}},
		{"a streak confirmed across silence", [][]MinuteRun{locationOf("oxx", "", "x")}, Confirmation{Failures: 3}, 2, D, []bool{true}},
		{"a location silent in the recent minutes is silent", [][]MinuteRun{locationOf("xxx", "", "")}, Confirmation{}, 2, N, []bool{false}},
		{"one of three down is degraded", [][]MinuteRun{locationOf("x"), locationOf("o"), locationOf("o")}, Confirmation{}, 1, G, []bool{true, false, false}},
		{"two of three down is down", [][]MinuteRun{locationOf("x"), locationOf("ox"), locationOf("o")}, Confirmation{}, 1, D, []bool{true, true, false}},
		{"the silent could decide: unknown", [][]MinuteRun{locationOf("x"), locationOf("o"), locationOf("")}, Confirmation{}, 1, N, []bool{true, false, false}},
		{"too few reporting: unknown", [][]MinuteRun{locationOf("o"), locationOf(""), locationOf("")}, Confirmation{Quorum: 1, MinReporting: 2}, 1, N, []bool{false, false, false}},
		{"no locations", nil, Confirmation{}, 1, N, []bool{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, down := LatestState(tc.locs, tc.c, tc.recent)
			if got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
			if len(down) != len(tc.wantDown) {
				t.Fatalf("down %v, want %v", down, tc.wantDown)
			}
			for i := range down {
				if down[i] != tc.wantDown[i] {
					t.Errorf("down %v, want %v", down, tc.wantDown)
				}
			}
		})
	}
}

// TestLatestStateAgreesWithTheMinuteRule checks, on random evidence, that a
// location judged down now has a failing latest minute by MinuteStates
// (the present never calls an outage the minutes will not show), and that
// a location whose latest run passed is up now.
func TestLatestStateAgreesWithTheMinuteRule(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	for trial := range 2000 {
		ms := randomMinutes(r, 1+r.IntN(40))
		c := Confirmation{Failures: r.IntN(4)}
		_, down := LatestState([][]MinuteRun{toRuns(ms)}, c, len(ms))
		last := -1
		for i := len(ms) - 1; i >= 0; i-- {
			if ms[i].Runs() > 0 {
				last = i
				break
			}
		}
		if last < 0 {
			if down[0] {
				t.Fatalf("trial %d: a location without runs is down", trial)
			}
			continue
		}
		states := MinuteStates([][]LocationMinute{ms}, c)
		failing := states[last] == StateDown || states[last] == StateDegraded
		if down[0] && !failing {
			t.Fatalf("trial %d (%+v): down now, but its latest minute %d is %s: %+v", trial, c, last, states[last], ms)
		}
		if ms[last].Trail == 0 && down[0] {
			t.Fatalf("trial %d: the latest run passed, yet down now: %+v", trial, ms)
		}
	}
}
