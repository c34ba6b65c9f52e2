package sla

import (
	"os"
	"slices"
	"strconv"
	"strings"
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

// minuteCase is a check's evidence, its confirmation and the minutes it
// must give.
type minuteCase struct {
	name string
	locs [][]LocationMinute
	c    Confirmation
	want []State
}

// judgeCases runs each case through MinuteStates and, from the same
// evidence in run-length form, through MinuteStateRuns.
func judgeCases(t *testing.T, cases []minuteCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := MinuteStates(tc.locs, tc.c); !slices.Equal(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			rs := make([][]MinuteRun, len(tc.locs))
			for i, l := range tc.locs {
				rs[i] = toRuns(l)
			}
			if got := ExpandStates(MinuteStateRuns(rs, tc.c)); !slices.Equal(got, tc.want) {
				t.Fatalf("from runs: got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestMinuteStates(t *testing.T) {
	U, D, G, N := StateUp, StateDown, StateDegraded, StateUnknown
	judgeCases(t, []minuteCase{
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
		{"silent locations do not lower the quorum, and their silence leaves the minute unknown",
			[][]LocationMinute{runs("xx"), runs(""), runs("")}, Confirmation{}, []State{N}},
		{"two of two needed by default",
			[][]LocationMinute{runs("xx", "xx"), runs("xx", "oo")}, Confirmation{}, []State{D, G}},
	})
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
	if err := (Confirmation{Quorum: 2, MinReporting: 3}).Validate(3); err != nil {
		t.Errorf("min_reporting of every location refused: %v", err)
	}
	if err := (Confirmation{MinReporting: 4}).Validate(3); err == nil || err.Error() != "min_reporting: 4 is not between 1 and the 3 locations" {
		t.Errorf("min_reporting above locations: got %v", err)
	}
	if err := (Confirmation{MinReporting: -1}).Validate(3); err == nil || err.Error() != "min_reporting: -1 is not between 1 and the 3 locations" {
		t.Errorf("negative min_reporting: got %v", err)
	}
}

// TestMinuteRule: how the quorum, the minimum of reporting locations and
// confirmation meet when some locations are silent.
func TestMinuteRule(t *testing.T) {
	U, D, G, N := StateUp, StateDown, StateDegraded, StateUnknown
	judgeCases(t, []minuteCase{
		{"an outage seen by the one reporting location of three is neither up nor down",
			[][]LocationMinute{runs("ooo", "xxx", "xxx", "xoo", "ooo"), runs("", "", "", "", ""), runs("", "", "", "", "")},
			Confirmation{}, []State{N, N, N, N, N}},
		{"the same outage from two of three, the third silent, is down",
			[][]LocationMinute{runs("ooo", "xxx", "xxx", "ooo"), runs("ooo", "xxx", "xxx", "ooo"), runs("", "", "", "")},
			Confirmation{}, []State{U, D, D, U}},
		{"a location falling silent leaves the minutes it cannot decide judged",
			[][]LocationMinute{runs("oo", "oo", "xx"), runs("oo", "", ""), runs("oo", "oo", "oo")},
			Confirmation{}, []State{U, U, N}},
		{"an unconfirmed failure is a report of up",
			[][]LocationMinute{runs("oxo"), runs("oo"), runs("")}, Confirmation{Failures: 2}, []State{U}},
		{"a failure confirmed by a streak across a silent minute",
			[][]LocationMinute{runs("ox", "", "xo"), runs("ox", "", "xo"), runs("oo", "oo", "oo")},
			Confirmation{Failures: 2}, []State{D, N, D}},
		{"a partial location with the others silent is unknown, not degraded",
			[][]LocationMinute{runs("ooox"), runs(""), runs("")}, Confirmation{}, []State{N}},
		{"a partial location beside an up one, the third silent, is degraded",
			[][]LocationMinute{runs("ooox"), runs("oo"), runs("")}, Confirmation{}, []State{G}},
		{"min reporting below a unanimous quorum judges what silence cannot change",
			[][]LocationMinute{runs("oo", "xx"), runs("", ""), runs("", "")}, Confirmation{Quorum: 3, MinReporting: 1}, []State{U, N}},
		{"a quorum of one: any silent location could have been the one",
			[][]LocationMinute{runs("oo", "xx"), runs("oo", "oo"), runs("", "")}, Confirmation{Quorum: 1}, []State{N, D}},
		{"min reporting above the quorum holds back a down verdict too",
			[][]LocationMinute{runs("xx", "xx"), runs("", "oo"), runs("", "")}, Confirmation{Quorum: 1, MinReporting: 2}, []State{N, D}},
		{"min reporting above the number of locations leaves every minute unknown",
			[][]LocationMinute{runs("xx", "oo"), runs("xx", "oo")}, Confirmation{MinReporting: 3}, []State{N, N}},
		{"with every location reporting, quorum and confirmation alone decide",
			[][]LocationMinute{runs("xx", "xx", "oo", "ooox"), runs("xx", "oo", "oo", "oo"), runs("oo", "oo", "oo", "oo")},
			Confirmation{}, []State{D, G, U, G}},
	})
}

// TestMinuteRuleAsDocumented judges every row of the hand-worked table in
// docs/sla-case.md ("Minute judgement") and requires the documented minute.
// A quorum written "(majority)" or a minimum written "(quorum)" is left to
// its default, and the number beside it must be what the default gives.
func TestMinuteRuleAsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/sla-case.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(doc), "## Minute judgement")
	if !ok {
		t.Fatal("docs/sla-case.md has no section \"Minute judgement\"")
	}
	picture := map[string]string{"down": "xx", "up": "oo", "partial": "ooox", "silent": ""}
	rows := 0
	for line := range strings.SplitSeq(section, "\n") {
		cells := strings.Split(strings.Trim(strings.TrimSpace(line), "|"), "|")
		if !strings.HasPrefix(strings.TrimSpace(line), "|") || len(cells) != 5 || strings.HasPrefix(strings.TrimSpace(cells[1]), "-") ||
			strings.TrimSpace(cells[0]) == "locations" {
			continue
		}
		rows++
		name := strings.TrimSpace(cells[0]) + " / " + strings.TrimSpace(cells[1]) + " / " + strings.TrimSpace(cells[2])
		t.Run(name, func(t *testing.T) {
			var locs [][]LocationMinute
			for v := range strings.SplitSeq(cells[0], ",") {
				p, ok := picture[strings.TrimSpace(v)]
				if !ok {
					t.Fatalf("verdict %q is none of down, up, partial, silent", v)
				}
				locs = append(locs, runs(p))
			}
			var c Confirmation
			q := documentedNumber(t, cells[1], "(majority)", &c.Quorum)
			if c.Quorum == 0 && q != len(locs)/2+1 {
				t.Fatalf("quorum %d is not the majority of %d locations", q, len(locs))
			}
			r := documentedNumber(t, cells[2], "(quorum)", &c.MinReporting)
			if c.MinReporting == 0 && r != q {
				t.Fatalf("min reporting %d is not the quorum %d", r, q)
			}
			want := strings.TrimSpace(cells[3])
			if got := MinuteStates(locs, c); len(got) != 1 || got[0].String() != want {
				t.Errorf("got %v, want %s", got, want)
			}
		})
	}
	if rows < 10 {
		t.Fatalf("found %d worked rows in the minute judgement table, want at least 10", rows)
	}
}

// documentedNumber reads a table cell such as "2" or "2 (majority)": the
// number, stored in *field unless the cell marks it as the default.
func documentedNumber(t *testing.T, cell, dflt string, field *int) int {
	t.Helper()
	cell = strings.TrimSpace(cell)
	num, isDefault := strings.CutSuffix(cell, " "+dflt)
	n, err := strconv.Atoi(num)
	if err != nil {
		t.Fatalf("cell %q is not a number, optionally followed by %s", cell, dflt)
	}
	if !isDefault {
		*field = n
	}
	return n
}
