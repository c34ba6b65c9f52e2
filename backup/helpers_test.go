package backup_test

import (
	"context"
	"fmt"
	"math/big"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/slatehq/slate/backup"
	"github.com/slatehq/slate/credit"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/db/dbtest"
	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/store"
)

// period is the closed period the seeded ledger holds a credit for.
var period = sla.Month(2026, time.October, time.UTC)

// contract is the seeded tenant's contract: one check from two locations.
func contract() credit.Contract {
	return credit.Contract{
		ID: "acme-web", Tenant: "acme",
		Policy: sla.Policy{
			Target: big.NewRat(999, 10),
			Tiers:  []sla.Tier{{Uptime: sla.Range{Lo: new(big.Rat), Hi: big.NewRat(999, 10), HiOpen: true}, Credit: big.NewRat(10, 1)}},
		},
		Fee:    sla.Money{Amount: big.NewRat(50000, 100), Currency: "EUR"},
		Checks: []credit.Check{{ID: "web", Locations: []string{"a", "b"}, Confirmation: sla.Confirmation{Failures: 1}}},
	}
}

// resolve is the Resolver of the seeded ledger.
func resolve(id string) (credit.Contract, sla.Period, bool) {
	if id != "acme-web" {
		return credit.Contract{}, sla.Period{}, false
	}
	return contract(), period, true
}

// seed writes three hours of evidence for the contract into a new store,
// with a 20-minute outage, and records the period's credit in its ledger as
// the period close would. A non-empty hash replaces the evidence hash the
// close computes, to make the ledger disagree with the evidence.
func seed(t *testing.T, hash string) *db.DB {
	t.Helper()
	store := dbtest.Open(t)
	seedInto(t, store, hash)
	return store
}

// seedInto is seed into any backend's store.
func seedInto(t *testing.T, store store.Store, hash string) {
	t.Helper()
	ctx := context.Background()
	start := period.Start.Add(48 * time.Hour)
	var rs []sla.Result
	for m := range 180 {
		for _, loc := range []string{"a", "b"} {
			rs = append(rs, sla.Result{CheckID: "web", Location: loc, At: start.Add(time.Duration(m) * time.Minute), OK: m < 60 || m >= 80})
		}
	}
	if err := store.WriteResults(ctx, rs); err != nil {
		t.Fatal(err)
	}
	st, err := credit.Compute(ctx, store, contract(), period, period.End)
	if err != nil {
		t.Fatal(err)
	}
	if hash == "" {
		if hash, err = credit.EvidenceHash(st); err != nil {
			t.Fatal(err)
		}
	}
	r := st.Outcome.Report()
	minutes := "0"
	if r.DowntimeMinutes != nil {
		minutes = *r.DowntimeMinutes
	}
	_, _, err = store.RecordClose(ctx, db.Credit{
		Tenant: "acme", Contract: "acme-web", Period: period.String(),
		PeriodStart: period.Start, PeriodEnd: period.End,
		UptimeExact: r.UptimeExact, UptimePercent: r.UptimePercent, BreachMinutes: minutes,
		CreditPercent: r.CreditPercent, CoveragePercent: sla.FormatFixed(st.CoveragePercent(), 4),
		Flagged: st.Flagged, AmountMinor: st.Outcome.AmountMinor().Int64(), Currency: st.Outcome.Currency,
		EvidenceHash: hash,
	}, false, "test")
	if err != nil {
		t.Fatal(err)
	}
	if err := store.AppendAudit(ctx, "test", "note", "seed", map[string]any{"why": "a row in the audit log"}); err != nil {
		t.Fatal(err)
	}
}

// metric reads the value of a labelled gauge or counter from reg; -1 when
// it is absent.
func metric(t *testing.T, reg *prometheus.Registry, name, level string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "level" && l.GetValue() == level {
					if m.Gauge != nil {
						return m.GetGauge().GetValue()
					}
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return -1
}

// at is the time of the n-th backup of a test: an hour apart.
func at(n int) time.Time {
	return time.Date(2026, 11, 27, 5, 22, 0, 0, time.UTC).Add(time.Duration(n) * time.Hour)
}

// goodOf returns the good backups of a level in a listing, newest first.
func goodOf(bs []backup.Backup, level string) []backup.Backup {
	var out []backup.Backup
	for _, b := range bs {
		if b.Level == level && b.Good {
			out = append(out, b)
		}
	}
	return out
}

func times(bs []backup.Backup) string {
	s := ""
	for _, b := range bs {
		s += fmt.Sprintf(" %s(good=%v)", b.Time.Format("15:04"), b.Good)
	}
	return s
}
