package backup

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/slatehq/slate/credit"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/sla"
)

// Resolver gives the contract a ledger entry was computed under and the
// period shape (its time zone) of that contract. ok is false for a contract
// it does not know; Verify reports such entries and does not fail on them.
type Resolver func(contract string) (c credit.Contract, p sla.Period, ok bool)

// VerifyOptions are Verify's optional settings; the zero value verifies
// everything but the credits.
type VerifyOptions struct {
	// Resolve finds the contracts of the restored ledger's entries. nil
	// skips the recomputation of credits, and the Report says so.
	Resolve Resolver
	// TempDir is where the backup is restored to be checked: it needs
	// room for one copy of it. "" means the system's temporary directory.
	TempDir string
}

// Step outcomes.
const (
	StepOK      = "ok"
	StepFailed  = "failed"
	StepSkipped = "skipped"
)

// Step is one check Verify ran.
type Step struct {
	Name    string // "checksum", "restore", "integrity", "counts", "credits"
	Outcome string // StepOK, StepFailed or StepSkipped
	Detail  string // what was found, or why it failed or was skipped
}

// Report is what Verify did to a backup, step by step, and what it found.
type Report struct {
	File   string
	SHA256 string    // the checksum that matched; "" when the check failed
	Counts db.Counts // rows counted in the restored copy
	Steps  []Step
}

// OK reports whether every step that ran succeeded.
func (r Report) OK() bool {
	for _, s := range r.Steps {
		if s.Outcome == StepFailed {
			return false
		}
	}
	return len(r.Steps) > 0
}

// String is the report in lines, one per step.
func (r Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", r.File)
	for _, s := range r.Steps {
		fmt.Fprintf(&b, "  %-9s %-7s %s\n", s.Name, s.Outcome, s.Detail)
	}
	return b.String()
}

func (r *Report) add(name, outcome, detail string) {
	r.Steps = append(r.Steps, Step{Name: name, Outcome: outcome, Detail: detail})
}

// fail records a failed step and returns its error, naming the file.
func (r *Report) fail(name string, err error) error {
	r.add(name, StepFailed, err.Error())
	return fmt.Errorf("verify %s: %s: %w", r.File, name, err)
}

// Verify checks that the backup file is one the store could be restored
// from, in steps that stop at the first failure:
//
//   - checksum: the file matches its .sha256 file, which must exist, so a
//     flipped byte is caught before anything reads the file;
//   - restore: it is copied into a temporary directory, and the copy's
//     checksum is the same;
//   - integrity: SQLite's integrity_check and foreign_key_check on the
//     copy;
//   - counts: the copy's row counts equal expect, the counts taken from the
//     snapshot when it was made (skipped when expect is nil);
//   - credits: for every contract in the restored ledger, every credit
//     entry of its latest closed period (each contract's own: a Berlin
//     tenant's month ends an hour before a UTC one's) recomputed from the
//     restored evidence carries the same evidence hash and exact uptime as
//     the ledger's current figures (skipped without opts.Resolve).
//
// The report lists each step that ran; the temporary copy is removed.
func Verify(ctx context.Context, file string, expect *db.Counts, opts VerifyOptions) (Report, error) {
	r := Report{File: file}
	sum, _, err := checkSum(file)
	if err != nil {
		return r, r.fail("checksum", err)
	}
	r.SHA256 = sum
	r.add("checksum", StepOK, "sha256 "+sum)

	tmpDir, err := os.MkdirTemp(opts.TempDir, "slate-verify-")
	if err != nil {
		return r, r.fail("restore", err)
	}
	defer os.RemoveAll(tmpDir)
	restored := filepath.Join(tmpDir, "restored.db")
	tmp, err := copyToTemp(file, tmpDir, tempPattern(restored), sum)
	if err == nil {
		err = os.Rename(tmp, restored)
	}
	if err != nil {
		return r, r.fail("restore", err)
	}
	r.add("restore", StepOK, "copied to a temporary directory, same checksum")

	if err := db.CheckFile(ctx, restored); err != nil {
		return r, r.fail("integrity", err)
	}
	r.add("integrity", StepOK, "integrity_check and foreign_key_check found nothing")

	counts, err := db.CountRows(ctx, restored)
	if err != nil {
		return r, r.fail("counts", err)
	}
	if err := r.compareCounts(counts, expect); err != nil {
		return r, err
	}

	return r, r.creditsStep(opts.Resolve, func() (string, error) { return verifyCredits(ctx, restored, opts.Resolve) })
}

// creditsStep is the credits step: check, unless there is no resolver.
func (r *Report) creditsStep(resolve Resolver, check func() (string, error)) error {
	if resolve == nil {
		r.add("credits", StepSkipped, "no contract resolver: credits not recomputed")
		return nil
	}
	detail, err := check()
	if err != nil {
		return r.fail("credits", err)
	}
	r.add("credits", StepOK, detail)
	return nil
}

// compareCounts is the counts step: the restored copy's counts against
// those of the snapshot, when they are known.
func (r *Report) compareCounts(counts db.Counts, expect *db.Counts) error {
	r.Counts = counts
	switch {
	case expect == nil:
		r.add("counts", StepSkipped, fmt.Sprintf("no expected counts; found %s", formatCounts(counts)))
	case counts != *expect:
		return r.fail("counts", fmt.Errorf("restored copy has %s, the snapshot had %s", formatCounts(counts), formatCounts(*expect)))
	default:
		r.add("counts", StepOK, formatCounts(counts))
	}
	return nil
}

func formatCounts(c db.Counts) string {
	return fmt.Sprintf("%d results, %d history days, %d credits, %d audit entries, %d exclusions",
		c.Results, c.HistoryDays, c.Credits, c.Audit, c.Exclusions)
}

// verifyCredits opens the restored copy as a store and recomputes the
// latest closed period's credits of every contract from its evidence.
func verifyCredits(ctx context.Context, restored string, resolve Resolver) (string, error) {
	// The copy is a throwaway: opening it as a store (which may set WAL
	// mode on it) changes nothing that matters. Its clock is only used for
	// migration stamps and late results, neither of which happens here.
	store, err := db.Open(restored, db.Options{})
	if err != nil {
		return "", err
	}
	defer store.Close()
	detail, err := checkCredits(ctx, store, resolve)
	if err != nil {
		return "", err
	}
	if err := store.Close(); err != nil {
		return "", err
	}
	return detail, nil
}

// ledgerStore is what checkCredits reads of a restored store.
type ledgerStore interface {
	credit.History
	Credits(ctx context.Context, f db.CreditFilter) ([]db.Credit, error)
}

// checkCredits recomputes, for every contract of a restored store, the
// credits of its latest closed period from the evidence and compares them
// with the ledger.
func checkCredits(ctx context.Context, store ledgerStore, resolve Resolver) (string, error) {
	entries, err := store.Credits(ctx, db.CreditFilter{})
	if err != nil {
		return "", err
	}
	// Each contract's latest period: the latest end among its credit
	// entries. Periods end in the tenants' zones, at different instants.
	latest := map[string]time.Time{}
	for _, e := range entries {
		if e.Kind == db.KindCredit && e.PeriodEnd.After(latest[e.Contract]) {
			latest[e.Contract] = e.PeriodEnd
		}
	}
	if len(latest) == 0 {
		return "no credit in the ledger", nil
	}
	// The entry that carries a credit's figures now: its latest adjustment
	// that is not voided, or the credit itself.
	carrier := map[int64]db.Credit{}
	for _, e := range entries {
		id := e.ID
		if e.Kind == db.KindAdjustment {
			id = e.Adjusts
		}
		if e.State == db.CreditVoided {
			continue
		}
		if cur, ok := carrier[id]; !ok || e.ID > cur.ID {
			carrier[id] = e
		}
	}
	var (
		checked            int
		unknown, withdrawn []string
		periods            []string
	)
	for _, e := range entries {
		if e.Kind != db.KindCredit || !e.PeriodEnd.Equal(latest[e.Contract]) {
			continue
		}
		if !slices.Contains(periods, e.Period) {
			periods = append(periods, e.Period)
		}
		cur, ok := carrier[e.ID]
		if !ok {
			withdrawn = append(withdrawn, e.Contract)
			continue
		}
		c, p, ok := resolve(e.Contract)
		if !ok {
			unknown = append(unknown, e.Contract)
			continue
		}
		loc := p.Location
		if loc == nil {
			loc = time.UTC
		}
		// The bounds are the ledger's: the time zone is the contract's.
		per := sla.Period{Start: e.PeriodStart.In(loc), End: e.PeriodEnd.In(loc), Location: loc}
		st, err := credit.Compute(ctx, store, c, per, per.End)
		if err != nil {
			return "", fmt.Errorf("recompute credit %d of %s for %s: %w", e.ID, e.Contract, e.Period, err)
		}
		hash, err := credit.EvidenceHash(st)
		if err != nil {
			return "", fmt.Errorf("recompute credit %d of %s for %s: %w", e.ID, e.Contract, e.Period, err)
		}
		if got := st.Outcome.Report().UptimeExact; got != cur.UptimeExact {
			return "", fmt.Errorf("credit %d of %s for %s: the ledger has uptime %s, the restored evidence gives %s", cur.ID, e.Contract, e.Period, cur.UptimeExact, got)
		}
		if hash != cur.EvidenceHash {
			return "", fmt.Errorf("credit %d of %s for %s: the ledger has evidence hash %s, the restored evidence gives %s", cur.ID, e.Contract, e.Period, cur.EvidenceHash, hash)
		}
		checked++
	}
	sort.Strings(periods)
	detail := fmt.Sprintf("%d credits of %s recomputed from the restored evidence and equal to the ledger", checked, strings.Join(periods, ", "))
	if len(unknown) > 0 {
		sort.Strings(unknown)
		detail += "; contracts not known to the resolver, not checked: " + strings.Join(unknown, ", ")
	}
	if len(withdrawn) > 0 {
		sort.Strings(withdrawn)
		detail += "; voided, not checked: " + strings.Join(withdrawn, ", ")
	}
	return detail, nil
}
