package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/config"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/internal/metric"
	"github.com/slatehq/slate/internal/testkit"
	"github.com/slatehq/slate/monitor"
)

// smallDisk mounts a tmpfs of size bytes in a temporary directory, which
// needs root; elsewhere the test skips (CI runs as root).
func smallDisk(t *testing.T, size string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("the disk-full test needs root to mount a tmpfs")
		}
		t.Skip("the disk-full test needs root to mount a tmpfs; run it as root (CI does)")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here (%v: %s)", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	return dir
}

// fill writes to path until the filesystem is full.
func fill(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 64<<10)
	for {
		if _, err := f.Write(buf); err != nil {
			return
		}
	}
}

// TestDiskFull: on a full disk slate keeps serving, turns /readyz red,
// counts what it could not write, corrupts nothing, and resumes by itself
// when space returns.
func TestDiskFull(t *testing.T) {
	disk := smallDisk(t, "4m")
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer target.Close()
	cfgPath := filepath.Join(t.TempDir(), "slate.yaml")
	dbPath := filepath.Join(disk, "slate.db")
	var b strings.Builder
	fmt.Fprintf(&b, "storage: {path: %q}\nservices: [{id: web}]\nchecks:\n", dbPath)
	for i := range 20 {
		fmt.Fprintf(&b, "  - {id: web-%d, service: web, kind: http, target: %q, interval: 200ms, timeout: 150ms}\n", i, target.URL)
	}
	if err := os.WriteFile(cfgPath, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	a := testApp(t, cfg, monitor.Options{})
	base := startTestApp(t, a)
	testkit.Eventually(t, "ready", 5*time.Second, func() bool { c, _ := testkit.Get(t, base+"/readyz"); return c == 200 })

	filler := filepath.Join(disk, "filler")
	fill(t, filler)
	testkit.Eventually(t, "/readyz red on a full disk", 20*time.Second, func() bool {
		c, body := testkit.Get(t, base+"/readyz")
		return c == http.StatusServiceUnavailable && strings.Contains(body, "store writes failing")
	})
	if c, _ := testkit.Get(t, base+"/healthz"); c != http.StatusOK {
		t.Errorf("/healthz on a full disk: %d, want 200: slate keeps serving", c)
	}
	testkit.Eventually(t, "write errors counted", 10*time.Second, func() bool {
		return metric.CounterValue(a.Gatherer(), "slate_store_write_errors_total") > 0
	})

	// Space returns: slate resumes without help.
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, "/readyz green again", 20*time.Second, func() bool { c, _ := testkit.Get(t, base+"/readyz"); return c == 200 })
	before := metric.CounterValue(a.Gatherer(), "slate_store_results_written_total")
	testkit.Eventually(t, "results written again", 10*time.Second, func() bool {
		return metric.CounterValue(a.Gatherer(), "slate_store_results_written_total") > before
	})
	if err := a.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	store, err := db.Open(dbPath, db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if err := store.IntegrityCheck(context.Background()); err != nil {
		t.Errorf("integrity after a full disk: %v", err)
	}
}
