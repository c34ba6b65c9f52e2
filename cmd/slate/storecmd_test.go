package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/config"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/internal/pgtest"
	"github.com/slatehq/slate/monitor"
	"github.com/slatehq/slate/store/storetest"
)

// TestStoreMigrate copies a SQLite store that served a while (results,
// credits and their audit entries, a token, a signed link) into
// PostgreSQL: the copy's audit chain verifies with slate audit verify, as
// many entries as the original; the token and the link printed before the
// move work on slate serving the copy; a second copy into the now
// non-empty database is refused without printing the password.
func TestStoreMigrate(t *testing.T) {
	liteCfg := linkConfig(t, "")
	dbPath := filepath.Join(filepath.Dir(liteCfg), "slate.db")
	d, err := db.Open(dbPath, db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	storetest.Write(t, d, storetest.Result("acme-db", "local", storetest.At(0, 0), true), storetest.Result("acme-db", "local", storetest.At(0, 1), false))
	storetest.LedgerHistory(t, d)
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runSlate(t, "", "token", "create", "--config", liteCfg, "--role", "admin", "--name", "ops", "--actor", "alice")
	if code != exitOK {
		t.Fatalf("token create: %d %s", code, errs)
	}
	token := strings.SplitN(out, "\n", 2)[0]
	link := printLink(t, liteCfg, "--ttl", "2h")
	code, out, errs = runSlate(t, "", "audit", "verify", "--config", liteCfg)
	entries := regexp.MustCompile(`\d+ entries`).FindString(out)
	if code != exitOK || entries == "" {
		t.Fatalf("audit verify on SQLite: %d %s %s", code, out, errs)
	}

	url := pgtest.NewDatabase(t)
	code, out, errs = runSlate(t, "", "store", "migrate", "--from", dbPath, "--to", url)
	if code != exitOK || !strings.Contains(out, "chain intact") {
		t.Fatalf("store migrate: exit %d\n%s%s", code, out, errs)
	}
	t.Log(strings.TrimSpace(out))

	// The same deployment on the copy.
	text, err := os.ReadFile(liteCfg)
	if err != nil {
		t.Fatal(err)
	}
	pgCfg := filepath.Join(t.TempDir(), "slate.yaml")
	moved := regexp.MustCompile(`storage: \{path: "[^"]*"\}`).ReplaceAllString(string(text), fmt.Sprintf("storage: {url: %q}\nbackup: {dir: \"off\"}", url))
	if err := os.WriteFile(pgCfg, []byte(moved), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errs = runSlate(t, "", "audit", "verify", "--config", pgCfg)
	if code != exitOK || !strings.Contains(out, entries+", chain intact") {
		t.Errorf("audit verify on the copy: exit %d %s %s (want %s)", code, out, errs, entries)
	}
	m, err := monitor.Open(mustLoad(t, pgCfg), monitor.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Stop(context.Background()) })
	base := startTestApp(t, &testMonitor{Monitor: m})
	if err := m.RefreshStatus(context.Background(), time.Now()); err != nil {
		t.Fatal(err)
	}
	if code := openLink(t, base, link); code != http.StatusSeeOther {
		t.Errorf("a link signed before the move: %d, want 303 (accepted)", code)
	}
	req, _ := http.NewRequest(http.MethodGet, base+"/api/admin/credits", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"period_name":"2026-09"`) {
		t.Errorf("a token made before the move, on the copy's credits: %d %s", resp.StatusCode, body)
	}

	// The target holds data now.
	withPassword := strings.Replace(url, "postgres://postgres@", "postgres://postgres:hunter2-secret@", 1)
	code, out, errs = runSlate(t, "", "store", "migrate", "--from", dbPath, "--to", withPassword)
	if code == exitOK || !strings.Contains(errs, "already holds data") || strings.Contains(out+errs, "hunter2") {
		t.Errorf("a second migrate: exit %d\n%s%s", code, out, errs)
	}
	for _, c := range []struct{ args, want string }{
		{"--from " + dbPath, "give --from FILE and --to"},
		{"--from " + dbPath + " --to mysql://x/y", "--to: must be a postgres://"},
		{"--from " + dbPath + ".missing --to " + url, "--from: stat"},
	} {
		code, _, errs := runSlate(t, "", append([]string{"store", "migrate"}, strings.Fields(c.args)...)...)
		if code != exitUsage || !strings.Contains(errs, c.want) {
			t.Errorf("store migrate %s: exit %d %q, want %q", c.args, code, errs, c.want)
		}
	}
}

func mustLoad(t *testing.T, path string) *config.Config {
	t.Helper()
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}
