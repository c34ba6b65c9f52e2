package monitor

import (
	"slices"
	"testing"
	"time"

	"github.com/slatehq/slate/config"
	"github.com/slatehq/slate/db"
)

func TestOwedWords(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	oct := time.Date(2026, 10, 1, 0, 0, 0, 0, berlin)
	sep := time.Date(2026, 9, 1, 0, 0, 0, 0, berlin)
	issued := time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC)
	entry := func(period string, start time.Time, state db.CreditState, minor int64, cur string) db.Credit {
		return db.Credit{Period: period, PeriodStart: start, State: state, AmountMinor: minor, Currency: cur, UpdatedAt: issued}
	}
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name    string
		credits []db.Credit
		terms   config.Billing
		now     time.Time
		want    []string
	}{
		{"issued, applied on the next invoice", []db.Credit{entry("2026-10", oct, db.CreditIssued, 46250, "EUR")}, config.Billing{Apply: "invoice", ApplyDay: 1}, now,
			[]string{"You are owed 462.50 EUR for 2026-10, applied to your invoice of 1 December 2026."}},
		{"an adjustment adds to its period", []db.Credit{entry("2026-10", oct, db.CreditIssued, 46250, "EUR"), entry("2026-10", oct, db.CreditIssued, -250, "EUR")},
			config.Billing{Apply: "credit-note", ApplyDay: 5}, now,
			[]string{"You are owed 460.00 EUR for 2026-10, issued as a credit note dated 5 December 2026."}},
		{"pending and voided", []db.Credit{entry("2026-10", oct, db.CreditApproved, 1717, "USD"), entry("2026-09", sep, db.CreditVoided, 9999, "USD")},
			config.Billing{Apply: "refund", ApplyDay: 1}, now,
			[]string{"You are owed 17.17 USD for 2026-10, awaiting approval; once issued it is refunded."}},
		{"already applied", []db.Credit{entry("2026-10", oct, db.CreditIssued, 46250, "EUR")}, config.Billing{Apply: "invoice", ApplyDay: 1},
			time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC), nil},
		{"newest period first", []db.Credit{entry("2026-09", sep, db.CreditComputed, 100, "EUR"), entry("2026-10", oct, db.CreditComputed, 200, "EUR")},
			config.Billing{Apply: "invoice", ApplyDay: 1}, now,
			[]string{"You are owed 2.00 EUR for 2026-10, awaiting approval; once issued it is applied to your next invoice.",
				"You are owed 1.00 EUR for 2026-09, awaiting approval; once issued it is applied to your next invoice."}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := owedWords(tc.credits, tc.terms, berlin, tc.now); !slices.Equal(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
