package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/slatehq/slate/config"
	"github.com/slatehq/slate/monitor"
)

const linkUsage = `Usage: slate link --config FILE --tenant T [--ttl D]

Prints a signed link to tenant T's private status page (/status/T) that
works without a token until it expires. Opening it sets a cookie for that
tenant's pages only. Links are signed with a key kept in the store; they
cannot be revoked one by one, so keep their lifetime short.

Flags:
`

// defaultLinkTTL is how long a tenant link works unless --ttl says.
const defaultLinkTTL = 30 * 24 * time.Hour

func runLink(args []string, stdout, stderr io.Writer, now func() time.Time) int {
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

// publicBase is where readers reach slate: the configured public URL, else
// the listen address.
func publicBase(cfg *config.Config) string {
	if cfg.Server.PublicURL != "" {
		return strings.TrimRight(cfg.Server.PublicURL, "/")
	}
	return "http://" + cfg.Server.Listen
}
