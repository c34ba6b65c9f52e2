package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/slatehq/slate/store"
)

// testCreditsPage: pages of the ledger newest first, whose count and
// per-currency totals are those of every entry through the filter (not
// just the page's), the same as summing Credits; the flagged filter; and
// page sizes and offsets refused by name.
func testCreditsPage(t *testing.T, s suite) {
	d := s.open(t)
	ctx := context.Background()
	var all []store.Credit
	for i := range 23 {
		c := ClosingOf(fmt.Sprintf("2026-%02d", 1+i%12), int64(100*i+7), fmt.Sprint(i))
		c.Contract = fmt.Sprintf("k%d", i/12)
		c.Tenant = []string{"acme", "bolt"}[i%2]
		c.Currency = []string{"EUR", "USD", "JPY"}[i%3]
		c.Contract += "-" + c.Currency // a period's currency never changes
		c.Flagged = i%4 == 0
		got, _, err := d.RecordClose(ctx, c, false, "slate")
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, got)
	}
	// An adjustment: a negative difference counts in the totals.
	adj := all[0]
	adj.AmountMinor, adj.EvidenceHash = 1, Evidence("adjusted")
	if _, _, err := d.RecordClose(ctx, adj, false, "slate"); err != nil {
		t.Fatal(err)
	}
	yes, no := true, false
	for _, tc := range []struct {
		name   string
		filter store.CreditFilter
	}{
		{"all", store.CreditFilter{}},
		{"tenant", store.CreditFilter{Tenant: "acme"}},
		{"flagged", store.CreditFilter{Flagged: &yes}},
		{"not flagged, one tenant", store.CreditFilter{Tenant: "bolt", Flagged: &no}},
		{"nothing", store.CreditFilter{Tenant: "nobody"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want, err := d.Credits(ctx, tc.filter)
			if err != nil {
				t.Fatal(err)
			}
			slices.Reverse(want)
			sums := map[string]int64{}
			for _, c := range want {
				if tc.filter.Flagged != nil && c.Flagged != *tc.filter.Flagged {
					t.Fatalf("Credits gave entry %d flagged %v through filter flagged %v", c.ID, c.Flagged, *tc.filter.Flagged)
				}
				sums[c.Currency] += c.AmountMinor
			}
			var got []int64
			for offset := 0; ; offset += 5 {
				p, err := d.CreditsPage(ctx, tc.filter, 5, offset)
				if err != nil {
					t.Fatal(err)
				}
				if p.Count != len(want) || totalsText(p.Totals) != fmt.Sprint(sums) {
					t.Errorf("offset %d: count %d totals %s, want %d and %v", offset, p.Count, totalsText(p.Totals), len(want), sums)
				}
				if len(p.Rows) > 5 {
					t.Fatalf("offset %d: %d rows, limit 5", offset, len(p.Rows))
				}
				for _, c := range p.Rows {
					got = append(got, c.ID)
				}
				if len(p.Rows) < 5 {
					break
				}
			}
			var wantIDs []int64
			for _, c := range want {
				wantIDs = append(wantIDs, c.ID)
			}
			if fmt.Sprint(got) != fmt.Sprint(wantIDs) {
				t.Errorf("pages gave IDs %v, want newest first %v", got, wantIDs)
			}
		})
	}
	for _, tc := range []struct {
		name          string
		limit, offset int
		want          string
	}{
		{"no rows", 0, 0, "limit 0"},
		{"too many rows", store.MaxCreditPage + 1, 0, fmt.Sprintf("limit %d", store.MaxCreditPage+1)},
		{"negative offset", 10, -1, "offset -1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := d.CreditsPage(ctx, store.CreditFilter{}, tc.limit, tc.offset); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error naming %q", err, tc.want)
			}
		})
	}
}

// totalsText is totals as fmt prints a map of currency to amount.
func totalsText(ts []store.CurrencyTotal) string {
	m := make(map[string]int64, len(ts))
	for i, x := range ts {
		if i > 0 && ts[i-1].Currency >= x.Currency {
			return "out of currency order: " + fmt.Sprint(ts)
		}
		m[x.Currency] = x.AmountMinor
	}
	return fmt.Sprint(m)
}
