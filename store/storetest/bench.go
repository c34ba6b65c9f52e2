package storetest

import (
	"context"
	"fmt"
	"math/big"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/slatehq/slate/credit"
	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/store"
)

// CloseMonth is the month BenchCloseRead closes.
func CloseMonth() sla.Period { return sla.Month(2026, time.March, time.UTC) }

// ImportCloseSeries imports a full month of minute history for n series
// (one check and one location each: passing six runs a minute, with a few
// outages and flapping stretches at random, seeded) and returns the
// contracts the close evaluates, one per series.
func ImportCloseSeries(tb testing.TB, s store.Evidence, n int) []credit.Contract {
	tb.Helper()
	ctx := context.Background()
	month := CloseMonth()
	minutes := int(month.Duration() / time.Minute)
	r := rand.New(rand.NewPCG(7, 8))
	policy := sla.Policy{Target: big.NewRat(999, 10), Tiers: []sla.Tier{
		{Uptime: sla.Range{Lo: big.NewRat(99, 1), Hi: big.NewRat(999, 10), HiOpen: true}, Credit: big.NewRat(10, 1)},
		{Uptime: sla.Range{Lo: new(big.Rat), Hi: big.NewRat(99, 1), HiOpen: true}, Credit: big.NewRat(25, 1)},
	}}
	out := make([]credit.Contract, n)
	for i := range n {
		id := fmt.Sprintf("series-%06d", i)
		if err := s.ImportHistory(ctx, id, syntheticMonth(r, month.Start, minutes)); err != nil {
			tb.Fatal(err)
		}
		out[i] = credit.Contract{ID: id, Tenant: fmt.Sprintf("tenant-%06d", i), Policy: policy,
			Fee:    sla.Money{Amount: big.NewRat(100000, 100), Currency: "USD"},
			Checks: []credit.Check{{ID: id, Confirmation: sla.Confirmation{Failures: 2}}}}
	}
	return out
}

// syntheticMonth is one location's month: passing six runs a minute, with a
// few outages and a flapping stretch at random.
func syntheticMonth(r *rand.Rand, start time.Time, minutes int) sla.RunHistory {
	ok := sla.LocationMinute{OK: 6}
	down := sla.LocationMinute{Fail: 6, Lead: 6, Trail: 6, MaxRun: 6}
	flap := sla.LocationMinute{OK: 3, Fail: 3, Lead: 1, Trail: 1, MaxRun: 1}
	var runs []sla.MinuteRun
	for left := minutes; left > 0; {
		k := min(left, 1000+r.IntN(8000))
		runs = append(runs, sla.MinuteRun{Count: k, Minute: ok})
		if left -= k; left == 0 {
			break
		}
		bad := min(left, 1+r.IntN(40))
		m := down
		if r.IntN(3) == 0 {
			m = flap
		}
		runs = append(runs, sla.MinuteRun{Count: bad, Minute: m})
		left -= bad
	}
	return sla.RunHistory{Start: start, Minutes: minutes, Locations: []string{"local"}, Runs: [][]sla.MinuteRun{runs}}
}

// BenchCloseRead times the read path of the period close over contracts:
// for each, its month of history and exclusions read from the store and
// evaluated (credit.Compute), as the close job does before it records the
// ledger. One b.N iteration is the whole close; it reports seconds per
// close and microseconds per series.
func BenchCloseRead(b *testing.B, h credit.History, contracts []credit.Contract) {
	ctx := context.Background()
	month := CloseMonth()
	now := month.End.Add(2 * time.Hour)
	b.ResetTimer()
	for range b.N {
		for _, c := range contracts {
			if _, err := credit.Compute(ctx, h, c, month, now); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.StopTimer()
	per := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(per, "s/close")
	b.ReportMetric(per*1e6/float64(len(contracts)), "us/series")
}

// BenchSeries is the number of series a close benchmark imports:
// SLATE_BENCH_SERIES, or 10,000.
func BenchSeries(tb testing.TB) int {
	n := 10_000
	if v := os.Getenv("SLATE_BENCH_SERIES"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			tb.Fatalf("SLATE_BENCH_SERIES=%q: want a positive number", v)
		}
	}
	return n
}
