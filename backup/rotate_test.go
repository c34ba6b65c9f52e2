package backup_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/slatehq/slate/backup"
	"github.com/slatehq/slate/db"
)

// names lists the files of dir, sorted.
func names(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	sort.Strings(out)
	return out
}

// TestRotationKeepsGoodGenerations takes backups at two levels, and
// requires each level of each directory to keep its newest good ones, the
// default three or Keep, with nothing else left in the directory.
func TestRotationKeepsGoodGenerations(t *testing.T) {
	ctx := context.Background()
	store := seed(t, "")
	tests := []struct {
		name            string
		keep            int
		hourly, daily   int // backups taken
		wantH, wantD    int // good ones kept
		wantNewestHours []int
	}{
		{"default keep", 0, 5, 2, 3, 2, []int{4, 3, 2}},
		{"keep 1", 1, 3, 2, 1, 1, []int{2}},
		{"keep 4", 4, 6, 1, 4, 1, []int{5, 4, 3, 2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := backup.Config{Dir: t.TempDir(), SecondDir: t.TempDir(), Keep: tc.keep}
			for i := range tc.hourly {
				if _, err := backup.Take(ctx, store, cfg, backup.Hourly, at(i)); err != nil {
					t.Fatal(err)
				}
			}
			for i := range tc.daily {
				if _, err := backup.Take(ctx, store, cfg, backup.Daily, at(24*i)); err != nil {
					t.Fatal(err)
				}
			}
			for _, dir := range []string{cfg.Dir, cfg.SecondDir} {
				list, err := backup.List(dir)
				if err != nil {
					t.Fatal(err)
				}
				h, d := goodOf(list, backup.Hourly), goodOf(list, backup.Daily)
				if len(h) != tc.wantH || len(d) != tc.wantD || len(list) != tc.wantH+tc.wantD {
					t.Fatalf("%s: got%s, want %d good hourly and %d good daily, nothing else", dir, times(list), tc.wantH, tc.wantD)
				}
				for i, n := range tc.wantNewestHours {
					if !h[i].Time.Equal(at(n)) {
						t.Errorf("%s: hourly %d: got %s, want %s", dir, i, h[i].Time, at(n))
					}
				}
				if got := len(names(t, filepath.Join(dir, backup.Hourly))); got != 3*tc.wantH {
					t.Errorf("%s: got %d files in hourly, want %d: %v", dir, got, 3*tc.wantH, names(t, filepath.Join(dir, backup.Hourly)))
				}
			}
		})
	}
}

// TestLeftoversAreNotGood leaves what a crash at each step of Take would
// leave, and requires List to report none of it good, and the next Take to
// remove what is older than its backup while keeping a newer leftover,
// which may be a backup in progress.
func TestLeftoversAreNotGood(t *testing.T) {
	ctx := context.Background()
	store := seed(t, "")
	cfg := backup.Config{Dir: t.TempDir()}
	first, err := backup.Take(ctx, store, cfg, backup.Hourly, at(0))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(first.Path)
	data, err := os.ReadFile(first.Path)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile(first.Path + ".sha256")
	if err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile(first.Path + ".good")
	if err != nil {
		t.Fatal(err)
	}
	name := func(n int) string { return filepath.Join(dir, "slate-"+at(n).Format("20060102T150405Z")+".db") }
	write := func(path string, b []byte) {
		t.Helper()
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// Crashed during the snapshot: a .partial only (and one newer than the
	// next backup).
	write(name(1)+".partial", data[:100])
	write(name(9)+".partial", data[:100])
	// Crashed before verification: database and checksum, no record.
	write(name(2), data)
	write(name(2)+".sha256", []byte(strings.ReplaceAll(string(sum), filepath.Base(first.Path), filepath.Base(name(2)))))
	// Crashed before the checksum: a database alone.
	write(name(3), data)
	// A record whose checksum is not the file's: never good.
	write(name(4), data)
	write(name(4)+".sha256", []byte(strings.Repeat("0", 64)+"  "+filepath.Base(name(4))+"\n"))
	write(name(4)+".good", good)
	// A temporary file of an interrupted write.
	write(filepath.Join(dir, "."+filepath.Base(name(5))+".good.tmp-123"), good[:10])

	list, err := backup.List(cfg.Dir)
	if err != nil {
		t.Fatal(err)
	}
	want := map[time.Time]string{ // time: "good partial checksum"
		at(0): "true false verified",
		at(1): "false true missing",
		at(2): "false false recorded",
		at(3): "false false missing",
		at(4): "false false conflict",
		at(9): "false true missing",
	}
	if len(list) != len(want) {
		t.Fatalf("got%s, want %d backups", times(list), len(want))
	}
	for _, b := range list {
		got := strings.Join([]string{boolString(b.Good), boolString(b.Partial), b.Checksum}, " ")
		if got != want[b.Time] {
			t.Errorf("%s: got %s, want %s (good partial checksum)", b.Path, got, want[b.Time])
		}
	}

	if _, err := backup.Take(ctx, store, cfg, backup.Hourly, at(6)); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(names(t, dir), " ")
	base := func(n int) string { return filepath.Base(name(n)) }
	wantFiles := strings.Join([]string{
		base(0), base(0) + ".good", base(0) + ".sha256",
		base(6), base(6) + ".good", base(6) + ".sha256",
		base(9) + ".partial",
	}, " ")
	if got != wantFiles {
		t.Errorf("after the next backup: got files %s, want %s", got, wantFiles)
	}
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// TestRestore restores a good backup to a new file, and refuses to write
// over a file or beside a write-ahead log.
func TestRestore(t *testing.T) {
	ctx := context.Background()
	store := seed(t, "")
	b, err := backup.Take(ctx, store, backup.Config{Dir: t.TempDir()}, backup.Weekly, at(0))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	existing := filepath.Join(dir, "existing.db")
	if err := os.WriteFile(existing, []byte("live data"), 0o600); err != nil {
		t.Fatal(err)
	}
	inUse := filepath.Join(dir, "in-use.db")
	if err := os.WriteFile(inUse+"-wal", []byte("wal"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, to, want string
	}{
		{"new file", filepath.Join(dir, "restored.db"), ""},
		{"existing file", existing, existing + " exists"},
		{"write-ahead log beside it", inUse, inUse + "-wal exists"},
		{"missing directory", filepath.Join(dir, "nope", "x.db"), "folder " + filepath.Join(dir, "nope") + " does not exist"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := backup.Restore(ctx, b.Path, tc.to)
			if tc.want != "" {
				if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), b.Path) {
					t.Fatalf("got %v, want an error naming %s and saying %q", err, b.Path, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := db.CountRows(ctx, tc.to)
			if err != nil {
				t.Fatal(err)
			}
			if got != b.Counts {
				t.Errorf("restored: got %+v, want %+v", got, b.Counts)
			}
			// The restored file is a store that opens and reads.
			d, err := db.Open(tc.to, db.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			cs, err := d.Credits(ctx, db.CreditFilter{})
			if err != nil || len(cs) != 1 {
				t.Errorf("restored ledger: got %d entries, %v; want 1", len(cs), err)
			}
		})
	}
	if data, _ := os.ReadFile(existing); string(data) != "live data" {
		t.Errorf("got %q in %s, want it untouched", data, existing)
	}
	if got := names(t, dir); strings.Join(got, " ") != "existing.db in-use.db-wal restored.db" {
		t.Errorf("got files %v, want no temporary file left", got)
	}
}

// TestSecondDirReceivesVerifiedCopies checks that the second directory
// holds byte-identical, good copies that verify on their own.
func TestSecondDirReceivesVerifiedCopies(t *testing.T) {
	ctx := context.Background()
	store := seed(t, "")
	cfg := backup.Config{Dir: t.TempDir(), SecondDir: filepath.Join(t.TempDir(), "offsite")}
	b, err := backup.Take(ctx, store, cfg, backup.Daily, at(0))
	if err != nil {
		t.Fatal(err)
	}
	list, err := backup.List(cfg.SecondDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || !list[0].Good || list[0].SHA256 != b.SHA256 || list[0].Size != b.Size || list[0].Counts != b.Counts {
		t.Fatalf("second directory: got %+v, want one good copy of %+v", list, b)
	}
	copyPath := list[0].Path
	if want := filepath.Join(cfg.SecondDir, backup.Daily, filepath.Base(b.Path)); copyPath != want {
		t.Errorf("copy: got %s, want %s", copyPath, want)
	}
	if _, err := backup.Verify(ctx, copyPath, &b.Counts, backup.VerifyOptions{Resolve: resolve}); err != nil {
		t.Errorf("verify copy: %v", err)
	}
	if got, want := names(t, filepath.Dir(copyPath)), names(t, filepath.Dir(b.Path)); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("copy files: got %v, want %v", got, want)
	}
}

// TestMetrics reads the backup metrics from the registry after a success
// and a failure.
func TestMetrics(t *testing.T) {
	ctx := context.Background()
	store := seed(t, "")
	reg := prometheus.NewRegistry()
	m, err := backup.NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	cfg := backup.Config{Dir: t.TempDir(), Metrics: m}
	if _, err := backup.Take(ctx, store, cfg, backup.Hourly, at(0)); err != nil {
		t.Fatal(err)
	}
	// The same second again: the file exists, the backup fails.
	if _, err := backup.Take(ctx, store, cfg, backup.Hourly, at(0)); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Fatalf("got %v, want a refusal to replace the backup", err)
	}
	tests := []struct {
		name  string
		level string
		want  float64
	}{
		{"slate_backup_last_success_timestamp_seconds", backup.Hourly, float64(at(0).Unix())},
		{"slate_backup_last_verified_timestamp_seconds", backup.Hourly, float64(at(0).Unix())},
		{"slate_backup_failures_total", backup.Hourly, 1},
		{"slate_backup_last_success_timestamp_seconds", backup.Daily, -1},
	}
	for _, tc := range tests {
		if got := metric(t, reg, tc.name, tc.level); got != tc.want {
			t.Errorf("%s{level=%q}: got %v, want %v", tc.name, tc.level, got, tc.want)
		}
	}
	if _, err := backup.NewMetrics(reg); err == nil {
		t.Errorf("registering twice: got nil, want an error")
	}
}

// TestCorruptDatabaseWithMatchingChecksum: a database damaged before its
// checksum was written passes the checksum and is caught by the integrity
// check, in Verify and in Restore.
func TestCorruptDatabaseWithMatchingChecksum(t *testing.T) {
	ctx := context.Background()
	b, err := backup.Take(ctx, seed(t, ""), backup.Config{Dir: t.TempDir()}, backup.Hourly, at(0))
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(b.Path)
	if err != nil {
		t.Fatal(err)
	}
	for i := len(data) - 4096; i < len(data)-2048; i++ { // a b-tree page, header kept
		data[i] ^= 0x5a
	}
	file := filepath.Join(t.TempDir(), filepath.Base(b.Path))
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	if err := os.WriteFile(file+".sha256", []byte(hex.EncodeToString(sum[:])+"  "+filepath.Base(file)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	rep, err := backup.Verify(ctx, file, &b.Counts, backup.VerifyOptions{})
	if err == nil || !strings.Contains(err.Error(), file) {
		t.Fatalf("verify: got %v, want an error naming %s", err, file)
	}
	if last := rep.Steps[len(rep.Steps)-1]; last.Name != "integrity" || last.Outcome != backup.StepFailed {
		t.Errorf("verify: got last step %s=%s, want integrity=failed\n%s", last.Name, last.Outcome, rep)
	}
	to := filepath.Join(t.TempDir(), "restored.db")
	if err := backup.Restore(ctx, file, to); err == nil || !strings.Contains(err.Error(), file) {
		t.Errorf("restore: got %v, want an error naming %s", err, file)
	}
	if _, err := os.Stat(to); !os.IsNotExist(err) {
		t.Errorf("restore: got %v for %s, want no file", err, to)
	}
}

func TestTakeRefusesBadArguments(t *testing.T) {
	ctx := context.Background()
	store := seed(t, "")
	tests := []struct {
		name  string
		cfg   backup.Config
		level string
		want  string
	}{
		{"unknown level", backup.Config{Dir: t.TempDir()}, "monthly", `level "monthly": want one of hourly, daily, weekly`},
		{"no directory", backup.Config{}, backup.Hourly, "empty directory"},
		{"no room to restore", backup.Config{Dir: t.TempDir(), TempDir: filepath.Join(t.TempDir(), "missing")}, backup.Hourly, ": restore: "},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := backup.Take(ctx, store, tc.cfg, tc.level, at(0))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error saying %q", err, tc.want)
			}
		})
	}
}
