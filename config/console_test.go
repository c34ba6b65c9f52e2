package config_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/config"
)

// TestConsoleSettings: the console's section with its defaults filled
// (the redirect URL from the public URL, the groups claim, the session
// lengths) and the client secret read from its file, relative to the
// configuration; a missing secret file is named.
func TestConsoleSettings(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "slate.yaml")
	yml := `server: {listen: "127.0.0.1:8080", public_url: "https://status.example.com"}
console:
  oidc:
    issuer: https://sso.example.com/realms/staff
    client_id: slate
    client_secret_file: oidc.secret
    roles: {admin: [sre-leads], account_manager: [billing], oncall: [sre, noc]}
services: [{id: web}]
checks: [{id: w, service: web, kind: http, target: "http://127.0.0.1/"}]
`
	if err := os.WriteFile(path, []byte(yml), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := config.Load(path); err == nil {
		t.Fatal("loaded without the secret file")
	} else if want := "console.oidc.client_secret_file"; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not name %s", err, want)
	}
	if err := os.WriteFile(filepath.Join(dir, "oidc.secret"), []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	c := cfg.Console
	if !c.Enabled() || c.OIDC.ClientSecret != "s3cret" || c.OIDC.RedirectURL != "https://status.example.com/console/auth/callback" ||
		c.OIDC.RoleClaim != "groups" || !slices.Equal(c.OIDC.Roles.Oncall, []string{"sre", "noc"}) ||
		c.Session.Idle != 30*time.Minute || c.Session.Absolute != 12*time.Hour {
		t.Errorf("console settings %+v", c)
	}
}
