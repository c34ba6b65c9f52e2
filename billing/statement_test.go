package billing_test

import (
	"context"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/billing"
	"github.com/slatehq/slate/catalog"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/db/dbtest"
	"github.com/slatehq/slate/incident"
	"github.com/slatehq/slate/sla"
)

// TestStatementListsAnIncidentOnTwoServicesOnce: a contract on mail and
// web; acme's incidents of March are one on mail that also affects web,
// one on chat that also affects web and one on chat alone. The statement
// lists the first once, under mail, the second under web (the service of
// it the contract covers) and not the third.
func TestStatementListsAnIncidentOnTwoServicesOnce(t *testing.T) {
	ctx := context.Background()
	store := dbtest.Open(t)
	k := catalog.Contract{ID: "acme-gold", Name: "Gold", Tenant: "acme", Services: []string{"mail", "web"},
		Policy: sla.Policy{Target: big.NewRat(999, 10)}, Fee: sla.Money{Amount: big.NewRat(1000, 1), Currency: "USD"}}
	cat := &catalog.Catalog{
		Tenants:   []catalog.Tenant{{ID: "acme", Name: "Acme", Location: time.UTC}},
		Services:  []catalog.Service{{ID: "mail", Name: "Mail"}, {ID: "web", Name: "Web"}, {ID: "chat", Name: "Chat"}},
		Checks:    []catalog.Check{{ID: "imap", Service: "mail"}, {ID: "http", Service: "web"}},
		Contracts: []catalog.Contract{k},
	}
	period := sla.Month(2026, time.March, time.UTC)
	at := func(m int) time.Time { return period.Start.Add(24*time.Hour + time.Duration(m)*time.Minute) }
	for _, inc := range []struct {
		service, also string
		from, to      int
	}{
		{"mail", "web", 60, 80},
		{"chat", "web", 100, 110},
		{"chat", "", 120, 130},
	} {
		s := db.Incident{Incident: incident.Incident{Service: inc.service, Status: incident.Resolved, Severity: incident.Major,
			Started: at(inc.from), Ended: at(inc.to)}, Tenants: []string{"acme"}}
		if inc.also != "" {
			s.Also = []string{inc.also}
		}
		if _, err := store.SaveIncident(ctx, &s, "test"); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := store.RecordClose(ctx, db.Credit{Tenant: "acme", Contract: k.ID, Period: "2026-03",
		PeriodStart: period.Start, PeriodEnd: period.End, UptimeExact: "100", UptimePercent: "100", BreachMinutes: "0",
		CreditPercent: "0", CoveragePercent: "100", Currency: "USD", EvidenceHash: strings.Repeat("a", 64)}, false, "test"); err != nil {
		t.Fatal(err)
	}
	b := billing.Builder{Store: store, Catalog: cat}
	s, err := b.Statement(ctx, "acme", "2026-03", period.End.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Contracts) != 1 {
		t.Fatalf("%d contracts, want acme-gold alone", len(s.Contracts))
	}
	var got []string
	for _, i := range s.Contracts[0].Incidents {
		got = append(got, fmt.Sprintf("%s %s-%s", i.Title, i.Start.Format("15:04"), i.End.Format("15:04")))
	}
	if want := "Mail outage 01:00-01:20, Web outage 01:40-01:50"; strings.Join(got, ", ") != want {
		t.Errorf("incidents %q, want %s", got, want)
	}
}
