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
	"testing"
	"time"

	"github.com/slatehq/slate/config"
	"github.com/slatehq/slate/monitor"
)

// linkConfig has one tenant with a private service.
const linkConfig = `
storage: {path: %q}
server: {listen: "127.0.0.1:0"}
tenants: [{id: acme, name: Acme Corporation, timezone: Europe/Berlin}]
services: [{id: acme-db, name: Acmedb Private Cluster, public: false}]
contracts:
  - {id: acme-gold, tenant: acme, services: [acme-db], fee: {amount: "1234.56", currency: EUR},
     policy: {target: "99.9", tiers: [{uptime: "[0, 99.9)", credit: "10"}]}}
`

// TestLinkCommand prints a link that opens the tenant's page, and refuses
// bad flags naming them.
func TestLinkCommand(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "slate.yaml")
	if err := os.WriteFile(path, fmt.Appendf(nil, linkConfig, filepath.Join(dir, "slate.db")), 0o600); err != nil {
		t.Fatal(err)
	}
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
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	a := testApp(t, cfg, monitor.Options{})
	base := startTestApp(t, a)
	if err := a.RefreshStatus(context.Background(), time.Now()); err != nil {
		t.Fatal(err)
	}
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
