package db_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/store/storetest"
)

// TestRecordCloseTwoProcesses closes the same periods from two handles on
// one file at the same time: each period must end with one credit entry,
// plus one adjustment when the two saw different evidence.
func TestRecordCloseTwoProcesses(t *testing.T) {
	tests := []struct {
		name        string
		ev1, ev2    string
		wantEntries int
		wantWrites  int
	}{
		{"same evidence", "a", "a", 1, 1},
		{"different evidence", "a", "b", 2, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "slate.db")
			d1 := openAt(t, path)
			d2 := openAt(t, path)
			ctx := context.Background()
			const periods = 8
			var wg sync.WaitGroup
			wrote := make([][2]bool, periods)
			for p := range periods {
				period := fmt.Sprintf("2026-%02d", p+1)
				for i, h := range []struct {
					d  *db.DB
					ev string
				}{{d1, tc.ev1}, {d2, tc.ev2}} {
					wg.Go(func() {
						var err error
						_, wrote[p][i], err = h.d.RecordClose(ctx, storetest.ClosingOf(period, 100*int64(len(h.ev)), h.ev), false, fmt.Sprintf("slate-%d", i))
						if err != nil {
							t.Errorf("period %s, handle %d: %v", period, i, err)
						}
					})
				}
			}
			wg.Wait()
			for p := range periods {
				period := fmt.Sprintf("2026-%02d", p+1)
				cs, err := d1.Credits(ctx, db.CreditFilter{Period: period})
				if err != nil {
					t.Fatal(err)
				}
				credits := 0
				for _, c := range cs {
					if c.Kind == "credit" {
						credits++
					}
				}
				if credits != 1 || len(cs) != tc.wantEntries {
					t.Errorf("period %s: got %d entries, %d of them credits, want %d entries, 1 credit", period, len(cs), credits, tc.wantEntries)
				}
				writes := 0
				for _, w := range wrote[p] {
					if w {
						writes++
					}
				}
				if writes != tc.wantWrites {
					t.Errorf("period %s: got %d calls that wrote, want %d", period, writes, tc.wantWrites)
				}
			}
			if _, err := d2.VerifyAudit(ctx); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestCreditUniquePerPeriod inserts a second credit entry for a period
// behind the store's back: the schema itself must refuse it.
func TestCreditUniquePerPeriod(t *testing.T) {
	path := filepath.Join(t.TempDir(), "slate.db")
	d := openAt(t, path)
	ctx := context.Background()
	if _, _, err := d.RecordClose(ctx, storetest.ClosingOf("2026-10", 100, "a"), false, "slate"); err != nil {
		t.Fatal(err)
	}
	raw := rawDB(t, path)
	// A copy of entry 1 with kind and adjusts replaced.
	const copyAs = `INSERT INTO credits (tenant, contract, period, period_start_ms, period_end_ms, kind, adjusts, state,
	uptime_exact, uptime_percent, breach_minutes, credit_percent, coverage_percent, flagged, amount_minor,
	currency, evidence_hash, created_ms, updated_ms)
SELECT tenant, contract, period, period_start_ms, period_end_ms, ?, ?, state, uptime_exact,
	uptime_percent, breach_minutes, credit_percent, coverage_percent, flagged, amount_minor, currency,
	evidence_hash, created_ms, updated_ms FROM credits WHERE id = 1`
	_, err := raw.Exec(copyAs, "credit", nil)
	if err == nil || !strings.Contains(err.Error(), "UNIQUE constraint failed") {
		t.Errorf("second credit: got %v, want a UNIQUE constraint error", err)
	}
	// Adjustments of the same period are allowed.
	if _, err := raw.Exec(copyAs, "adjustment", 1); err != nil {
		t.Errorf("adjustment: got %v, want nil", err)
	}
}

// openAt opens the database at path with the test clock and closes it when
// the test ends.
func openAt(t *testing.T, path string) *db.DB {
	t.Helper()
	d, err := db.Open(path, db.Options{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Error(err)
		}
	})
	return d
}

// rawDB opens path with database/sql directly, bypassing the store, as an
// operator with the sqlite3 shell would.
func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	raw, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return raw
}
