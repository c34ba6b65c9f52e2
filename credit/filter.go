package credit

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/slatehq/slate/catalog"
	"github.com/slatehq/slate/store"
)

// Filter is a ledger query as people write it: on the console, in the
// admin API and on the command line. Empty fields match anything.
type Filter struct {
	Tenant, Contract, Period, State string
	// Flagged is "yes" (coverage below the threshold), "no", or "".
	Flagged string
}

var periodName = regexp.MustCompile(`^[0-9]{4}-(0[1-9]|1[0-2]|Q[1-4])$`)

// ParseFilter checks f against cat and returns the store's filter and the
// flagged choice (nil for either). Unknown values are refused with a
// *catalog.FieldError naming the filter, so that a typo reads as a
// mistake, never as "nothing owed".
func ParseFilter(cat *catalog.Catalog, f Filter) (store.CreditFilter, *bool, error) {
	out := store.CreditFilter{Tenant: f.Tenant, Contract: f.Contract, Period: f.Period, State: store.CreditState(f.State)}
	switch out.State {
	case "", store.CreditComputed, store.CreditApproved, store.CreditIssued, store.CreditVoided:
	default:
		return out, nil, &catalog.FieldError{Field: "state", Msg: fmt.Sprintf("%q is not one of computed, approved, issued, voided", f.State)}
	}
	if f.Tenant != "" {
		if _, ok := cat.Tenant(f.Tenant); !ok {
			return out, nil, &catalog.FieldError{Field: "tenant", Msg: fmt.Sprintf("no tenant %q in the configuration", f.Tenant)}
		}
	}
	if f.Contract != "" {
		if _, ok := cat.Contract(f.Contract); !ok {
			return out, nil, &catalog.FieldError{Field: "contract", Msg: fmt.Sprintf("no contract %q in the configuration", f.Contract)}
		}
	}
	if f.Period != "" && !periodName.MatchString(f.Period) {
		return out, nil, &catalog.FieldError{Field: "period", Msg: fmt.Sprintf("%q is not a period such as 2026-10 or 2026-Q4", f.Period)}
	}
	var flagged *bool
	switch strings.ToLower(f.Flagged) {
	case "":
	case "yes", "true":
		flagged = new(bool)
		*flagged = true
	case "no", "false":
		flagged = new(bool)
	default:
		return out, nil, &catalog.FieldError{Field: "flagged", Msg: fmt.Sprintf("%q is not yes or no", f.Flagged)}
	}
	return out, flagged, nil
}

// Keep is whether entry c passes the flagged choice of ParseFilter.
func Keep(c store.Credit, flagged *bool) bool { return flagged == nil || c.Flagged == *flagged }
