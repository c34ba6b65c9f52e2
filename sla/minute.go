package sla

// LocationMinute is what one location saw of one check during one minute: the
// counts of passing and failing runs, and enough about the order of the
// failures to apply any confirmation rule later ("N consecutive failed runs
// before down"), including streaks that cross minute boundaries. It is the unit
// of per-minute history, the evidence kept for years, so it stays small: five
// bytes. Counts saturate at 255.
//
// The zero value is a minute with no runs: no data, never up or down.
type LocationMinute struct {
	OK     uint8 // runs that passed
	Fail   uint8 // runs that failed
	Lead   uint8 // failed runs before the first passing run (equals Fail when OK is 0)
	Trail  uint8 // failed runs after the last passing run (equals Fail when OK is 0)
	MaxRun uint8 // longest run of consecutive failures inside the minute
}

// Add records one more run, which must be later than every run already added.
func (m *LocationMinute) Add(ok bool) {
	if ok {
		m.OK = inc8(m.OK)
		m.Trail = 0
		return
	}
	m.Fail = inc8(m.Fail)
	if m.OK == 0 {
		m.Lead = inc8(m.Lead)
	}
	m.Trail = inc8(m.Trail)
	if m.Trail > m.MaxRun {
		m.MaxRun = m.Trail
	}
}

// Runs is the number of runs recorded.
func (m LocationMinute) Runs() int { return int(m.OK) + int(m.Fail) }

func inc8(v uint8) uint8 {
	if v == 255 {
		return v
	}
	return v + 1
}
