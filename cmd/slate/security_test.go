package main

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/internal/testkit"
	"github.com/slatehq/slate/monitor"
)

// TestServeRefusesReadableStore checks that slate serve will not start on
// a store others may read, and says which file and how to fix it.
func TestServeRefusesReadableStore(t *testing.T) {
	cfg, _ := testkit.Config(t, "http://127.0.0.1:1/", "")
	m, err := monitor.Open(cfg, monitor.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(cfg.Storage.Path, 0o644); err != nil {
		t.Fatal(err)
	}
	logs := &testkit.SyncBuffer{}
	code := serve(cfg, "", time.Second, slog.New(slog.NewTextHandler(logs, nil)), make(chan os.Signal))
	if code != exitFail || !strings.Contains(logs.String(), "chmod 600 "+cfg.Storage.Path) {
		t.Errorf("exit %d, log %q; want %d and the chmod that fixes %s", code, logs.String(), exitFail, cfg.Storage.Path)
	}
}
