package monitor

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/slatehq/slate/config"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/internal/pgtest"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.ReleaseMode)
	os.Exit(pgtest.Main(m))
}

// testMonitor is a monitor and its store as *db.DB, whose every method
// tests may call to set up what they check.
type testMonitor struct {
	*Monitor
	db *db.DB
}

// testApp builds a monitor for cfg, stopped when the test ends.
func testApp(t *testing.T, cfg *config.Config, opts Options) *testMonitor {
	t.Helper()
	m, store, err := OpenSQLite(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Stop(context.Background()) })
	return &testMonitor{Monitor: m, db: store}
}

// startTestApp starts a on a loopback port and returns its base URL.
func startTestApp(t *testing.T, a *testMonitor) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(l); err != nil {
		t.Fatal(err)
	}
	return "http://" + l.Addr().String()
}

// reopen stops a and builds a new monitor on the same configuration and
// store file, as a restart does.
func reopen(t *testing.T, a *testMonitor, opts ...Options) *testMonitor {
	t.Helper()
	if err := a.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	return testApp(t, a.Config(), o)
}

// loadTestConfig writes tmpl, with %q standing for the path of a store in
// a temporary directory, as a configuration file there and loads it.
func loadTestConfig(t *testing.T, tmpl string) *config.Config {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "slate.yaml")
	if err := os.WriteFile(path, fmt.Appendf(nil, tmpl, filepath.Join(dir, "slate.db")), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// incidentKey is the dedup key of incident id's notifications: its public
// ID's.
func incidentKey(t *testing.T, a *testMonitor, id int64) string {
	t.Helper()
	pid, err := IncidentPublicID(context.Background(), a.db, id)
	if err != nil {
		t.Fatal(err)
	}
	return "incident/" + pid
}
