package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slatehq/slate/config"
	"github.com/slatehq/slate/dashboard"
	"github.com/slatehq/slate/monitor"
)

// linkYAML has one tenant with a private service.
const linkYAML = `
storage: {path: %q}
server: {listen: "127.0.0.1:0"}
tenants: [{id: acme, name: Acme Corporation, timezone: Europe/Berlin}]
services: [{id: acme-db, name: Acmedb Private Cluster, public: false}]
contracts:
  - {id: acme-gold, tenant: acme, services: [acme-db], fee: {amount: "1234.56", currency: EUR},
     policy: {target: "99.9", tiers: [{uptime: "[0, 99.9)", credit: "10"}]}}
`

// linkConfig writes linkYAML, with extra YAML under server:, into a
// temporary directory and returns its path.
func linkConfig(t *testing.T, server string) string {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "slate.yaml")
	text := fmt.Sprintf(linkYAML, filepath.Join(dir, "slate.db"))
	if server != "" {
		text = strings.Replace(text, `server: {listen: "127.0.0.1:0"}`, `server: {listen: "127.0.0.1:0", `+server+`}`, 1)
	}
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// serveConfig starts slate on the configuration at path, with its status
// pages built, and returns it and its base URL.
func serveConfig(t *testing.T, path string, opts monitor.Options) (*testMonitor, string) {
	t.Helper()
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	a := testApp(t, cfg, opts)
	base := startTestApp(t, a)
	if err := a.RefreshStatus(context.Background(), time.Now()); err != nil {
		t.Fatal(err)
	}
	return a, base
}

// TestLinkCommand prints a link that opens the tenant's page, and refuses
// bad flags naming them.
func TestLinkCommand(t *testing.T) {
	path := linkConfig(t, "")
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"link", "--config", path, "--tenant", "nobody"}, exitUsage, "--tenant: unknown tenant"},
		{[]string{"link", "--config", path}, exitUsage, "give --tenant"},
		{[]string{"link", "--config", path, "--tenant", "acme", "--ttl", "-1h"}, exitUsage, "--ttl: must be positive"},
	} {
		if code, _, errs := runSlate(t, "", tc.args...); code != tc.code || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d %q, want %d %q", tc.args, code, errs, tc.code, tc.want)
		}
	}
	code, out, errs := runSlate(t, "", "link", "--config", path, "--tenant", "acme", "--ttl", "2h")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	link := strings.Fields(out)[0]
	u, err := url.Parse(link)
	if err != nil || u.Path != "/status/acme" || u.Query().Get("sig") == "" {
		t.Fatalf("link %q", link)
	}
	// The link opens acme's page on a server using the same store.
	_, base := serveConfig(t, path, monitor.Options{})
	jar, _ := cookiejar.New(nil)
	resp, err := (&http.Client{Jar: jar}).Get(base + u.Path + "?" + u.RawQuery)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "Acme Corporation") {
		t.Errorf("printed link: %d", resp.StatusCode)
	}
}

// openLink presents a signed link's query on base's tenant page and
// reports the status: 303 when the link was accepted (and swapped for a
// cookie), 401 when it was refused.
func openLink(t *testing.T, base, link string) int {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(base + u.Path + "?" + u.RawQuery)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// printLink runs slate link and returns the link it prints.
func printLink(t *testing.T, cfgPath string, args ...string) string {
	t.Helper()
	code, out, errs := runSlate(t, "", append([]string{"link", "--config", cfgPath, "--tenant", "acme"}, args...)...)
	if code != exitOK {
		t.Fatalf("slate link: exit %d: %s", code, errs)
	}
	return strings.Fields(out)[0]
}

// TestLinkRotateRevokesLinks rotates the link-signing key while slate
// serves: links signed before stop working within the key's cache time,
// links signed after work, and the rotation is in the audit log.
func TestLinkRotateRevokesLinks(t *testing.T) {
	path := linkConfig(t, "")
	var skew atomic.Int64 // how far the app's clock is ahead of the wall clock
	clock := func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
	a, base := serveConfig(t, path, monitor.Options{Now: clock})
	old := printLink(t, path, "--ttl", "2h")
	if code := openLink(t, base, old); code != http.StatusSeeOther {
		t.Fatalf("link before rotation: %d, want 303 (accepted)", code)
	}
	code, out, errs := runSlate(t, "", "link", "rotate", "--config", path, "--actor", "alice")
	if code != exitOK {
		t.Fatalf("slate link rotate: exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "revoked") {
		t.Errorf("slate link rotate printed %q, want it to say links are revoked", out)
	}
	// Past the 10 seconds a running server trusts the key it read.
	skew.Store(int64(dashboard.LinkKeyCacheTTL + time.Second))
	if code := openLink(t, base, old); code != http.StatusUnauthorized {
		t.Errorf("link signed before rotation: %d, want 401", code)
	}
	if code := openLink(t, base, printLink(t, path, "--ttl", "2h")); code != http.StatusSeeOther {
		t.Errorf("link signed after rotation: %d, want 303 (accepted)", code)
	}
	entries, err := a.store.AuditOf(context.Background(), "secret/"+monitor.LinkKeyName)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Action != "secret.rotated" || entries[0].Actor != "alice" {
		t.Errorf("audit of the key: %+v, want one secret.rotated by alice", entries)
	}
	for _, e := range entries {
		if strings.Contains(e.Detail, "value") {
			t.Errorf("audit entry carries the key: %s", e.Detail)
		}
	}
}

// TestLinkLifetimeIsBounded checks the longest life of a link: slate link
// refuses a longer --ttl naming the flag and the setting, the setting
// raises it, and the server refuses a link whose expiry lies beyond it
// from now, however it was signed.
func TestLinkLifetimeIsBounded(t *testing.T) {
	path := linkConfig(t, "")
	code, _, errs := runSlate(t, "", "link", "--config", path, "--tenant", "acme", "--ttl", "2161h")
	if code != exitUsage || !strings.Contains(errs, "--ttl") || !strings.Contains(errs, "server.link_max_ttl") || !strings.Contains(errs, "2160h") {
		t.Errorf("--ttl over 90 days: exit %d %q, want %d naming --ttl, the 2160h limit and server.link_max_ttl", code, errs, exitUsage)
	}
	printLink(t, path, "--ttl", "2160h")

	longer := linkConfig(t, "link_max_ttl: 400d")
	printLink(t, longer, "--ttl", "9000h")

	a, base := serveConfig(t, path, monitor.Options{})
	key, err := a.store.Secret(context.Background(), monitor.LinkKeyName)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		ttl  time.Duration
		want int
	}{
		{"within the limit", 89 * 24 * time.Hour, http.StatusSeeOther},
		{"beyond the limit", 91 * 24 * time.Hour, http.StatusUnauthorized},
		{"ten years", 3650 * 24 * time.Hour, http.StatusUnauthorized},
	} {
		q := dashboard.SignTenantLink(key, "acme", time.Now().Add(tc.ttl))
		if got := openLink(t, base, "http://x/status/acme?"+q); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
}
