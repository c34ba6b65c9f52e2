package sla

import "time"

// Run-length forms of the minute evidence. A month is 44,640 minutes but
// usually a few dozen runs of identical minutes, so judging the runs instead
// of the minutes is what lets a period close for ten thousand series in
// seconds. Each function here is the run-length twin of a minute-by-minute
// one (MinuteStates, Combine) and is tested against it.

// MinuteRun is Count consecutive minutes in which one location saw the same
// LocationMinute.
type MinuteRun struct {
	Count  int
	Minute LocationMinute
}

// RunHistory is MinuteHistory in run-length form: Runs[j] are the runs of
// Locations[j], each list covering exactly Minutes minutes from Start.
type RunHistory struct {
	Start     time.Time
	Minutes   int
	Locations []string
	Runs      [][]MinuteRun
}

// StateRun is Count consecutive minutes in the same State.
type StateRun struct {
	Count int
	State State
}

// RunMinutes is the number of minutes the runs cover.
func RunMinutes(runs []StateRun) int {
	n := 0
	for _, r := range runs {
		n += r.Count
	}
	return n
}

// ExpandStates writes runs out minute by minute.
func ExpandStates(runs []StateRun) []State {
	out := make([]State, 0, RunMinutes(runs))
	for _, r := range runs {
		for range r.Count {
			out = append(out, r.State)
		}
	}
	return out
}

// lsRun is a run of one location's verdicts.
type lsRun struct {
	n int
	s locState
}

func appendLS(out []lsRun, n int, s locState) []lsRun {
	if n <= 0 {
		return out
	}
	if k := len(out); k > 0 && out[k-1].s == s {
		out[k-1].n += n
		return out
	}
	return append(out, lsRun{n, s})
}

// locationStateRuns is locationStates over runs: the verdicts of one
// location, given the streak length that confirms a failure.
func locationStateRuns(runs []MinuteRun, need int, out []lsRun) []lsRun {
	r := len(runs)
	// before[i]: failed runs in a row just before run i's first minute;
	// after[i]: failed runs in a row from run i's first minute on.
	before := make([]int, r+1)
	for i, x := range runs {
		m := x.Minute
		switch {
		case m.Runs() == 0:
			before[i+1] = before[i]
		case m.OK == 0:
			before[i+1] = before[i] + x.Count*int(m.Fail)
		default:
			before[i+1] = int(m.Trail)
		}
	}
	after := make([]int, r+1)
	for i := r - 1; i >= 0; i-- {
		m := runs[i].Minute
		switch {
		case m.Runs() == 0:
			after[i] = after[i+1]
		case m.OK == 0:
			after[i] = runs[i].Count*int(m.Fail) + after[i+1]
		default:
			after[i] = int(m.Lead)
		}
	}
	for i, x := range runs {
		m, k := x.Minute, x.Count
		switch {
		case k <= 0:
		case m.Runs() == 0:
			out = appendLS(out, k, locNoData)
		case m.Fail == 0:
			out = appendLS(out, k, locUp)
		case m.OK == 0:
			s := locUp
			if before[i]+k*int(m.Fail)+after[i+1] >= need {
				s = locDown
			}
			out = appendLS(out, k, s)
		default:
			// Inside the run every minute follows and precedes its twin:
			// only the first and the last minute see other neighbours.
			if k == 1 {
				out = appendLS(out, 1, mixedMinute(m, before[i], after[i+1], need))
				continue
			}
			out = appendLS(out, 1, mixedMinute(m, before[i], int(m.Lead), need))
			out = appendLS(out, k-2, mixedMinute(m, int(m.Trail), int(m.Lead), need))
			out = appendLS(out, 1, mixedMinute(m, int(m.Trail), after[i+1], need))
		}
	}
	return out
}

// mixedMinute judges a minute with passing and failing runs, given the
// streaks of failures just before and just after it.
func mixedMinute(m LocationMinute, before, after, need int) locState {
	confirmed := 0
	if before+int(m.Lead) >= need {
		confirmed += int(m.Lead)
	}
	if int(m.Trail)+after >= need {
		confirmed += int(m.Trail)
	}
	if confirmed == 0 && int(m.MaxRun) >= need {
		confirmed = int(m.MaxRun)
	}
	switch {
	case confirmed == 0:
		return locUp
	case confirmed >= int(m.OK):
		return locDown
	}
	return locPartial
}

// segments walks several run lists that cover the same minutes together:
// lens[i][j] is the length of run j of list i. For each stretch over which no
// list changes it calls visit with the stretch's length and, per list, the
// index of the run it is in. It stops at the end of the shortest list.
func segments(lens [][]int, visit func(step int, idx []int)) {
	idx := make([]int, len(lens))
	left := make([]int, len(lens))
	for i, l := range lens {
		if len(l) == 0 {
			return
		}
		left[i] = l[0]
	}
	for {
		step := -1
		for i := range lens {
			for left[i] == 0 { // skip empty runs
				idx[i]++
				if idx[i] >= len(lens[i]) {
					return
				}
				left[i] = lens[i][idx[i]]
			}
			if step < 0 || left[i] < step {
				step = left[i]
			}
		}
		if step < 0 {
			return
		}
		visit(step, idx)
		for i := range lens {
			left[i] -= step
		}
	}
}

func appendState(out []StateRun, n int, s State) []StateRun {
	if n <= 0 {
		return out
	}
	if k := len(out); k > 0 && out[k-1].State == s {
		out[k-1].Count += n
		return out
	}
	return append(out, StateRun{n, s})
}

// MinuteStateRuns is MinuteStates over runs: locs[i] are location i's runs,
// all covering the same minutes. The result is run-length coded.
func MinuteStateRuns(locs [][]MinuteRun, c Confirmation) []StateRun {
	if len(locs) == 0 {
		return nil
	}
	per := make([][]lsRun, len(locs))
	lens := make([][]int, len(locs))
	for i, l := range locs {
		per[i] = locationStateRuns(l, c.failures(), nil)
		lens[i] = make([]int, len(per[i]))
		for j, r := range per[i] {
			lens[i][j] = r.n
		}
	}
	var out []StateRun
	segments(lens, func(step int, idx []int) {
		var t tally
		for i, j := range idx {
			t.add(per[i][j].s)
		}
		out = appendState(out, step, c.judge(t, len(locs)))
	})
	return out
}

// CombineRuns is Combine over runs: the states of a service or contract from
// the state runs of its checks, all covering the same n minutes. Without
// checks every minute is unknown.
func CombineRuns(checks [][]StateRun, n int) []StateRun {
	if len(checks) == 0 {
		return appendState(nil, n, StateUnknown)
	}
	lens := make([][]int, len(checks))
	for i, c := range checks {
		lens[i] = make([]int, len(c))
		for j, r := range c {
			lens[i][j] = r.Count
		}
	}
	var out []StateRun
	col := make([][]State, len(checks))
	for i := range col {
		col[i] = make([]State, 1)
	}
	segments(lens, func(step int, idx []int) {
		for i, j := range idx {
			col[i][0] = checks[i][j].State
		}
		out = appendState(out, step, Combine(col, 1)[0])
	})
	return out
}
