package credit_test

import (
	"context"
	"math/big"
	"testing"
	"time"

	"github.com/slatehq/slate/catalog"
	"github.com/slatehq/slate/credit"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/db/dbtest"
	"github.com/slatehq/slate/incident"
	"github.com/slatehq/slate/sla"
)

// twoServiceFixture is a real store and a catalogue with one contract on
// mail and web for acme, mail down 1:00-1:20 on 2 March 2026 (UTC), and
// three stored incidents of acme: one on mail that also affects web, one
// on chat that also affects web (a service the contract covers only
// among its others) and one on chat alone, which the contract does not
// cover.
type twoServiceFixture struct {
	store      *db.DB
	cat        *catalog.Catalog
	k          catalog.Contract
	period     sla.Period
	both, also int64 // IDs: mail+web, chat+web
	mail       db.Incident
}

func newTwoServiceFixture(t *testing.T) twoServiceFixture {
	t.Helper()
	ctx := context.Background()
	store := dbtest.Open(t)
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	at := func(m int) time.Time { return day.Add(time.Duration(m) * time.Minute) }
	var rs []sla.Result
	for m := range 180 {
		rs = append(rs, sla.Result{CheckID: "imap", At: at(m), OK: m < 60 || m >= 80}, sla.Result{CheckID: "http", At: at(m), OK: true})
	}
	if err := store.WriteResults(ctx, rs); err != nil {
		t.Fatal(err)
	}
	k := catalog.Contract{ID: "acme-gold", Tenant: "acme", Services: []string{"mail", "web"},
		Policy: sla.Policy{Target: big.NewRat(100, 1), CreditUnit: sla.CreditProportional},
		Fee:    sla.Money{Amount: big.NewRat(44640, 1), Currency: "USD"}} // 1 USD a minute of March
	cat := &catalog.Catalog{
		Tenants:   []catalog.Tenant{{ID: "acme", Name: "Acme"}},
		Services:  []catalog.Service{{ID: "mail", Name: "Mail"}, {ID: "web", Name: "Web"}, {ID: "chat", Name: "Chat"}},
		Checks:    []catalog.Check{{ID: "imap", Service: "mail"}, {ID: "http", Service: "web"}},
		Contracts: []catalog.Contract{k},
	}
	f := twoServiceFixture{store: store, cat: cat, k: k, period: sla.Month(2026, time.March, time.UTC)}
	for _, inc := range []struct {
		id            *int64
		service, also string
		from, to      int
	}{
		{&f.both, "mail", "web", 60, 80},
		{&f.also, "chat", "web", 100, 110},
		{nil, "chat", "", 120, 130},
	} {
		s := db.Incident{Incident: incident.Incident{Service: inc.service, Status: incident.Resolved, Severity: incident.Major,
			Started: at(inc.from), Ended: at(inc.to)}, Tenants: []string{"acme"}}
		if inc.also != "" {
			s.Also = []string{inc.also}
		}
		id, err := store.SaveIncident(ctx, &s, "test")
		if err != nil {
			t.Fatal(err)
		}
		if inc.id != nil {
			*inc.id = id
		}
		if inc.service == "mail" {
			f.mail = s
		}
	}
	return f
}

// TestImpactOfAnIncidentOnTwoServicesOfAContract: an incident on mail
// that also affects web, for a contract on both, is one row of the
// contract's impact, carrying mail's 20 minutes.
func TestImpactOfAnIncidentOnTwoServicesOfAContract(t *testing.T) {
	f := newTwoServiceFixture(t)
	now := f.period.End.Add(time.Hour)
	got := credit.Impact(context.Background(), f.store, f.cat, f.mail.Incident, f.mail.Tenants, now)
	if len(got) != 1 {
		t.Fatalf("%d rows %+v, want one for acme-gold", len(got), got)
	}
	if got[0].Contract != "acme-gold" || got[0].BreachMinutes != "20" || got[0].Exposure != "20.00" {
		t.Errorf("row %+v, want acme-gold with 20 breach minutes worth 20.00", got[0])
	}
}

// TestPeriodSharesListAnIncidentOnTwoServicesOnce: the period's incidents
// are those on the contract's services, as theirs or among their others,
// each once; an incident on a service the contract does not cover is
// left out.
func TestPeriodSharesListAnIncidentOnTwoServicesOnce(t *testing.T) {
	f := newTwoServiceFixture(t)
	now := f.period.End.Add(time.Hour)
	st, un, shares, err := credit.PeriodShares(context.Background(), f.store, f.cat, f.k, f.period, now)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	total := un.AmountMinor
	for _, sh := range shares {
		ids = append(ids, sh.Incident.ID)
		total += sh.AmountMinor
	}
	if len(ids) != 2 || ids[0] != f.both || ids[1] != f.also {
		t.Errorf("incidents %v, want %d (mail and web) then %d (chat and web), once each", ids, f.both, f.also)
	}
	if w := st.Outcome.AmountMinor().Int64(); total != w || w != 2000 {
		t.Errorf("parts add up to %d minor units, want the statement's %d (2000)", total, w)
	}
}
