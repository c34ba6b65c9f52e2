package main

import (
	"context"
	"strings"
	"testing"

	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/internal/testkit"
)

func TestTokenCreateListRevoke(t *testing.T) {
	cfg, cfgPath := testkit.Config(t, "http://127.0.0.1:1/", "tenants: [{id: acme}]\n", "web")
	run := func(args ...string) (int, string, string) {
		t.Helper()
		return runSlate(t, "", append(args, "--config", cfgPath, "--actor", "alice")...)
	}

	code, out, errs := run("token", "create", "--role", "admin", "--name", "ops laptop")
	if code != exitOK {
		t.Fatalf("create admin: exit %d, stderr %q", code, errs)
	}
	adminText := strings.SplitN(out, "\n", 2)[0]
	adminPrefix, ok := db.TokenPrefix(adminText)
	if !ok {
		t.Fatalf("create admin: first line %q is not a token; output:\n%s", adminText, out)
	}
	if !strings.Contains(out, "will not be shown again") || !strings.Contains(out, "token "+adminPrefix+" created") {
		t.Errorf("create admin: output does not warn that the token is shown once or name its prefix:\n%s", out)
	}

	code, out, errs = run("token", "create", "--role", "viewer", "--tenant", "acme", "--name", "acme portal")
	if code != exitOK {
		t.Fatalf("create viewer: exit %d, stderr %q", code, errs)
	}
	viewerText := strings.SplitN(out, "\n", 2)[0]
	viewerPrefix, ok := db.TokenPrefix(viewerText)
	if !ok {
		t.Fatalf("create viewer: first line %q is not a token", viewerText)
	}

	code, out, errs = run("token", "list")
	if code != exitOK {
		t.Fatalf("list: exit %d, stderr %q", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "PREFIX") {
		t.Fatalf("list: want a header and two tokens, got:\n%s", out)
	}
	for _, want := range [][]string{
		{viewerPrefix, "acme portal", "viewer", "acme", "by alice", "never"},
		{adminPrefix, "ops laptop", "admin", "by alice", "never"},
	} {
		line := lines[1]
		if want[0] == adminPrefix {
			line = lines[2]
		}
		for _, w := range want {
			if !strings.Contains(line, w) {
				t.Errorf("list: line %q lacks %q (newest first)", line, w)
			}
		}
	}
	if strings.Contains(out, adminText) || strings.Contains(out, viewerText) {
		t.Errorf("list shows a token's text:\n%s", out)
	}

	if code, out, errs = run("token", "revoke", adminPrefix); code != exitOK || !strings.Contains(out, adminPrefix+" (ops laptop): revoked") {
		t.Fatalf("revoke: exit %d, out %q, stderr %q", code, out, errs)
	}
	if code, _, errs = run("token", "revoke", adminPrefix); code != exitUsage || !strings.Contains(errs, "already revoked") {
		t.Errorf("second revoke: exit %d, stderr %q; want exit %d and already revoked", code, errs, exitUsage)
	}
	_, out, _ = run("token", "list")
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 3 ||
		strings.Count(lines[2], "by alice") != 2 || strings.Count(lines[1], "by alice") != 1 {
		t.Errorf("list after revoke: want the admin token marked revoked by alice, the viewer not:\n%s", out)
	}

	store, err := db.Open(cfg.Storage.Path, db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ctx := context.Background()
	tok, err := store.TokenByHash(ctx, db.HashToken(viewerText))
	if err != nil || tok.Prefix != viewerPrefix || tok.Role != db.RoleViewer || tok.Tenant != "acme" || tok.CreatedBy != "alice" {
		t.Errorf("stored viewer token = %+v, %v", tok, err)
	}
	entries, err := store.AuditOf(ctx, "token/"+adminPrefix)
	if err != nil || len(entries) != 2 || entries[0].Action != "token.created" || entries[1].Action != "token.revoked" || entries[1].Actor != "alice" {
		t.Errorf("audit of the admin token: %+v, %v", entries, err)
	}
}

func TestTokenRefusesBadInput(t *testing.T) {
	_, cfgPath := testkit.Config(t, "http://127.0.0.1:1/", "tenants: [{id: acme}]\n", "web")
	tests := []struct {
		name string
		args []string
		want string // in stderr; the exit status is exitUsage
	}{
		{"unknown role", []string{"create", "--role", "root", "--name", "x", "--config", cfgPath}, `--role: "root" is not one of admin, account_manager, oncall, viewer`},
		{"no role", []string{"create", "--name", "x", "--config", cfgPath}, `--role: "" is not one of`},
		{"no name", []string{"create", "--role", "admin", "--config", cfgPath}, "--name: say who or what uses the token"},
		{"viewer without a tenant", []string{"create", "--role", "viewer", "--name", "x", "--config", cfgPath}, "--tenant: a viewer token needs a tenant"},
		{"admin with a tenant", []string{"create", "--role", "admin", "--tenant", "acme", "--name", "x", "--config", cfgPath}, "--tenant: only viewer and feed tokens take a tenant; role admin sees every tenant"},
		{"feed without a tenant", []string{"create", "--role", "feed", "--name", "x", "--config", cfgPath}, "--tenant: a feed token needs a tenant"},
		{"unknown tenant", []string{"create", "--role", "viewer", "--tenant", "initech", "--name", "x", "--config", cfgPath}, `--tenant: unknown tenant "initech"`},
		{"agent without a location", []string{"create", "--role", "agent", "--name", "x", "--config", cfgPath}, "--location: an agent token needs a declared location"},
		{"agent at an undeclared location", []string{"create", "--role", "agent", "--location", "mars", "--name", "x", "--config", cfgPath}, `--location: "mars" is not a declared location`},
		{"admin with a location", []string{"create", "--role", "admin", "--location", "local", "--name", "x", "--config", cfgPath}, "--location: only agent tokens take a location; role admin probes nowhere"},
		{"stray argument", []string{"create", "extra", "--role", "admin", "--name", "x", "--config", cfgPath}, `unexpected argument "extra"`},
		{"no config", []string{"list"}, "give --config FILE"},
		{"revoke without a prefix", []string{"revoke", "--config", cfgPath}, "give one token prefix"},
		{"revoke an unknown prefix", []string{"revoke", "slt_00000000", "--config", cfgPath}, `no token with prefix "slt_00000000"`},
		{"unknown command", []string{"rotate", "--config", cfgPath}, "unknown command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := runSlate(t, "", append([]string{"token"}, tt.args...)...)
			if code != exitUsage || !strings.Contains(errs, tt.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, errs, exitUsage, tt.want)
			}
			if out != "" {
				t.Errorf("refused command wrote to stdout: %q", out)
			}
		})
	}
	if code, out, _ := runSlate(t, "", "token", "list", "--config", cfgPath); code != exitOK || strings.Count(out, "\n") != 1 {
		t.Errorf("after refused commands, list shows tokens: exit %d\n%s", code, out)
	}
}

// TestTokenCreateAgent makes an agent token for a declared location: the
// store keeps the location, and the list shows it.
func TestTokenCreateAgent(t *testing.T) {
	cfg, cfgPath := testkit.Config(t, "http://127.0.0.1:1/", "locations: [{id: local}, {id: us-east}]\n", "web")
	code, out, errs := runSlate(t, "", "token", "create", "--role", "agent", "--location", "us-east", "--name", "east agent", "--config", cfgPath, "--actor", "alice")
	if code != exitOK || !strings.Contains(out, "role agent, location us-east") {
		t.Fatalf("create agent: exit %d, out %q, stderr %q", code, out, errs)
	}
	text := strings.SplitN(out, "\n", 2)[0]
	if _, out, _ = runSlate(t, "", "token", "list", "--config", cfgPath); !strings.Contains(out, "agent, location us-east") {
		t.Errorf("list does not show the agent's location:\n%s", out)
	}
	store, err := db.Open(cfg.Storage.Path, db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	tok, err := store.TokenByHash(context.Background(), db.HashToken(text))
	if err != nil || tok.Role != db.RoleAgent || tok.Location != "us-east" || tok.Tenant != "" {
		t.Errorf("stored agent token = %+v, %v; want role agent, location us-east", tok, err)
	}
}
