package bench

import (
	"context"
	"fmt"
	"io"
	"math/big"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/slatehq/slate/credit"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/monitor"
	"github.com/slatehq/slate/pgstore"
	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/store"
)

// CloseReport is what slate bench close prints.
type CloseReport struct {
	Series          int     `json:"series"`
	CloseSeconds    float64 `json:"close_seconds"`
	PerSeriesUs     float64 `json:"per_series_us"`
	PeakRSSBytes    int64   `json:"peak_rss_bytes"`
	CreditsRecorded int     `json:"credits_recorded"`
	// ReCloseSeconds times closing the same month again with the evidence
	// unchanged — what the quarter-hourly re-close of the last closed
	// period costs when nothing arrived late; LedgerEntries counts the
	// ledger after it (one credit per series: the re-close adds nothing).
	ReCloseSeconds float64 `json:"reclose_seconds"`
	LedgerEntries  int     `json:"ledger_entries"`
}

// benchMonth is the month the close benchmark closes.
func benchMonth() sla.Period { return sla.Month(2026, time.March, time.UTC) }

// Close sizes the period close: it imports a month of minute history for n
// tenant × check series into a temporary SQLite store, or into the empty
// PostgreSQL database at storageURL when it is not "", then times closing
// that month for all of them, as the close job does, writing progress to
// progress (nil for none).
func Close(ctx context.Context, n int, storageURL string, progress io.Writer) (CloseReport, error) {
	rep := CloseReport{Series: n}
	store, done, err := closeStore(ctx, storageURL)
	if err != nil {
		return rep, err
	}
	defer done()
	month := benchMonth()
	minutes := int(month.Duration() / time.Minute)
	r := rand.New(rand.NewPCG(7, 8))
	scheds := make([]credit.Schedule, n)
	policy := sla.Policy{Target: big.NewRat(999, 10), Tiers: []sla.Tier{
		{Uptime: sla.Range{Lo: big.NewRat(99, 1), Hi: big.NewRat(999, 10), HiOpen: true}, Credit: big.NewRat(10, 1)},
		{Uptime: sla.Range{Lo: new(big.Rat), Hi: big.NewRat(99, 1), HiOpen: true}, Credit: big.NewRat(25, 1)},
	}}
	start := time.Now()
	for i := range n {
		id := fmt.Sprintf("series-%06d", i)
		if err := store.ImportHistory(ctx, id, syntheticMonth(r, month.Start, minutes)); err != nil {
			return rep, err
		}
		scheds[i] = credit.Schedule{Location: time.UTC, Contract: credit.Contract{
			ID: id, Tenant: fmt.Sprintf("tenant-%06d", i), Policy: policy,
			Fee:    sla.Money{Amount: big.NewRat(100000, 100), Currency: "USD"},
			Checks: []credit.Check{{ID: id, Confirmation: sla.Confirmation{Failures: 2}}},
		}}
		if progress != nil && (i+1)%2000 == 0 {
			fmt.Fprintf(progress, "imported %d series (%s)\n", i+1, time.Since(start).Round(time.Second))
		}
	}
	// The close, as the job runs it: just after the month and its grace.
	now := month.End.Add(2 * time.Hour)
	t0 := time.Now()
	closed, err := credit.CloseDue(ctx, store, monitor.Ledger{Store: store, Actor: "bench"}, scheds, now)
	elapsed := time.Since(t0)
	if err != nil {
		return rep, err
	}
	rep.CloseSeconds = round3(elapsed.Seconds())
	rep.PerSeriesUs = round3(float64(elapsed.Microseconds()) / float64(n))
	rep.CreditsRecorded = closed
	t0 = time.Now()
	if _, err := credit.CloseDue(ctx, store, monitor.Ledger{Store: store, Actor: "bench"}, scheds, now); err != nil {
		return rep, fmt.Errorf("close again: %w", err)
	}
	rep.ReCloseSeconds = round3(time.Since(t0).Seconds())
	rep.PeakRSSBytes = peakRSS()
	c, err := store.Counts(ctx)
	if err != nil {
		return rep, err
	}
	rep.LedgerEntries = int(c.Credits)
	return rep, nil
}

// closeStore opens the store the close benchmark fills: a SQLite file in a
// temporary directory, or the PostgreSQL database at url, which must hold
// no evidence or ledger yet (the benchmark's figures are of its own data).
func closeStore(ctx context.Context, url string) (store.Store, func(), error) {
	if url == "" {
		dir, err := os.MkdirTemp("", "slate-bench-close-")
		if err != nil {
			return nil, nil, err
		}
		d, err := db.Open(filepath.Join(dir, "close.db"), db.Options{})
		if err != nil {
			os.RemoveAll(dir)
			return nil, nil, err
		}
		return d, func() { d.Close(); os.RemoveAll(dir) }, nil
	}
	p, err := pgstore.Open(ctx, url, pgstore.Options{})
	if err != nil {
		return nil, nil, err
	}
	c, err := p.Counts(ctx)
	if err == nil && c != (store.Counts{}) {
		err = fmt.Errorf("storage url: the database is not empty (%+v): give an empty one", c)
	}
	if err != nil {
		p.Close()
		return nil, nil, err
	}
	return p, func() { p.Close() }, nil
}

// syntheticMonth is one location's month: passing six runs a minute, with a
// few outages and a flapping stretch at random.
func syntheticMonth(r *rand.Rand, start time.Time, minutes int) sla.RunHistory {
	ok := sla.LocationMinute{OK: 6}
	down := sla.LocationMinute{Fail: 6, Lead: 6, Trail: 6, MaxRun: 6}
	flap := sla.LocationMinute{OK: 3, Fail: 3, Lead: 1, Trail: 1, MaxRun: 1}
	var runs []sla.MinuteRun
	left := minutes
	for left > 0 {
		k := min(left, 1000+r.IntN(8000))
		runs = append(runs, sla.MinuteRun{Count: k, Minute: ok})
		left -= k
		if left == 0 {
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
