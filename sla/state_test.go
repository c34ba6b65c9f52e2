package sla

import (
	"testing"
	"time"
)

// runs builds one location's minutes from a picture: per minute a string of
// runs, "o" passed and "x" failed; "" is a minute without runs.
func runs(minutes ...string) []LocationMinute {
	out := make([]LocationMinute, len(minutes))
	for i, m := range minutes {
		for _, r := range m {
			out[i].Add(r == 'o')
		}
	}
	return out
}

func TestMinuteStates(t *testing.T) {
	U, D, G, N := StateUp, StateDown, StateDegraded, StateUnknown
	cases := []struct {
		name string
		locs [][]LocationMinute
		c    Confirmation
		want []State
	}{
		{"every failure counts by default", [][]LocationMinute{runs("oo", "xx", "oo")}, Confirmation{}, []State{U, D, U}},
		{"no data is unknown, never up or down", [][]LocationMinute{runs("", "oo", "")}, Confirmation{}, []State{N, U, N}},
		{"retries below the confirmation are not downtime",
			[][]LocationMinute{runs("oo", "xx", "oo")}, Confirmation{Failures: 3}, []State{U, U, U}},
		{"a confirmed streak counts from its first failure",
			[][]LocationMinute{runs("oo", "xx", "xo")}, Confirmation{Failures: 3}, []State{U, D, D}},
		{"streaks run across minutes without data",
			[][]LocationMinute{runs("ox", "", "xo")}, Confirmation{Failures: 2}, []State{D, N, D}},
		{"a lone failure across a gap is not a streak of two",
			[][]LocationMinute{runs("ox", "", "oo")}, Confirmation{Failures: 2}, []State{U, N, U}},
		{"a streak inside one minute",
			[][]LocationMinute{runs("oxxxo")}, Confirmation{Failures: 3}, []State{D}},
		{"fewer confirmed failures than passing runs is partial",
			[][]LocationMinute{runs("ooox", "xooo")}, Confirmation{Failures: 2}, []State{G, G}},
		{"one location of three is not a quorum",
			[][]LocationMinute{runs("xx"), runs("oo"), runs("oo")}, Confirmation{}, []State{G}},
		{"two locations of three are the default quorum",
			[][]LocationMinute{runs("xx"), runs("xx"), runs("oo")}, Confirmation{}, []State{D}},
		{"an explicit quorum of one",
			[][]LocationMinute{runs("xx"), runs("oo"), runs("oo")}, Confirmation{Quorum: 1}, []State{D}},
		{"silent locations do not lower the quorum",
			[][]LocationMinute{runs("xx"), runs(""), runs("")}, Confirmation{}, []State{G}},
		{"two of two needed by default",
			[][]LocationMinute{runs("xx", "xx"), runs("xx", "oo")}, Confirmation{}, []State{D, G}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := MinuteStates(tc.locs, tc.c)
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("got %v, want %v", got, tc.want)
				}
			}
		})
	}
}

func TestDowntimeAndUnknownSets(t *testing.T) {
	start := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	states := []State{StateUp, StateDown, StateDown, StateUnknown, StateDown, StateMaintenance}
	down := Downtime(start, states).Intervals()
	if len(down) != 2 || down[0].Duration() != 2*time.Minute || !down[0].Start.Equal(start.Add(time.Minute)) ||
		!down[1].Start.Equal(start.Add(4*time.Minute)) {
		t.Errorf("downtime: got %v", down)
	}
	if u := Unknown(start, states).Duration(); u != time.Minute {
		t.Errorf("unknown: got %s, want 1m", u)
	}
}

func TestConfirmationValidate(t *testing.T) {
	if err := (Confirmation{Failures: 3, Quorum: 2}).Validate(3); err != nil {
		t.Errorf("valid confirmation refused: %v", err)
	}
	if err := (Confirmation{Quorum: 4}).Validate(3); err == nil || err.Error() != "quorum: 4 is not between 1 and the 3 locations" {
		t.Errorf("quorum above locations: got %v", err)
	}
	if err := (Confirmation{Failures: 300}).Validate(1); err == nil {
		t.Error("failures above 255 accepted")
	}
}
