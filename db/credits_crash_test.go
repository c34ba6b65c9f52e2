package db_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/store/storetest"
)

// The ledger crash test re-executes this test binary running only
// TestLedgerCrashChild, with this variable set to the database file; the
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
	path := os.Getenv(ledgerCrashEnv)
	if path == "" {
		t.Skip("child of TestLedgerCrashRecovery")
	}
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
	if testing.Short() {
		t.Skip("re-executes the test binary; skipped with -short")
	}
	const kills = 20
	path := filepath.Join(t.TempDir(), "ledger.db")
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 11))
	acked := map[int]bool{}
	for k := range kills {
		cmd, stderr, lines := startChild(t, "-test.run=^TestLedgerCrashChild$", ledgerCrashEnv+"="+path)
		record := func(line string) {
			var i int
			if _, err := fmt.Sscanf(line, "ack %d", &i); err != nil {
				return // the test framework's own output
			}
			acked[i] = true
		}
		// Kill at a random moment once the child is writing.
		select {
		case line, ok := <-lines:
			if !ok {
				cmd.Wait()
				t.Fatalf("kill %d: child exited before writing: %s", k, stderr.String())
			}
			record(line)
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			t.Fatalf("kill %d: child wrote nothing in 20s", k)
		}
		deadline := time.After(time.Duration(20+rng.IntN(300)) * time.Millisecond)
	running:
		for {
			select {
			case line, ok := <-lines:
				if !ok {
					cmd.Wait()
					t.Fatalf("kill %d: child exited on its own: %s", k, stderr.String())
				}
				record(line)
			case <-deadline:
				break running
			}
		}
		if err := cmd.Process.Kill(); err != nil { // SIGKILL on Unix
			t.Fatal(err)
		}
		for line := range lines {
			record(line)
		}
		cmd.Wait()
		checkLedgerAfterCrash(t, k, path, acked)
	}
	t.Logf("%d kills; %d of %d periods acknowledged", kills, len(acked), ledgerCrashPeriods)
}

func checkLedgerAfterCrash(t *testing.T, kill int, path string, acked map[int]bool) {
	t.Helper()
	d, err := db.Open(path, db.Options{Now: fixedNow})
	if err != nil {
		t.Fatalf("kill %d: reopen: %v", kill, err)
	}
	defer d.Close()
	ctx := context.Background()
	if err := d.IntegrityCheck(ctx); err != nil {
		t.Fatalf("kill %d: %v", kill, err)
	}
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
