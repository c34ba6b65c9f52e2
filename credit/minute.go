package credit

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/slatehq/slate/sla"
)

// JudgeMinute is one check's verdict on the minute starting at minute, with
// the locations that saw failed runs in it. It reads lookback of history
// before the minute, so that failure streaks begun earlier are confirmed as
// they would be in a period's statement.
func JudgeMinute(ctx context.Context, h History, ch Check, minute time.Time, lookback time.Duration) (sla.State, []string, error) {
	minute = minute.Truncate(time.Minute)
	n := int(lookback/time.Minute) + 1
	from := minute.Add(-time.Duration(n-1) * time.Minute)
	rh, err := h.MinuteRuns(ctx, ch.ID, from, minute.Add(time.Minute))
	switch {
	case errors.Is(err, sla.ErrNoEvidence):
		return sla.StateUnknown, nil, nil
	case err != nil:
		return sla.StateUnknown, nil, fmt.Errorf("judge %s: %w", ch.ID, err)
	}
	locs, names := locationRuns(rh, ch, n)
	states := sla.MinuteStateRuns(locs, ch.Confirmation)
	var failing []string
	for i, runs := range locs {
		if lastRun(runs).Minute.Fail > 0 {
			failing = append(failing, names[i])
		}
	}
	if len(states) == 0 {
		return sla.StateUnknown, failing, nil
	}
	return states[len(states)-1].State, failing, nil
}

func lastRun(runs []sla.MinuteRun) sla.MinuteRun {
	if len(runs) == 0 {
		return sla.MinuteRun{}
	}
	return runs[len(runs)-1]
}
