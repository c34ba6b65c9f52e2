package credit

import (
	"context"
	"math/big"
	"time"

	"github.com/slatehq/slate/sla"
)

// BurnRates is how fast the contract spends its error budget over each
// window ending at now (sla.BurnRate): bad minutes are those in which any
// covered check was down, and minutes without evidence leave the window. A
// window without evidence, or a 100% target, has no rate and is absent.
func BurnRates(ctx context.Context, h History, c Contract, now time.Time, windows []time.Duration) (map[time.Duration]*big.Rat, error) {
	end := now.Truncate(time.Minute)
	longest := time.Duration(0)
	for _, w := range windows {
		longest = max(longest, w)
	}
	from := end.Add(-longest.Truncate(time.Minute))
	n := int(end.Sub(from) / time.Minute)
	j, err := contractRuns(ctx, h, c, from, n)
	if err != nil {
		return nil, err
	}
	out := make(map[time.Duration]*big.Rat, len(windows))
	for _, w := range windows {
		bad, counted := sla.WindowRuns(j.states, int(w/time.Minute))
		if r, ok := sla.BurnRate(c.Policy.Target, bad, counted); ok {
			out[w] = r
		}
	}
	return out, nil
}
