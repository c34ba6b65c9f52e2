package sla

import (
	"fmt"
	"time"
)

// State is what one minute of one check was, judged from all its locations.
type State uint8

// Minute states. The zero value is StateUnknown: no data is never up or down.
const (
	StateUnknown     State = iota // too little evidence: too few locations reported, or the silent ones could have made it down
	StateUp                       // judged, and no location saw a confirmed failure
	StateDegraded                 // judged, confirmed failures, and not down at a quorum of locations
	StateDown                     // down at a quorum of locations
	StateMaintenance              // inside an announced maintenance window (set by the caller)
)

func (s State) String() string {
	switch s {
	case StateUp:
		return "up"
	case StateDegraded:
		return "degraded"
	case StateDown:
		return "down"
	case StateMaintenance:
		return "maintenance"
	}
	return "unknown"
}

// Confirmation is when failed runs become downtime, and how much evidence a
// minute needs before it is judged at all.
type Confirmation struct {
	// Failures is how many consecutive failed runs at one location confirm a
	// failure there; earlier runs of the streak count too once it is
	// confirmed, later ones as they come. 0 means 1: every failure counts.
	// At most 255, the saturation of LocationMinute's counters.
	Failures int
	// Quorum is how many locations must be down in the same minute for the
	// minute to be down. 0 means a majority of the check's locations.
	Quorum int
	// MinReporting is how many locations must have reported runs in a
	// minute for the minute to be judged; with fewer it is unknown. 0 means
	// the quorum: a minute is judged only on as much evidence as it takes
	// to call it down. See MinuteStates for how it meets the quorum.
	MinReporting int
}

// Validate checks c for a check run from locations places.
func (c Confirmation) Validate(locations int) error {
	if c.Failures < 0 || c.Failures > 255 {
		return fieldErr("failures", fmt.Sprintf("%d is not between 1 and 255", c.Failures))
	}
	if c.Quorum < 0 || locations > 0 && c.Quorum > locations {
		return fieldErr("quorum", fmt.Sprintf("%d is not between 1 and the %d locations", c.Quorum, locations))
	}
	if c.MinReporting < 0 || locations > 0 && c.MinReporting > locations {
		return fieldErr("min_reporting", fmt.Sprintf("%d is not between 1 and the %d locations", c.MinReporting, locations))
	}
	return nil
}

func (c Confirmation) failures() int {
	if c.Failures <= 0 {
		return 1
	}
	return c.Failures
}

// QuorumOf is how many of locations must see a minute down for it to be
// down: Quorum, or by default a majority.
func (c Confirmation) QuorumOf(locations int) int { return c.quorum(locations) }

func (c Confirmation) quorum(locations int) int {
	if c.Quorum > 0 {
		return c.Quorum
	}
	return locations/2 + 1
}

func (c Confirmation) minReporting(locations int) int {
	if c.MinReporting > 0 {
		return c.MinReporting
	}
	return c.quorum(locations)
}

// tally is what a minute's locations said.
type tally struct {
	down      int // locations down
	failing   int // locations with confirmed failures: down or partial
	reporting int // locations with runs
}

func (t *tally) add(s locState) {
	switch s {
	case locDown:
		t.down++
		t.failing++
	case locPartial:
		t.failing++
	}
	if s != locNoData {
		t.reporting++
	}
}

// judge is the minute rule of MinuteStates, for a check with locations
// places of which t says what they saw.
func (c Confirmation) judge(t tally, locations int) State {
	q := c.quorum(locations)
	silent := locations - t.reporting
	switch {
	case t.reporting < c.minReporting(locations):
		return StateUnknown // too little evidence to judge
	case t.down >= q:
		return StateDown // whatever the silent locations saw
	case t.down+silent >= q:
		return StateUnknown // the silent locations could have made it down
	case t.failing > 0:
		return StateDegraded
	}
	return StateUp
}

// locState is one location's verdict on one minute.
type locState uint8

const (
	locNoData locState = iota
	locUp
	locPartial // confirmed failures, but fewer than the passing runs
	locDown    // confirmed failures at least as many as the passing runs
)

// MinuteStates judges consecutive minutes of one check. locs[i][m] is what
// location i saw in minute m; every location's slice covers the same minutes,
// and len(locs) is the check's number of locations, L.
//
// First each location's minute gets a verdict. A failure at a location is
// confirmed when it belongs to a streak of at least c.Failures consecutive
// failed runs — streaks run across minute boundaries and across minutes
// without runs, so a retry that fails is only downtime once the streak is
// long enough. A location is silent in a minute without runs; down when its
// confirmed failures are at least its passing runs; partial when it has
// confirmed failures but more passing runs; up otherwise.
//
// Then the minute, with D locations down, S silent and R = L − S reporting,
// quorum Q (c.Quorum, default L/2+1) and minimum M (c.MinReporting, default
// Q), is the first that applies of:
//
//   - unknown when R < M: too few locations reported to judge it;
//   - down when D ≥ Q, whatever the silent locations saw;
//   - unknown when D + S ≥ Q: the silent locations could have made it down;
//   - degraded when some location is down or partial;
//   - up.
//
// So a silent location never decides a minute: a minute judged down is down
// and a minute judged up or degraded is not down however the silent
// locations would have voted; where their votes would have decided, the
// minute is unknown. Silence lowers coverage, never uptime or downtime. With
// every location reporting (and M ≤ L) only the down, degraded and up rules
// remain.
func MinuteStates(locs [][]LocationMinute, c Confirmation) []State {
	if len(locs) == 0 {
		return nil
	}
	n := len(locs[0])
	tallies := make([]tally, n)
	per := make([]locState, n)
	for _, lm := range locs {
		locationStates(lm, c.failures(), per)
		for m, s := range per {
			tallies[m].add(s)
		}
	}
	states := make([]State, n)
	for m, t := range tallies {
		states[m] = c.judge(t, len(locs))
	}
	return states
}

// locationStates fills out[m] with one location's verdict per minute, given
// the streak length that confirms a failure.
func locationStates(lm []LocationMinute, need int, out []locState) {
	n := len(lm)
	// before[m]: failed runs in a row just before minute m's first run.
	before := make([]int, n+1)
	for m := 0; m < n; m++ {
		x := lm[m]
		switch {
		case x.Runs() == 0:
			before[m+1] = before[m]
		case x.OK == 0:
			before[m+1] = before[m] + int(x.Fail)
		default:
			before[m+1] = int(x.Trail)
		}
	}
	after := make([]int, n+1) // after[m]: failed runs in a row from minute m's first run on
	for m := n - 1; m >= 0; m-- {
		x := lm[m]
		switch {
		case x.Runs() == 0:
			after[m] = after[m+1]
		case x.OK == 0:
			after[m] = int(x.Fail) + after[m+1]
		default:
			after[m] = int(x.Lead)
		}
	}
	for m := 0; m < n; m++ {
		x := lm[m]
		if x.Runs() == 0 {
			out[m] = locNoData
			continue
		}
		if x.Fail == 0 {
			out[m] = locUp
			continue
		}
		// after[m+1] is the streak that starts right after minute m.
		if x.OK == 0 {
			if before[m]+int(x.Fail)+after[m+1] >= need {
				out[m] = locDown
			} else {
				out[m] = locUp
			}
			continue
		}
		confirmed := 0
		if before[m]+int(x.Lead) >= need {
			confirmed += int(x.Lead)
		}
		if int(x.Trail)+after[m+1] >= need {
			confirmed += int(x.Trail)
		}
		if confirmed == 0 && int(x.MaxRun) >= need {
			// A streak inside the minute, confirmed on its own.
			confirmed = int(x.MaxRun)
		}
		switch {
		case confirmed == 0:
			out[m] = locUp
		case confirmed >= int(x.OK):
			out[m] = locDown
		default:
			out[m] = locPartial
		}
	}
}

// Downtime turns minute states starting at start into the intervals that
// were down: each down minute is [t, t+1m), and neighbours merge.
func Downtime(start time.Time, states []State) Set {
	return minutesIn(start, states, StateDown)
}

// Unknown is the set of minutes without data, the gaps in coverage.
func Unknown(start time.Time, states []State) Set {
	return minutesIn(start, states, StateUnknown)
}

func minutesIn(start time.Time, states []State, want State) Set {
	base := start.UnixNano()
	var ss []span
	for m := 0; m < len(states); {
		if states[m] != want {
			m++
			continue
		}
		k := m
		for k < len(states) && states[k] == want {
			k++
		}
		ss = append(ss, span{base + int64(m)*int64(time.Minute), base + int64(k)*int64(time.Minute)})
		m = k
	}
	return Set{ss}
}
