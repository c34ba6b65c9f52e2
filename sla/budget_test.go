package sla

import (
	"math/big"
	"testing"
	"time"
)

func TestErrorBudget(t *testing.T) {
	target := big.NewRat(999, 10)
	month := 30 * 24 * time.Hour
	cases := []struct {
		name            string
		target          *big.Rat
		down            time.Duration
		spent, remained string
	}{
		{"untouched", target, 0, "0", "1"},
		{"half of 43.2 minutes", target, 21*time.Minute + 36*time.Second, "1/2", "1/2"},
		{"exhausted", target, 43*time.Minute + 12*time.Second, "1", "0"},
		{"overspent twice", target, 86*time.Minute + 24*time.Second, "2", "-1"},
		{"a 100% target with downtime", big.NewRat(100, 1), time.Second, "1", "0"},
		{"a 100% target without", big.NewRat(100, 1), 0, "0", "1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := ErrorBudget(tc.target, month, big.NewRat(int64(tc.down), 1))
			if got := b.SpentRatio().RatString(); got != tc.spent {
				t.Errorf("spent: got %s, want %s", got, tc.spent)
			}
			if got := b.RemainingRatio().RatString(); got != tc.remained {
				t.Errorf("remaining: got %s, want %s", got, tc.remained)
			}
		})
	}
	if got := ErrorBudget(target, month, new(big.Rat)).Allowed; got.Cmp(big.NewRat(int64(43*time.Minute+12*time.Second), 1)) != 0 {
		t.Errorf("allowed: got %s ns, want 43m12s", got.RatString())
	}
}

// The workbook's figures: against 99.9%, a total outage burns at 1000; the
// 1-hour page fires at a burn rate of 14.4 (2% of a 30-day budget in an
// hour), which a total outage reaches after 51.84 seconds of the hour.
func TestBurnRateWorkbookFigures(t *testing.T) {
	target := big.NewRat(999, 10)
	rate, ok := BurnRate(target, time.Hour, time.Hour)
	if !ok || rate.Cmp(big.NewRat(1000, 1)) != 0 {
		t.Fatalf("total outage: got %v, %v; want 1000", rate, ok)
	}
	page := new(big.Rat).SetFrac64(144, 10)
	at := func(bad time.Duration) *big.Rat { r, _ := BurnRate(target, bad, time.Hour); return r }
	if at(51840*time.Millisecond).Cmp(page) != 0 {
		t.Errorf("51.84 s of an hour: got %s, want exactly 14.4", at(51840*time.Millisecond).FloatString(4))
	}
	if at(51*time.Second).Cmp(page) >= 0 {
		t.Errorf("51 s of an hour already reaches 14.4")
	}
	if _, ok := BurnRate(big.NewRat(100, 1), time.Minute, time.Hour); ok {
		t.Error("a 100% target has no burn rate")
	}
	if _, ok := BurnRate(target, 0, 0); ok {
		t.Error("an empty window has no burn rate")
	}
}

func TestWindowCountsEvidenceOnly(t *testing.T) {
	bad, counted := Window([]State{StateUp, StateDown, StateUnknown, StateMaintenance, StateDegraded, StateDown})
	if bad != 2*time.Minute || counted != 4*time.Minute {
		t.Errorf("got %s bad of %s, want 2m of 4m", bad, counted)
	}
}

// TestOneDownMinuteFiresTheHourPage: with minute evidence, the first minute
// of a total outage after 59 good ones already burns an hour's window at
// 1000/60 ≈ 16.7, past the page threshold of 14.4 — the workbook's "about 52
// seconds", at minute resolution.
func TestOneDownMinuteFiresTheHourPage(t *testing.T) {
	states := []StateRun{{59, StateUp}, {1, StateDown}}
	bad, counted := WindowRuns(states, 60)
	rate, ok := BurnRate(big.NewRat(999, 10), bad, counted)
	if !ok || rate.Cmp(big.NewRat(1000, 60)) != 0 || rate.Cmp(big.NewRat(144, 10)) <= 0 {
		t.Errorf("rate after one down minute: %v, want 1000/60, above 14.4", rate)
	}
	bad5, counted5 := WindowRuns(states, 5)
	if r, _ := BurnRate(big.NewRat(999, 10), bad5, counted5); r.Cmp(big.NewRat(200, 1)) != 0 {
		t.Errorf("5-minute confirmation window: %v, want 200", r)
	}
}
