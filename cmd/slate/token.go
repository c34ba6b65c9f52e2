package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/slatehq/slate/access"
	"github.com/slatehq/slate/db"
)

const tokenUsage = `Usage: slate token <command> --config FILE [flags]

API tokens for the admin API and tenant pages. A token is shown once, when it
is created: slate keeps only its SHA-256 and its visible prefix
(slt_1a2b3c4d), which names it everywhere else. Creating and revoking a token
are in the audit log; revoked tokens stay listed.

Roles: admin (everything), account_manager (credits, exclusions, tenants and
contracts), oncall (incidents and maintenance), viewer (one tenant's pages,
read-only; needs --tenant), metrics (/metrics only: what a Prometheus server
scrapes with), feed (one tenant's Atom feed; needs --tenant), agent (a probe
agent of one declared location, slate agent; needs --location: the server
takes the location from the token, never from the agent).

Commands:
  create --role ROLE --name NAME [--tenant T] [--location L]
  list
  revoke PREFIX

Common flags: --config FILE (required), --actor NAME (default $USER).
`

func runToken(args []string, stdout, stderr io.Writer) int {
	sub, code, ok := subcommand(args, tokenUsage, stdout)
	if !ok {
		return code
	}
	fs := newFlagSet("token "+sub, stderr, tokenUsage)
	configPath := fs.String("config", "", "configuration file (required)")
	actor := fs.String("actor", defaultActor(), "who acts, for the audit log")
	role := fs.String("role", "", strings.Join(access.TokenRoles(), ", "))
	name := fs.String("name", "", "what the token is for, shown in lists")
	tenant := fs.String("tenant", "", "the tenant a viewer or feed token sees")
	location := fs.String("location", "", "the declared location an agent token reports from")
	pos, code, ok := parseInterspersed(fs, args[1:], stdout)
	if !ok {
		return code
	}
	cfg, store, code, ok := openConfigStore("token "+sub, *configPath, stderr)
	if !ok {
		return code
	}
	defer store.Close()
	usage := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "slate token %s: "+format+"\n", append([]any{sub}, a...)...)
		return exitUsage
	}
	ctx := context.Background()
	switch sub {
	case "create":
		switch {
		case len(pos) != 0:
			return usage("unexpected argument %q; flags only", pos[0])
		case strings.TrimSpace(*name) == "":
			return usage("--name: say who or what uses the token")
		case !db.ValidRole(*role):
			return usage("--role: %q is not one of %s", *role, strings.Join(access.TokenRoles(), ", "))
		case access.TenantRole(*role) && *tenant == "":
			return usage("--tenant: a %s token needs a tenant of the configuration", *role)
		case !access.TenantRole(*role) && *tenant != "":
			return usage("--tenant: only %s and %s tokens take a tenant; role %s sees every tenant", db.RoleViewer, db.RoleFeed, *role)
		case *tenant != "" && !cfg.HasTenant(*tenant):
			return usage("--tenant: unknown tenant %q", *tenant)
		case access.LocationRole(*role) && *location == "":
			return usage("--location: an %s token needs a declared location (one of %s)", *role, strings.Join(cfg.Catalog.LocationIDs(), ", "))
		case !access.LocationRole(*role) && *location != "":
			return usage("--location: only %s tokens take a location; role %s probes nowhere", access.Agent, *role)
		}
		if _, ok := cfg.Catalog.Location(*location); *location != "" && !ok {
			return usage("--location: %q is not a declared location (declared: %s)", *location, strings.Join(cfg.Catalog.LocationIDs(), ", "))
		}
		text, tok, err := store.CreateToken(ctx, db.NewToken{Name: *name, Role: *role, Tenant: *tenant, Location: *location}, *actor)
		if err != nil {
			fmt.Fprintf(stderr, "slate token create: %v\n", err)
			return exitFail
		}
		fmt.Fprintln(stdout, text)
		fmt.Fprintf(stdout, "token %s created: name %q, role %s%s%s\n", tok.Prefix, tok.Name, tok.Role, tenantSuffix(tok.Tenant), locationSuffix(tok.Location))
		fmt.Fprintln(stdout, "This is the only time the token is shown; it will not be shown again. Store it now.")
		return exitOK
	case "revoke":
		if len(pos) != 1 {
			return usage("give one token prefix, like slt_1a2b3c4d")
		}
		prefix := pos[0]
		if p, ok := db.TokenPrefix(prefix); ok {
			prefix = p // the whole token was given
		}
		tok, err := store.RevokeToken(ctx, prefix, *actor)
		switch {
		case errors.Is(err, db.ErrTokenNotFound):
			return usage("no token with prefix %q (see slate token list)", prefix)
		case errors.Is(err, db.ErrTokenRevoked):
			return usage("%v", err)
		case err != nil:
			fmt.Fprintf(stderr, "slate token revoke: %v\n", err)
			return exitFail
		}
		fmt.Fprintf(stdout, "token %s (%s): revoked\n", tok.Prefix, tok.Name)
		return exitOK
	case "list":
		if len(pos) != 0 {
			return usage("unexpected argument %q", pos[0])
		}
		toks, err := store.Tokens(ctx)
		if err != nil {
			fmt.Fprintf(stderr, "slate token list: %v\n", err)
			return exitFail
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "PREFIX\tNAME\tROLE\tTENANT\tCREATED\tLAST USED\tREVOKED")
		for _, t := range toks {
			tenant, used, revoked := orDash(t.Tenant), "never", "-"
			if !t.LastUsed.IsZero() {
				used = t.LastUsed.Format(time.RFC3339)
			}
			if !t.Revoked.IsZero() {
				revoked = t.Revoked.Format(time.RFC3339) + " by " + t.RevokedBy
			}
			fmt.Fprintf(tw, "%s\t%s\t%s%s\t%s\t%s\t%s\t%s\n", t.Prefix, t.Name, t.Role, locationSuffix(t.Location), tenant,
				t.CreatedAt.Format(time.RFC3339)+" by "+t.CreatedBy, used, revoked)
		}
		tw.Flush()
		return exitOK
	}
	return usage("unknown command; see slate token --help")
}

func tenantSuffix(tenant string) string {
	if tenant == "" {
		return ""
	}
	return ", tenant " + tenant
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// locationSuffix names an agent token's location after its role.
func locationSuffix(location string) string {
	if location == "" {
		return ""
	}
	return ", location " + location
}
