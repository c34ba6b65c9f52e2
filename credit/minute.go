package credit

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/slatehq/slate/sla"
)

// Window is one check's verdict on consecutive minutes and on the present,
// as detection takes them.
type Window struct {
	From    time.Time   // the first minute's start
	States  []sla.State // one per minute from From, judged as a statement judges them
	Failing [][]string  // per minute, the locations with failed runs in it
	// Now is the check as it stands at the end of its runs
	// (sla.LatestState), and NowFailing the locations down now.
	Now        sla.State
	NowFailing []string
}

// JudgeWindow judges the n minutes of ch from the minute holding from, on
// the evidence stored so far: it reads lookback of history before them, so
// that failure streaks begun earlier are confirmed as they would be in a
// period's statement, and judges the minutes together, so that a streak
// confirmed in a later minute counts in the earlier ones too. The present
// is judged at the end of the last minute, whose last recent minutes count
// as now.
func JudgeWindow(ctx context.Context, h History, ch Check, from time.Time, n int, lookback time.Duration, recent int) (Window, error) {
	from = from.Truncate(time.Minute)
	w := Window{From: from, States: make([]sla.State, n), Failing: make([][]string, n)}
	if n <= 0 {
		return w, nil
	}
	back := int(lookback / time.Minute)
	rh, err := h.MinuteRuns(ctx, ch.ID, from.Add(-time.Duration(back)*time.Minute), from.Add(time.Duration(n)*time.Minute))
	switch {
	case errors.Is(err, sla.ErrNoEvidence):
		return w, nil // every minute unknown, nothing failing
	case err != nil:
		return w, fmt.Errorf("judge %s: %w", ch.ID, err)
	}
	locs, names := locationRuns(rh, ch, back+n)
	states := sla.ExpandStates(sla.MinuteStateRuns(locs, ch.Confirmation))
	copy(w.States, states[back:])
	for i, runs := range locs {
		m := 0
		for _, r := range runs {
			for k := 0; k < r.Count; k, m = k+1, m+1 {
				if m >= back && r.Minute.Fail > 0 {
					w.Failing[m-back] = append(w.Failing[m-back], names[i])
				}
			}
		}
	}
	now, down := sla.LatestState(locs, ch.Confirmation, recent)
	w.Now = now
	for i, d := range down {
		if d {
			w.NowFailing = append(w.NowFailing, names[i])
		}
	}
	return w, nil
}
