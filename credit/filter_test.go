package credit_test

import (
	"errors"
	"testing"

	"github.com/slatehq/slate/catalog"
	"github.com/slatehq/slate/credit"
)

// TestParseFilterRefusesUnknownValues: every filter of the ledger refuses
// a value it does not know, naming the filter; known values pass.
func TestParseFilterRefusesUnknownValues(t *testing.T) {
	cat := &catalog.Catalog{Tenants: []catalog.Tenant{{ID: "acme"}}, Contracts: []catalog.Contract{{ID: "acme-gold", Tenant: "acme"}}}
	for _, tc := range []struct {
		name  string
		f     credit.Filter
		field string // "" when accepted
	}{
		{"all empty", credit.Filter{}, ""},
		{"known values", credit.Filter{Tenant: "acme", Contract: "acme-gold", Period: "2026-10", State: "computed", Flagged: "yes"}, ""},
		{"quarter", credit.Filter{Period: "2026-Q4"}, ""},
		{"state owed", credit.Filter{State: "owed"}, "state"},
		{"tenant nobody", credit.Filter{Tenant: "nobody"}, "tenant"},
		{"contract unknown", credit.Filter{Contract: "gold"}, "contract"},
		{"period month 13", credit.Filter{Period: "2026-13"}, "period"},
		{"period words", credit.Filter{Period: "october"}, "period"},
		{"flagged maybe", credit.Filter{Flagged: "maybe"}, "flagged"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := credit.ParseFilter(cat, tc.f)
			var fe *catalog.FieldError
			switch {
			case tc.field == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.field != "" && (!errors.As(err, &fe) || fe.Field != tc.field):
				t.Errorf("got %v, want a refusal naming %s", err, tc.field)
			}
		})
	}
}
