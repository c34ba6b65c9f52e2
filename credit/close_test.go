package credit_test

import (
	"context"
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/slatehq/slate/credit"
	"github.com/slatehq/slate/db/dbtest"
	"github.com/slatehq/slate/sla"
)

func TestLastClosedWaitsForGraceInTheTenantsZone(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	la, _ := time.LoadLocation("America/Los_Angeles")
	cases := []struct {
		name string
		s    credit.Schedule
		now  time.Time
		want string
	}{
		{"October not closed before its grace", credit.Schedule{Location: berlin, Grace: time.Hour},
			time.Date(2026, 11, 1, 0, 59, 0, 0, berlin), "2026-09"},
		{"October closed at end plus grace", credit.Schedule{Location: berlin, Grace: time.Hour},
			time.Date(2026, 11, 1, 1, 0, 0, 0, berlin), "2026-10"},
		{"midnight in Berlin is still October in UTC", credit.Schedule{Location: berlin},
			time.Date(2026, 10, 31, 23, 30, 0, 0, time.UTC), "2026-10"},
		{"the same instant in Los Angeles is still October", credit.Schedule{Location: la},
			time.Date(2026, 10, 31, 23, 30, 0, 0, time.UTC), "2026-09"},
		{"quarters", credit.Schedule{Location: la, Quarterly: true},
			time.Date(2026, 4, 1, 0, 0, 0, 0, la), "2026-Q1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.s.LastClosed(tc.now).String(); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

// fakeLedger keeps closings in memory, idempotently by contract and period,
// as the real ledger does.
type fakeLedger struct {
	entries map[string]credit.Closing
	fail    error
}

func (f *fakeLedger) RecordCloses(_ context.Context, cs []credit.Closing) ([]error, error) {
	if f.fail != nil {
		return nil, f.fail
	}
	for _, c := range cs {
		key := c.Contract.ID + "/" + c.Period.String()
		if _, ok := f.entries[key]; !ok {
			f.entries[key] = c
		}
	}
	return make([]error, len(cs)), nil
}

func TestCloseDueRecordsEachContractOnce(t *testing.T) {
	store := dbtest.Open(t)
	policy := sla.Policy{Target: big.NewRat(999, 10)}
	mk := func(id string) credit.Schedule {
		return credit.Schedule{Location: time.UTC, Contract: credit.Contract{ID: id, Policy: policy,
			Fee: sla.Money{Amount: big.NewRat(10, 1), Currency: "USD"}, Checks: []credit.Check{{ID: id + "-check"}}}}
	}
	ledger := &fakeLedger{entries: map[string]credit.Closing{}}
	now := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	for range 2 { // a second run changes nothing
		n, err := credit.CloseDue(context.Background(), store, ledger, []credit.Schedule{mk("a"), mk("b")}, now)
		if err != nil || n != 2 {
			t.Fatalf("closed %d, %v; want 2", n, err)
		}
	}
	if len(ledger.entries) != 2 {
		t.Fatalf("ledger has %d entries, want 2", len(ledger.entries))
	}
	a := ledger.entries["a/2026-10"]
	if !a.Flagged || a.EvidenceHash == "" {
		t.Errorf("a contract without evidence must be flagged and hashed: %+v", a)
	}
	ledger.fail = errors.New("disk full")
	if _, err := credit.CloseDue(context.Background(), store, ledger, []credit.Schedule{mk("c")}, now); err == nil {
		t.Error("a failing ledger was not reported")
	}
}
