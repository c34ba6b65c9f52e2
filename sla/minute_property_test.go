package sla

import (
	"math/rand/v2"
	"testing"
	"time"
)

// Property tests of the minute rule (MinuteStates): random evidence from a
// fixed seed, so a failure reproduces.

const minuteTrials = 400

// randomConfirmation is a valid confirmation for a check with locations
// places, its quorum and minimum left to their defaults about half the time.
func randomConfirmation(r *rand.Rand, locations int) Confirmation {
	c := Confirmation{Failures: r.IntN(5)}
	if r.IntN(2) == 0 {
		c.Quorum = 1 + r.IntN(locations)
	}
	if r.IntN(2) == 0 {
		c.MinReporting = 1 + r.IntN(locations)
	}
	return c
}

// randomCheck is a check's evidence, 1 to maxMinutes minutes from 1 to 5
// locations, and a confirmation for it.
func randomCheck(r *rand.Rand, maxMinutes int) (int, [][]LocationMinute, Confirmation) {
	n := 1 + r.IntN(maxMinutes)
	locs := make([][]LocationMinute, 1+r.IntN(5))
	for i := range locs {
		locs[i] = randomMinutes(r, n)
	}
	return n, locs, randomConfirmation(r, len(locs))
}

// reportingMinute is a minute with between one and six runs.
func reportingMinute(r *rand.Rand) LocationMinute {
	var m LocationMinute
	for range 1 + r.IntN(6) {
		m.Add(r.IntN(3) != 0)
	}
	return m
}

// soloStates is what each location alone made of each minute: down, degraded
// (partial), up, or unknown (silent) — its own verdict, which the rule counts.
func soloStates(locs [][]LocationMinute, c Confirmation) [][]State {
	out := make([][]State, len(locs))
	for i, l := range locs {
		out[i] = MinuteStates([][]LocationMinute{l}, Confirmation{Failures: c.Failures})
	}
	return out
}

func available(s State) bool { return s == StateUp || s == StateDegraded }

func minutes(n int) time.Duration { return time.Duration(n) * time.Minute }

// TestSilentLocationCanOnlyMakeAMinuteUnknown: adding a location that never
// reports never creates downtime, and never changes a minute's state except
// to unknown.
func TestSilentLocationCanOnlyMakeAMinuteUnknown(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 1))
	keptDown, madeUnknown := 0, 0
	for trial := range minuteTrials {
		n, locs, c := randomCheck(r, 120)
		before := MinuteStates(locs, c)
		at := r.IntN(len(locs) + 1)
		more := append(append(append([][]LocationMinute(nil), locs[:at]...), make([]LocationMinute, n)), locs[at:]...)
		after := MinuteStates(more, c)
		for m := range n {
			if after[m] != before[m] && after[m] != StateUnknown {
				t.Fatalf("trial %d (%+v, %d locations): minute %d was %s, is %s with one more silent location",
					trial, c, len(locs), m, before[m], after[m])
			}
			switch {
			case after[m] == StateDown:
				keptDown++
			case after[m] != before[m]:
				madeUnknown++
			}
		}
	}
	if keptDown < 1000 || madeUnknown < 1000 {
		t.Fatalf("%d minutes stayed down and %d became unknown; the evidence tests too little", keptDown, madeUnknown)
	}
}

// TestSilenceNeverDecidesAMinute: a minute judged down stays down, and one
// judged up or degraded stays available, whatever its silent locations would
// have reported. Confirmation is per minute here (one failure confirms, or a
// single minute), so filling a silent minute cannot confirm or break a
// streak in a neighbouring one.
func TestSilenceNeverDecidesAMinute(t *testing.T) {
	r := rand.New(rand.NewPCG(22, 1))
	decidedDown, decidedAvailable := 0, 0
	for trial := range minuteTrials {
		n, locs, c := randomCheck(r, 60)
		if n > 1 {
			c.Failures = r.IntN(2)
		}
		judged := MinuteStates(locs, c)
		for m, s := range judged {
			silent := false
			for _, l := range locs {
				silent = silent || l[m].Runs() == 0
			}
			switch {
			case !silent:
			case s == StateDown:
				decidedDown++
			case available(s):
				decidedAvailable++
			}
		}
		for fill := range 5 {
			full := make([][]LocationMinute, len(locs))
			for i, l := range locs {
				full[i] = append([]LocationMinute(nil), l...)
				for m := range full[i] {
					if full[i][m].Runs() == 0 {
						full[i][m] = reportingMinute(r)
					}
				}
			}
			got := MinuteStates(full, c)
			for m := range n {
				if judged[m] == StateDown && got[m] != StateDown ||
					available(judged[m]) && !available(got[m]) {
					t.Fatalf("trial %d fill %d (%+v, %d locations): minute %d judged %s with silent locations, %s once they reported",
						trial, fill, c, len(locs), m, judged[m], got[m])
				}
			}
		}
	}
	if decidedDown < 100 || decidedAvailable < 100 {
		t.Fatalf("%d minutes judged down and %d available despite silent locations; the evidence tests too little", decidedDown, decidedAvailable)
	}
}

// TestUpLocationNeverTurnsADownMinuteUp: adding a location that reports up
// in every minute keeps every down minute down — except where it raises the
// default quorum (a majority of one more location) above the locations that
// were down, as docs/sla-case.md says, and even then the minute is degraded
// or unknown, never up.
func TestUpLocationNeverTurnsADownMinuteUp(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 1))
	wasDown, raised := 0, 0
	for trial := range minuteTrials {
		n, locs, c := randomCheck(r, 120)
		before := MinuteStates(locs, c)
		solo := soloStates(locs, c)
		up := make([]LocationMinute, n)
		for m := range up {
			up[m] = LocationMinute{OK: uint8(1 + r.IntN(3))}
		}
		more := append(append([][]LocationMinute(nil), locs...), up)
		after := MinuteStates(more, c)
		newQuorum := len(more)/2 + 1
		for m := range n {
			if before[m] == StateDown {
				wasDown++
			}
			if before[m] != StateDown || after[m] == StateDown {
				continue
			}
			down := 0
			for i := range locs {
				if solo[i][m] == StateDown {
					down++
				}
			}
			if c.Quorum != 0 || down >= newQuorum || after[m] == StateUp {
				t.Fatalf("trial %d (%+v, %d locations, %d down): minute %d was down, is %s with one more location up",
					trial, c, len(locs), down, m, after[m])
			}
			raised++
		}
	}
	if wasDown < 1000 || raised < 100 {
		t.Fatalf("%d down minutes, %d of them under a raised quorum; the evidence tests too little", wasDown, raised)
	}
}

// TestUnknownMinutesNeverCountAsAvailable: a minute that fewer locations
// reported than the rule needs is unknown, and an unknown minute is never
// covered, never downtime and never evidence in a burn-rate window.
func TestUnknownMinutesNeverCountAsAvailable(t *testing.T) {
	r := rand.New(rand.NewPCG(24, 1))
	per := Period{Start: time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC), Location: time.UTC}
	for trial := range minuteTrials {
		n, locs, c := randomCheck(r, 240)
		states := MinuteStates(locs, c)
		need := c.MinReporting
		if need == 0 {
			need = c.Quorum
		}
		if need == 0 {
			need = len(locs)/2 + 1
		}
		unknown, down := 0, 0
		for m, s := range states {
			reporting := 0
			for _, l := range locs {
				if l[m].Runs() > 0 {
					reporting++
				}
			}
			if reporting < need && s != StateUnknown {
				t.Fatalf("trial %d (%+v): minute %d is %s with %d of %d locations reporting, %d needed",
					trial, c, m, s, reporting, len(locs), need)
			}
			switch s {
			case StateUnknown:
				unknown++
			case StateDown:
				down++
			}
		}
		var runs []StateRun
		for _, s := range states {
			runs = appendState(runs, 1, s)
		}
		per.End = per.Start.Add(minutes(n))
		f, cov, err := FactsFromRuns(Policy{Target: hundred()}, per, runs, nil)
		if err != nil {
			t.Fatal(err)
		}
		if cov.Minutes != n || cov.Covered != n-unknown {
			t.Fatalf("trial %d: coverage %d of %d, want %d of %d", trial, cov.Covered, cov.Minutes, n-unknown, n)
		}
		if got := NewSet(intervalsOf(f.Downtime)...).Duration(); got != minutes(down) {
			t.Fatalf("trial %d: downtime %s, want the %d down minutes", trial, got, down)
		}
		if bad, counted := Window(states); counted != minutes(n-unknown) || bad != minutes(down) {
			t.Fatalf("trial %d: window counts %s (%s bad), want %d minutes (%d bad)", trial, counted, bad, n-unknown, down)
		}
	}
}

// TestEveryLocationReportingKeepsTheQuorumRule: in a minute every location
// reported, the rule is the one quorum and confirmation always gave: down
// when a quorum is down, degraded when any location saw confirmed failures,
// else up.
func TestEveryLocationReportingKeepsTheQuorumRule(t *testing.T) {
	r := rand.New(rand.NewPCG(25, 1))
	checked := 0
	for trial := range minuteTrials {
		n, locs, c := randomCheck(r, 120)
		for _, l := range locs { // mostly reporting, so that many minutes are full
			for m := range l {
				if l[m].Runs() == 0 && r.IntN(4) != 0 {
					l[m] = reportingMinute(r)
				}
			}
		}
		q := c.Quorum
		if q == 0 {
			q = len(locs)/2 + 1
		}
		got := MinuteStates(locs, c)
		solo := soloStates(locs, c)
		for m := range n {
			down, failing, reporting := 0, 0, 0
			for i := range locs {
				switch solo[i][m] {
				case StateDown:
					down++
					failing++
				case StateDegraded:
					failing++
				}
				if solo[i][m] != StateUnknown {
					reporting++
				}
			}
			if reporting < len(locs) {
				continue
			}
			checked++
			want := StateUp
			switch {
			case down >= q:
				want = StateDown
			case failing > 0:
				want = StateDegraded
			}
			if got[m] != want {
				t.Fatalf("trial %d (%+v): minute %d with every location reporting (%d down, %d failing) is %s, want %s",
					trial, c, m, down, failing, got[m], want)
			}
		}
	}
	if checked < 1000 {
		t.Fatalf("only %d minutes had every location reporting; the test checks too little", checked)
	}
}
