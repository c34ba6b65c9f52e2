package backup_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/slatehq/slate/backup"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/internal/crashtest"
	"github.com/slatehq/slate/sla"
)

const backupCrashEnv = "SLATE_BACKUP_CRASH_DIR"

// TestBackupCrashChild is the child of TestBackupCrash: it writes results
// and takes backups, one a (virtual) second, until it is killed.
func TestBackupCrashChild(t *testing.T) {
	crashtest.Child(t)
	dir := os.Getenv(backupCrashEnv)
	store, err := db.Open(filepath.Join(dir, "live.db"), db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	cfg := backup.Config{Dir: filepath.Join(dir, "backups"), Keep: 3}
	// Each run of the child starts its clock past every earlier backup: a
	// backup is named to the second, and a name taken is refused.
	base := time.Now().UTC().Truncate(time.Second).Add(time.Hour)
	earlier, err := backup.List(cfg.Dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range earlier {
		if !b.Time.Before(base) {
			base = b.Time.Add(time.Second)
		}
	}
	fmt.Println("ready") // the kill moment counts from here
	for i := 0; ; i++ {
		var rs []sla.Result
		for j := range 200 {
			rs = append(rs, sla.Result{CheckID: fmt.Sprintf("c%d", j%20), Location: "local", At: base.Add(time.Duration(i*200+j) * time.Millisecond), OK: j%9 != 0})
		}
		if err := store.WriteResults(ctx, rs); err != nil {
			t.Fatal(err)
		}
		b, err := backup.Take(ctx, store, cfg, backup.Hourly, base.Add(time.Duration(i)*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Println("good", b.Path)
	}
}

// TestBackupCrash kills a child that backs up while it writes, at random
// moments, 20 times; after each kill every backup listed as good must verify
// (checksum, restore, integrity, counts), and nothing half-written may be
// listed as good.
func TestBackupCrash(t *testing.T) {
	dir := t.TempDir()
	goodSeen := 0
	crashtest.Run(t, crashtest.Config{
		Child: "TestBackupCrashChild", Kills: 20, MinWait: 30 * time.Millisecond, MaxWait: 430 * time.Millisecond, AfterFirstLine: true,
		Env: func(int) []string { return []string{backupCrashEnv + "=" + dir} },
		Check: func(k int) {
			bs, err := backup.List(filepath.Join(dir, "backups"))
			if err != nil {
				t.Fatalf("kill %d: list: %v", k, err)
			}
			for _, b := range bs {
				if !b.Good {
					continue // partial or unverified: never offered as good
				}
				goodSeen++
				rep, err := backup.Verify(context.Background(), b.Path, &b.Counts, backup.VerifyOptions{})
				if err != nil || !rep.OK() {
					t.Fatalf("kill %d: %s is listed as good but does not verify: %v\n%s", k, b.Path, err, rep.String())
				}
			}
		},
	})
	if goodSeen == 0 {
		t.Fatal("no backup ever completed: the test proved nothing")
	}
	t.Logf("%d good backups verified after the kills", goodSeen)
}
