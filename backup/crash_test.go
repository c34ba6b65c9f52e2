package backup_test

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/slatehq/slate/backup"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/sla"
)

const backupCrashEnv = "SLATE_BACKUP_CRASH_DIR"

// TestBackupCrashChild is the child of TestBackupCrash: it writes results
// and takes backups, one a (virtual) second, until it is killed.
func TestBackupCrashChild(t *testing.T) {
	dir := os.Getenv(backupCrashEnv)
	if dir == "" {
		t.Skip("child of TestBackupCrash")
	}
	store, err := db.Open(filepath.Join(dir, "live.db"), db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	cfg := backup.Config{Dir: filepath.Join(dir, "backups"), Keep: 3}
	// Each run of the child starts its clock past every earlier backup.
	base := time.Now().UTC().Truncate(time.Second).Add(time.Hour)
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
	if testing.Short() {
		t.Skip("re-executes the test binary; skipped with -short")
	}
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 5))
	const kills = 20
	goodSeen := 0
	for k := range kills {
		cmd := exec.Command(os.Args[0], "-test.run=^TestBackupCrashChild$")
		cmd.Env = append(os.Environ(), backupCrashEnv+"="+dir)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string, 64)
		go func() {
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		time.Sleep(time.Duration(30+rng.IntN(400)) * time.Millisecond)
		cmd.Process.Kill()
		for range lines {
		}
		cmd.Wait()

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
	}
	if goodSeen == 0 {
		t.Fatal("no backup ever completed: the test proved nothing")
	}
	t.Logf("%d kills; %d good backups verified after the kills", kills, goodSeen)
}
