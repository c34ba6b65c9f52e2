package db_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/internal/crashtest"
	"github.com/slatehq/slate/store/storetest"
)

// The ledger crash test runs TestLedgerCrashChild in a child process
// (package crashtest) with this variable set to the database file; the
// child closes, approves and issues periods until it is killed.
const ledgerCrashEnv = "SLATE_DB_LEDGER_CRASH_PATH"

const (
	ledgerCrashPeriods = 1000 // periods P000..P999, closed again and again
	ledgerCrashWorkers = 4    // goroutines racing over the same periods
)

func ledgerCrashPeriod(i int) string { return fmt.Sprintf("P%03d", i) }

// TestLedgerCrashChild is the child of TestLedgerCrashRecovery; run
// directly, it skips. Every worker closes every period (the same evidence
// each time, so only the first close writes), then approves and issues its
// credit, racing the others, and prints "ack i" once period i is issued.
func TestLedgerCrashChild(t *testing.T) {
	crashtest.Child(t)
	path := os.Getenv(ledgerCrashEnv)
	d, err := db.Open(path, db.Options{Now: fixedNow})
	if err != nil {
		fmt.Fprintln(os.Stderr, "ledger crash child:", err)
		os.Exit(2)
	}
	ctx := context.Background()
	var mu sync.Mutex
	fail := make(chan error, ledgerCrashWorkers)
	for w := range ledgerCrashWorkers {
		go func() {
			for {
				for i := range ledgerCrashPeriods {
					// Neighbouring starts: the workers race on the same periods.
					i := (i + 2*w) % ledgerCrashPeriods
					c := storetest.ClosingOf(ledgerCrashPeriod(i), int64(100*i), ledgerCrashPeriod(i))
					got, _, err := d.RecordClose(ctx, c, i%2 == 0, fmt.Sprintf("worker-%d", w))
					if err != nil {
						fail <- err
						return
					}
					if got.State == db.CreditComputed {
						if _, err := d.ApproveCredit(ctx, got.ID, "am"); err != nil && !errors.Is(err, db.ErrCreditState) {
							fail <- err
							return
						}
					}
					if _, err := d.IssueCredit(ctx, got.ID, "billing"); err != nil && !errors.Is(err, db.ErrCreditState) {
						fail <- err
						return
					}
					mu.Lock()
					fmt.Fprintf(os.Stdout, "ack %d\n", i)
					mu.Unlock()
				}
			}
		}()
	}
	select {
	case err := <-fail:
		fmt.Fprintln(os.Stderr, "ledger crash child:", err)
		os.Exit(2)
	case <-time.After(30 * time.Second):
		os.Exit(3) // only an orphan gets here: the parent kills long before
	}
}

// TestLedgerCrashRecovery kills a child recording closes with SIGKILL at
// random moments and checks after each kill that every period has exactly
// one credit entry, that every acknowledged period is issued, that each
// credit was issued once in the audit log and that the chain verifies.
func TestLedgerCrashRecovery(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.db")
	acked := map[int]bool{}
	crashtest.Run(t, crashtest.Config{
		Child: "TestLedgerCrashChild", Kills: 20, MinWait: 20 * time.Millisecond, MaxWait: 320 * time.Millisecond, AfterFirstLine: true,
		Env: func(int) []string { return []string{ledgerCrashEnv + "=" + path} },
		Line: func(_ int, line string) {
			var i int
			if _, err := fmt.Sscanf(line, "ack %d", &i); err == nil { // else the test framework's own output
				acked[i] = true
			}
		},
		Check: func(k int) { checkLedgerAfterCrash(t, k, path, acked) },
	})
	t.Logf("%d of %d periods acknowledged", len(acked), ledgerCrashPeriods)
}

func checkLedgerAfterCrash(t *testing.T, kill int, path string, acked map[int]bool) {
	t.Helper()
	d := reopenCrashed(t, kill, path, fixedNow)
	defer d.Close()
	ctx := context.Background()
	cs, err := d.Credits(ctx, db.CreditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	perPeriod := map[string]int{}
	issued := map[string]bool{} // subjects of issued entries
	for _, c := range cs {
		if c.Kind != "credit" {
			t.Errorf("kill %d: entry %d is an %s, want none: the evidence never changed", kill, c.ID, c.Kind)
		}
		perPeriod[c.Period]++
		if c.State == db.CreditIssued {
			issued[fmt.Sprintf("credit/%d", c.ID)] = true
		}
	}
	for p, n := range perPeriod {
		if n != 1 {
			t.Errorf("kill %d: period %s has %d credit entries, want 1", kill, p, n)
		}
	}
	for i := range acked {
		if !issued[creditSubjectOf(cs, ledgerCrashPeriod(i))] {
			t.Errorf("kill %d: period %s was acknowledged but is not issued", kill, ledgerCrashPeriod(i))
		}
	}
	entries, err := d.AuditEntries(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	issues := map[string]int{}
	for _, e := range entries {
		if e.Action == "credit.issued" {
			issues[e.Subject]++
		}
	}
	for s, n := range issues {
		if n != 1 || !issued[s] {
			t.Errorf("kill %d: %s: got %d credit.issued entries, issued %v; want 1 for an issued credit", kill, s, n, issued[s])
		}
	}
	if len(issues) != len(issued) {
		t.Errorf("kill %d: got %d issued credits, %d with a credit.issued entry; want the same", kill, len(issued), len(issues))
	}
	if n, err := d.VerifyAudit(ctx); err != nil {
		t.Errorf("kill %d: verify audit after %d entries: %v", kill, n, err)
	}
}

func creditSubjectOf(cs []db.Credit, period string) string {
	for _, c := range cs {
		if c.Period == period && c.Kind == "credit" {
			return fmt.Sprintf("credit/%d", c.ID)
		}
	}
	return ""
}
