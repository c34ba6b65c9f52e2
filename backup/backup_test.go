package backup_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/slatehq/slate/backup"
	"github.com/slatehq/slate/credit"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/sla"
)

// TestTakeWhileWriting takes a backup while four goroutines write results:
// it must verify, every step included, with the exact counts of the
// snapshot, and a backup taken after the writers stopped holds every row.
func TestTakeWhileWriting(t *testing.T) {
	ctx := context.Background()
	store := seed(t, "")
	before, err := store.Snapshot(ctx, filepath.Join(t.TempDir(), "before.db"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := backup.Config{Dir: t.TempDir(), Resolve: resolve}
	const writers, batches, size = 4, 25, 20
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
			for b := range batches {
				rs := make([]sla.Result, size)
				for i := range rs {
					rs[i] = sla.Result{CheckID: fmt.Sprintf("w%d", w), At: start.Add(time.Duration(b*size+i) * time.Second), OK: true}
				}
				if err := store.WriteResults(ctx, rs); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	during, err := backup.Take(ctx, store, cfg, backup.Hourly, at(0))
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
	if err != nil {
		t.Fatal(err)
	}
	after, err := backup.Take(ctx, store, cfg, backup.Hourly, at(1))
	if err != nil {
		t.Fatal(err)
	}
	if want := before.Results + writers*batches*size; after.Counts.Results != want {
		t.Errorf("backup after the writers: got %d results, want %d", after.Counts.Results, want)
	}
	if after.Counts.Credits != 1 || after.Counts.Audit < 2 {
		t.Errorf("backup after the writers: got %+v, want the credit and its audit entries", after.Counts)
	}
	for _, b := range []backup.Backup{during, after} {
		if !b.Good || b.Checksum != backup.SumVerified {
			t.Errorf("%s: got good=%v checksum=%s, want good and verified", b.Path, b.Good, b.Checksum)
		}
		got, err := db.CountRows(ctx, b.Path)
		if err != nil {
			t.Fatal(err)
		}
		if got != b.Counts {
			t.Errorf("%s: got counts %+v in the file, want %+v recorded when it was taken", b.Path, got, b.Counts)
		}
		rep, err := backup.Verify(ctx, b.Path, &b.Counts, backup.VerifyOptions{Resolve: resolve})
		if err != nil {
			t.Fatalf("verify %s: %v\n%s", b.Path, err, rep)
		}
		var steps []string
		for _, s := range rep.Steps {
			steps = append(steps, s.Name+"="+s.Outcome)
		}
		if got, want := strings.Join(steps, " "), "checksum=ok restore=ok integrity=ok counts=ok credits=ok"; got != want {
			t.Errorf("%s: got steps %s, want %s\n%s", b.Path, got, want, rep)
		}
		if !strings.Contains(rep.String(), "1 credits of 2026-10") {
			t.Errorf("report %s: want it to say it recomputed the credit of 2026-10", rep)
		}
	}
	list, err := backup.List(cfg.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := goodOf(list, backup.Hourly); len(got) != 2 || got[0].Path != after.Path || got[1].Path != during.Path {
		t.Errorf("listing: got%s, want the two backups, newest first", times(list))
	}
	if got, want := filepath.Base(during.Path), "slate-20261127T052200Z.db"; got != want {
		t.Errorf("name: got %s, want %s", got, want)
	}
}

// TestVerifyRefusesDamagedBackups damages a good backup in the ways a disk
// or a person can, and requires Verify and Restore to refuse each one with
// an error naming the file, and Restore to create nothing.
func TestVerifyRefusesDamagedBackups(t *testing.T) {
	ctx := context.Background()
	store := seed(t, "")
	good, err := backup.Take(ctx, store, backup.Config{Dir: t.TempDir()}, backup.Daily, at(0))
	if err != nil {
		t.Fatal(err)
	}
	orig, err := os.ReadFile(good.Path)
	if err != nil {
		t.Fatal(err)
	}
	origSum, err := os.ReadFile(good.Path + ".sha256")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		damage func(file string) error
		want   string
	}{
		{"flipped byte", func(f string) error {
			b := append([]byte(nil), orig...)
			b[len(b)/2] ^= 0x01
			return os.WriteFile(f, b, 0o600)
		}, "the file changed after it was taken"},
		{"truncated", func(f string) error { return os.WriteFile(f, orig[:len(orig)-1], 0o600) }, "the file changed after it was taken"},
		{"missing checksum", func(f string) error { return os.Remove(f + ".sha256") }, ".sha256 is missing"},
		{"garbled checksum", func(f string) error { return os.WriteFile(f+".sha256", []byte("not a sum\n"), 0o600) }, "want \"<64 hex digits>"},
		{"checksum of another file", func(f string) error {
			return os.WriteFile(f+".sha256", []byte(strings.Replace(string(origSum), "slate-", "other-", 1)), 0o600)
		}, "want \"<64 hex digits>"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			file := filepath.Join(dir, filepath.Base(good.Path))
			if err := os.WriteFile(file, orig, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(file+".sha256", origSum, 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := backup.Verify(ctx, file, nil, backup.VerifyOptions{}); err != nil {
				t.Fatalf("undamaged copy: got %v, want it to verify", err)
			}
			if err := tc.damage(file); err != nil {
				t.Fatal(err)
			}
			rep, err := backup.Verify(ctx, file, &good.Counts, backup.VerifyOptions{})
			if err == nil || !strings.Contains(err.Error(), file) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("verify: got %v, want an error naming %s and saying %q", err, file, tc.want)
			}
			if rep.OK() || len(rep.Steps) != 1 || rep.Steps[0].Name != "checksum" {
				t.Errorf("verify: got report %s, want it to stop at a failed checksum", rep)
			}
			to := filepath.Join(dir, "restored.db")
			err = backup.Restore(ctx, file, to)
			if err == nil || !strings.Contains(err.Error(), file) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("restore: got %v, want an error naming %s and saying %q", err, file, tc.want)
			}
			if _, err := os.Stat(to); !os.IsNotExist(err) {
				t.Errorf("restore: got %v for %s, want no file", err, to)
			}
		})
	}
}

// TestVerifyCountsAndCredits makes each later step of Verify fail on its
// own, and checks that without a resolver the credit step says it was
// skipped.
func TestVerifyCountsAndCredits(t *testing.T) {
	ctx := context.Background()
	honest := seed(t, "")
	forged := seed(t, strings.Repeat("ab", 32))
	hb, err := backup.Take(ctx, honest, backup.Config{Dir: t.TempDir()}, backup.Weekly, at(0))
	if err != nil {
		t.Fatal(err)
	}
	// Without a resolver the forged ledger is not caught, and Take says so
	// only through the report: the backup is good.
	fb, err := backup.Take(ctx, forged, backup.Config{Dir: t.TempDir()}, backup.Weekly, at(0))
	if err != nil {
		t.Fatal(err)
	}
	more := hb.Counts
	more.Results++
	tests := []struct {
		name    string
		file    string
		expect  *db.Counts
		resolve backup.Resolver
		step    string // the last step and its outcome
		want    string // in the error, or in the last step's detail
	}{
		{"honest", hb.Path, &hb.Counts, resolve, "credits=ok", "1 credits of 2026-10"},
		{"no resolver", hb.Path, &hb.Counts, nil, "credits=skipped", "no contract resolver"},
		{"no expected counts", hb.Path, nil, nil, "credits=skipped", ""},
		{"wrong counts", hb.Path, &more, resolve, "counts=failed", fmt.Sprintf("has %d results", hb.Counts.Results)},
		{"forged ledger", fb.Path, &fb.Counts, resolve, "credits=failed", "the ledger has evidence hash abab"},
		{"unknown contract", hb.Path, &hb.Counts, func(string) (c credit.Contract, p sla.Period, ok bool) { return c, p, false }, "credits=ok", "not known to the resolver, not checked: acme-web"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := backup.Verify(ctx, tc.file, tc.expect, backup.VerifyOptions{Resolve: tc.resolve})
			last := rep.Steps[len(rep.Steps)-1]
			if got := last.Name + "=" + last.Outcome; got != tc.step {
				t.Fatalf("got last step %s, want %s\n%s", got, tc.step, rep)
			}
			failed := strings.HasSuffix(tc.step, "=failed")
			switch {
			case failed && (err == nil || !strings.Contains(err.Error(), tc.file) || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("got %v, want an error naming %s and saying %q", err, tc.file, tc.want)
			case !failed && err != nil:
				t.Errorf("got %v, want nil", err)
			case !strings.Contains(last.Detail, tc.want):
				t.Errorf("got detail %q, want it to say %q", last.Detail, tc.want)
			}
		})
	}
}

// TestTakeFailsOnForgedLedger: with a resolver, a backup whose ledger
// disagrees with its evidence is not marked good, and the failure counts.
func TestTakeFailsOnForgedLedger(t *testing.T) {
	ctx := context.Background()
	reg := prometheus.NewRegistry()
	m, err := backup.NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	cfg := backup.Config{Dir: t.TempDir(), Resolve: resolve, Metrics: m}
	b, err := backup.Take(ctx, seed(t, strings.Repeat("ab", 32)), cfg, backup.Daily, at(0))
	if err == nil || !strings.Contains(err.Error(), "credits") {
		t.Fatalf("got %v, want a failed credit check", err)
	}
	if b.Good {
		t.Errorf("got a good backup, want none")
	}
	list, err := backup.List(cfg.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Good || list[0].Checksum != backup.SumRecorded {
		t.Errorf("listing: got %+v, want one backup, not good, checksum recorded", list)
	}
	if got := metric(t, reg, "slate_backup_failures_total", backup.Daily); got != 1 {
		t.Errorf("failures: got %v, want 1", got)
	}
}

// TestVerifyChecksEachContractsLatestPeriod: a ledger with October closed
// for a UTC tenant and for a Berlin tenant, whose October ends an hour
// earlier. Both are recomputed — a forged Berlin credit fails the backup
// although the UTC one is honest.
func TestVerifyChecksEachContractsLatestPeriod(t *testing.T) {
	ctx := context.Background()
	berlin, _ := time.LoadLocation("Europe/Berlin")
	octBerlin := sla.Month(2026, time.October, berlin)
	berlinContract := contract()
	berlinContract.ID, berlinContract.Tenant = "berlin-web", "berlin"
	resolveBoth := func(id string) (credit.Contract, sla.Period, bool) {
		if id == "berlin-web" {
			return berlinContract, octBerlin, true
		}
		return resolve(id)
	}
	for _, tc := range []struct {
		name, hash, step, want string
	}{
		{"both honest", "", "credits=ok", "2 credits of 2026-10"},
		{"the Berlin credit forged", strings.Repeat("cd", 32), "credits=failed", "credit 2 of berlin-web"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store := seed(t, "")
			st, err := credit.Compute(ctx, store, berlinContract, octBerlin, octBerlin.End)
			if err != nil {
				t.Fatal(err)
			}
			hash := tc.hash
			if hash == "" {
				hash, _ = credit.EvidenceHash(st)
			}
			r := st.Outcome.Report()
			if _, _, err := store.RecordClose(ctx, db.Credit{Tenant: "berlin", Contract: "berlin-web", Period: octBerlin.String(),
				PeriodStart: octBerlin.Start, PeriodEnd: octBerlin.End, UptimeExact: r.UptimeExact, UptimePercent: r.UptimePercent,
				BreachMinutes: *r.DowntimeMinutes, CreditPercent: r.CreditPercent, CoveragePercent: sla.FormatFixed(st.CoveragePercent(), 4),
				Flagged: st.Flagged, AmountMinor: st.Outcome.AmountMinor().Int64(), Currency: st.Outcome.Currency, EvidenceHash: hash}, false, "test"); err != nil {
				t.Fatal(err)
			}
			b, err := backup.Take(ctx, store, backup.Config{Dir: t.TempDir()}, backup.Weekly, at(0))
			if err != nil {
				t.Fatal(err)
			}
			rep, err := backup.Verify(ctx, b.Path, &b.Counts, backup.VerifyOptions{Resolve: resolveBoth})
			last := rep.Steps[len(rep.Steps)-1]
			if got := last.Name + "=" + last.Outcome; got != tc.step || !strings.Contains(last.Detail, tc.want) {
				t.Fatalf("got %s %q (%v), want %s saying %q\n%s", got, last.Detail, err, tc.step, tc.want, rep)
			}
		})
	}
}
