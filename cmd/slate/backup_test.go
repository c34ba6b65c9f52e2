package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/slatehq/slate/config"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/internal/testkit"
	"github.com/slatehq/slate/sla"
)

// TestBackupDrill is the restore drill of the README: take a backup, list
// it, verify it, restore it; a flipped byte is refused by verify and
// restore; a damaged database stops slate with the last good backup named.
func TestBackupDrill(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "slate.db")
	cfgPath := filepath.Join(dir, "slate.yaml")
	testkit.WriteConfig(t, cfgPath, dbPath, "http://127.0.0.1:1/", "web")
	store, err := db.Open(dbPath, db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var rs []sla.Result
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for i := range 500 {
		rs = append(rs, sla.Result{CheckID: "web", Location: "local", At: t0.Add(time.Duration(i) * 10 * time.Second), OK: i%7 != 0})
	}
	if err := store.WriteResults(context.Background(), rs); err != nil {
		t.Fatal(err)
	}
	store.Close()

	run := func(args ...string) (int, string, string) {
		t.Helper()
		return runSlate(t, "", args...)
	}
	code, out, errs := run("backup", "now", "--config", cfgPath, "--level", "daily")
	if code != exitOK || !strings.Contains(out, "good, verified") || !strings.Contains(out, "500 results") {
		t.Fatalf("backup now: exit %d %q %q", code, out, errs)
	}
	file := strings.Fields(out)[0]
	file = strings.TrimSuffix(file, ":")
	code, out, _ = run("backup", "list", "--config", cfgPath)
	if code != exitOK || !strings.Contains(out, "daily") || !strings.Contains(out, "true") {
		t.Errorf("backup list:\n%s", out)
	}
	if code, out, errs := run("backup", "verify", file, "--config", cfgPath); code != exitOK || !regexp.MustCompile(`counts +ok +500 results`).MatchString(out) {
		t.Errorf("backup verify: exit %d, want the counts of the .good record checked\n%s%s", code, out, errs)
	}
	missing := filepath.Join(dir, "no-such-folder", "restored.db")
	if code, _, errs := run("restore", file, "--to", missing); code != exitFail || !strings.Contains(errs, "folder "+filepath.Dir(missing)+" does not exist") {
		t.Errorf("restore into a missing folder: exit %d %q, want the folder named", code, errs)
	}
	restored := filepath.Join(dir, "restored.db")
	if code, _, errs := run("restore", file, "--to", restored); code != exitOK {
		t.Fatalf("restore: exit %d %s", code, errs)
	}
	if c, err := db.CountRows(context.Background(), restored); err != nil || c.Results != 500 {
		t.Errorf("restored rows: %+v, %v", c, err)
	}
	if code, _, errs := run("restore", file, "--to", restored); code != exitFail || !strings.Contains(errs, "restored.db") {
		t.Errorf("restore over an existing file: exit %d %q", code, errs)
	}

	// A flipped byte: refused by verify and by restore, naming the file.
	damaged := filepath.Join(dir, "damaged.db")
	data, _ := os.ReadFile(file)
	data[len(data)/2] ^= 0x40
	os.WriteFile(damaged, data, 0o600)
	sum, _ := os.ReadFile(file + ".sha256")
	os.WriteFile(damaged+".sha256", []byte(strings.Replace(string(sum), filepath.Base(file), "damaged.db", 1)), 0o600)
	if code, _, errs := run("backup", "verify", damaged, "--config", cfgPath); code != exitFail || !strings.Contains(errs, "damaged.db") {
		t.Errorf("verify of a flipped byte: exit %d %q", code, errs)
	}
	if code, _, errs := run("restore", damaged, "--to", filepath.Join(dir, "x.db")); code != exitFail || !strings.Contains(errs, "damaged.db") {
		t.Errorf("restore of a flipped byte: exit %d %q", code, errs)
	}

	// The live database is damaged: slate refuses to start and names the
	// last good backup.
	live, _ := os.ReadFile(dbPath)
	for p := 4096; p < len(live); p += 4096 {
		live[p] = 0x01 // not a b-tree page type: every table's pages are unreadable
	}
	os.WriteFile(dbPath, live, 0o600)
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	logs := &testkit.SyncBuffer{}
	sigs := make(chan os.Signal, 1)
	done := make(chan int, 1)
	go func() { done <- serve(cfg, cfgPath, time.Second, slog.New(slog.NewTextHandler(logs, nil)), sigs) }()
	select {
	case code := <-done:
		if code != exitFail {
			t.Fatalf("serve on a damaged database: exit %d\n%s", code, logs.String())
		}
	case <-time.After(10 * time.Second):
		sigs <- syscall.SIGTERM
		<-done
		t.Fatalf("slate started on a damaged database\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "quick_check") || !strings.Contains(logs.String(), fmt.Sprintf("last good backup is %s", file)) {
		t.Errorf("the refusal names neither the check nor the backup:\n%s", logs.String())
	}
}
