package credit

import (
	"context"
	"time"

	"github.com/slatehq/slate/sla"
)

// Timeline is contract c's minutes in period up to until, judged from the
// evidence as Compute judges them (its checks combined), in run-length
// form from period.Start. Maintenance is not marked: the caller lays the
// statement's maintenance over it.
func Timeline(ctx context.Context, h History, c Contract, period sla.Period, until time.Time) ([]sla.StateRun, error) {
	end := period.End
	if until.Before(end) {
		end = until.Truncate(time.Minute)
	}
	n := int(end.Sub(period.Start.Truncate(time.Minute)) / time.Minute)
	j, err := contractRuns(ctx, h, c, period.Start, n)
	if err != nil {
		return nil, err
	}
	return j.states, nil
}
