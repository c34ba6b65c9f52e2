package sla

// LatestState judges a check as it stands at the end of its locations'
// runs — now, when the runs reach the current minute — rather than over a
// whole minute: an outage shows as down from its confirming run on, not
// from the first minute in which failures outnumber passes. locs[i] are
// location i's runs, all covering the same minutes; recent is how many of
// the last minutes count as now (a location without runs in them is
// silent).
//
// A reporting location is down when its latest runs are a confirmed
// failure: a streak of at least c.Failures failed runs that reaches its
// latest run (streaks cross minutes, and minutes without runs, as in
// MinuteStates); otherwise it is up. The locations are then combined by
// the minute rule of MinuteStates: the quorum, the minimum of reporting
// locations, and unknown where the silent ones could have decided. So a
// single location is down or up, and a check is degraded when some of
// its locations, fewer than the quorum, are down. It also returns which
// locations are down.
func LatestState(locs [][]MinuteRun, c Confirmation, recent int) (State, []bool) {
	down := make([]bool, len(locs))
	if len(locs) == 0 {
		return StateUnknown, down
	}
	var t tally
	need := c.failures()
	for i, runs := range locs {
		streak, reporting := latestStreak(runs, recent)
		switch {
		case !reporting:
			t.add(locNoData)
		case streak >= need:
			down[i] = true
			t.add(locDown)
		default:
			t.add(locUp)
		}
	}
	return c.judge(t, len(locs)), down
}

// latestStreak is the number of failed runs in a row that end a
// location's runs, and whether it has runs in the last recent minutes.
func latestStreak(runs []MinuteRun, recent int) (streak int, reporting bool) {
	left := recent // minutes from the end still counting as recent
	for i := len(runs) - 1; i >= 0; i-- {
		r := runs[i]
		if r.Count <= 0 {
			continue
		}
		if r.Minute.Runs() > 0 && left > 0 {
			reporting = true
		}
		left -= r.Count
		m := r.Minute
		switch {
		case m.Runs() == 0: // silence: the streak goes on across it
		case m.OK == 0:
			streak += r.Count * int(m.Fail)
		default:
			return streak + int(m.Trail), reporting
		}
	}
	return streak, reporting
}
