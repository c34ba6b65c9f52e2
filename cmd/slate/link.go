package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/slatehq/slate/config"
	"github.com/slatehq/slate/dashboard"
	"github.com/slatehq/slate/monitor"
)

const linkUsage = `Usage: slate link --config FILE --tenant T [--ttl D]
       slate link rotate --config FILE [--actor NAME]

Prints a signed link to tenant T's private status page (/status/T) that
works without a token until it expires. Opening it sets a cookie for that
tenant's pages only. Links are signed with a key kept in the store; they
cannot be revoked one by one, so keep their lifetime short: --ttl may be at
most server.link_max_ttl (default 90 days).

slate link rotate replaces the key, which revokes every link signed so far
(a running slate stops accepting them within 10 seconds); the rotation is
in the audit log.

Flags:
`

// defaultLinkTTL is how long a tenant link works unless --ttl says.
const defaultLinkTTL = 30 * 24 * time.Hour

func runLink(args []string, stdout, stderr io.Writer, now func() time.Time) int {
	if len(args) > 0 && args[0] == "rotate" {
		return runLinkRotate(args[1:], stdout, stderr)
	}
	fs := newFlagSet("link", stderr, linkUsage)
	configPath := fs.String("config", "", "configuration file (required)")
	tenant := fs.String("tenant", "", "tenant id (required)")
	ttl := fs.Duration("ttl", defaultLinkTTL, "how long the link works")
	if code, ok := parseFlags(fs, args, stdout); !ok {
		return code
	}
	cfg, store, code, ok := openConfigStore("link", *configPath, stderr)
	if !ok {
		return code
	}
	defer store.Close()
	switch {
	case *tenant == "":
		fmt.Fprintln(stderr, "slate link: give --tenant T")
		return exitUsage
	case !cfg.HasTenant(*tenant):
		fmt.Fprintf(stderr, "slate link: --tenant: unknown tenant %q\n", *tenant)
		return exitUsage
	case *ttl <= 0:
		fmt.Fprintf(stderr, "slate link: --ttl: must be positive (got %s)\n", *ttl)
		return exitUsage
	case *ttl > cfg.Server.LinkMaxTTL:
		fmt.Fprintf(stderr, "slate link: --ttl: at most %s, the configuration's server.link_max_ttl (got %s)\n", cfg.Server.LinkMaxTTL, *ttl)
		return exitUsage
	}
	url, exp, err := monitor.TenantLink(context.Background(), store, cfg, *tenant, now().Add(*ttl))
	if err != nil {
		fmt.Fprintf(stderr, "slate link: %v\n", err)
		return exitFail
	}
	fmt.Fprintln(stdout, url)
	fmt.Fprintf(stdout, "valid until %s\n", exp.UTC().Format(time.RFC3339))
	return exitOK
}

// runLinkRotate replaces the key that signs tenant links, audited.
func runLinkRotate(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("link rotate", stderr, linkUsage)
	configPath := fs.String("config", "", "configuration file (required)")
	actor := fs.String("actor", defaultActor(), "who acts, for the audit log")
	if code, ok := parseFlags(fs, args, stdout); !ok {
		return code
	}
	_, store, code, ok := openConfigStore("link rotate", *configPath, stderr)
	if !ok {
		return code
	}
	defer store.Close()
	if err := store.RotateSecret(context.Background(), monitor.LinkKeyName, *actor); err != nil {
		fmt.Fprintf(stderr, "slate link rotate: %v\n", err)
		return exitFail
	}
	fmt.Fprintf(stdout, "tenant links revoked: the signing key was replaced; links signed before now stop working (within %s on a running slate)\n", dashboard.LinkKeyCacheTTL)
	return exitOK
}

// publicBase is where readers reach slate: the configured public URL, else
// the listen address.
func publicBase(cfg *config.Config) string {
	if cfg.Server.PublicURL != "" {
		return strings.TrimRight(cfg.Server.PublicURL, "/")
	}
	return "http://" + cfg.Server.Listen
}
