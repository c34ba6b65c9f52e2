package sla

import (
	"fmt"
	"time"
)

// State is what one minute of one check was, judged from all its locations.
type State uint8

// Minute states. The zero value is StateUnknown: no data is never up or down.
const (
	StateUnknown     State = iota // no location reported a run
	StateUp                       // runs, and no confirmed failure reached quorum or touched a location
	StateDegraded                 // confirmed failures, but not down at a quorum of locations
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

// Confirmation is when failed runs become downtime.
type Confirmation struct {
	// Failures is how many consecutive failed runs at one location confirm a
	// failure there; earlier runs of the streak count too once it is
	// confirmed, later ones as they come. 0 means 1: every failure counts.
	// At most 255, the saturation of LocationMinute's counters.
	Failures int
	// Quorum is how many locations must be down in the same minute for the
	// minute to be down. 0 means a majority of the check's locations.
	Quorum int
}

// Validate checks c for a check run from locations places.
func (c Confirmation) Validate(locations int) error {
	if c.Failures < 0 || c.Failures > 255 {
		return fieldErr("failures", fmt.Sprintf("%d is not between 1 and 255", c.Failures))
	}
	if c.Quorum < 0 || locations > 0 && c.Quorum > locations {
		return fieldErr("quorum", fmt.Sprintf("%d is not between 1 and the %d locations", c.Quorum, locations))
	}
	return nil
}

func (c Confirmation) failures() int {
	if c.Failures <= 0 {
		return 1
	}
	return c.Failures
}

func (c Confirmation) quorum(locations int) int {
	if c.Quorum > 0 {
		return c.Quorum
	}
	return locations/2 + 1
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
// location i saw in minute m; every location's slice covers the same minutes.
// A failure at a location is confirmed when it belongs to a streak of at
// least c.Failures consecutive failed runs — streaks run across minute
// boundaries and across minutes without runs, so a retry that fails is only
// downtime once the streak is long enough. A location is down in a minute when
// its confirmed failures are at least its passing runs. The minute is down
// when at least the quorum of locations is down, degraded when some location
// saw confirmed failures without a quorum, up when locations reported and
// none saw a confirmed failure, and unknown when none reported.
func MinuteStates(locs [][]LocationMinute, c Confirmation) []State {
	if len(locs) == 0 {
		return nil
	}
	n := len(locs[0])
	states := make([]State, n)
	down := make([]int, n)
	failing := make([]int, n) // locations with any confirmed failure
	reporting := make([]int, n)
	per := make([]locState, n)
	for _, lm := range locs {
		locationStates(lm, c.failures(), per)
		for m, s := range per {
			switch s {
			case locDown:
				down[m]++
				failing[m]++
			case locPartial:
				failing[m]++
			}
			if s != locNoData {
				reporting[m]++
			}
		}
	}
	q := c.quorum(len(locs))
	for m := range states {
		switch {
		case reporting[m] == 0:
			states[m] = StateUnknown
		case down[m] >= q:
			states[m] = StateDown
		case failing[m] > 0:
			states[m] = StateDegraded
		default:
			states[m] = StateUp
		}
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
