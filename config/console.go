package config

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/slatehq/slate/internal/ynode"
)

// Console is the staff console at /console/: who may sign in, through
// which OpenID Connect provider, and how long a session lasts. An empty
// OIDC.Issuer turns the console off (404).
type Console struct {
	OIDC    OIDC
	Session ConsoleSession
}

// Enabled reports whether the console is served.
func (c Console) Enabled() bool { return c.OIDC.Issuer != "" }

// OIDC is the OpenID Connect provider staff sign in with.
type OIDC struct {
	Issuer   string // the provider's issuer URL; discovery is read from it
	ClientID string
	// ClientSecretFile holds the client secret (surrounding white space
	// dropped), relative to the configuration file; Load reads it into
	// ClientSecret, so the secret never sits in the configuration.
	ClientSecretFile string
	ClientSecret     string
	// RedirectURL is where the provider sends the browser back; default
	// server.public_url plus /console/auth/callback.
	RedirectURL string
	// RoleClaim is the ID token's claim that roles are mapped from, a
	// string or a list of strings; default "groups".
	RoleClaim string
	// Scopes asked for besides openid; default email, profile.
	Scopes []string
	// Roles maps claim values to console roles. A person whose claim
	// holds a value of several roles gets the first of admin,
	// account_manager, oncall; one with none is refused.
	Roles ConsoleRoles
}

// ConsoleRoles are the claim values of each console role.
type ConsoleRoles struct {
	Admin, AccountManager, Oncall []string
}

// ConsoleSession bounds a console session's life.
type ConsoleSession struct {
	// Idle ends a session not used for this long; default 30m.
	Idle time.Duration
	// Absolute ends a session this long after sign-in, however used;
	// default 12h, at most 30d.
	Absolute time.Duration
}

// Defaults of the console's sessions.
const (
	DefaultSessionIdle     = 30 * time.Minute
	DefaultSessionAbsolute = 12 * time.Hour
	maxSessionAbsolute     = 30 * 24 * time.Hour
	// ConsoleCallbackPath is the redirect URL's path.
	ConsoleCallbackPath = "/console/auth/callback"
)

func (d *configDecoder) console(n ynode.Node, c *Console) error {
	f, err := n.Map("oidc", "session")
	if err != nil {
		return err
	}
	c.Session = ConsoleSession{Idle: DefaultSessionIdle, Absolute: DefaultSessionAbsolute}
	if sn, ok := f.Get("session"); ok {
		g, err := d.at.Add(sn).Map("idle", "absolute")
		if err != nil {
			return err
		}
		if err := d.dur(g, "idle", &c.Session.Idle); err != nil {
			return err
		}
		if err := d.dur(g, "absolute", &c.Session.Absolute); err != nil {
			return err
		}
	}
	on, ok := f.Get("oidc")
	if !ok {
		return n.Missing("oidc", "the OpenID Connect provider staff sign in with")
	}
	g, err := d.at.Add(on).Map("issuer", "client_id", "client_secret_file", "redirect_url", "role_claim", "scopes", "roles")
	if err != nil {
		return err
	}
	o := &c.OIDC
	for _, x := range []struct {
		key string
		dst *string
	}{{"issuer", &o.Issuer}, {"client_id", &o.ClientID}, {"client_secret_file", &o.ClientSecretFile},
		{"redirect_url", &o.RedirectURL}, {"role_claim", &o.RoleClaim}} {
		if err := d.str(g, x.key, x.dst); err != nil {
			return err
		}
	}
	if err := d.strs(g, "scopes", &o.Scopes); err != nil {
		return err
	}
	rn, ok := g.Get("roles")
	if !ok {
		return on.Missing("roles", "the claim values of admin, account_manager and oncall")
	}
	r, err := d.at.Add(rn).Map("admin", "account_manager", "oncall")
	if err != nil {
		return err
	}
	for _, x := range []struct {
		key string
		dst *[]string
	}{{"admin", &o.Roles.Admin}, {"account_manager", &o.Roles.AccountManager}, {"oncall", &o.Roles.Oncall}} {
		if err := d.strs(r, x.key, x.dst); err != nil {
			return err
		}
	}
	return nil
}

// validateConsole checks the console's settings and fills their defaults.
func validateConsole(cfg *Config, add adder) {
	c := &cfg.Console
	if !c.Enabled() {
		return
	}
	o := &c.OIDC
	if !isHTTPS(o.Issuer) && !isLoopbackHTTP(o.Issuer) {
		add("console.oidc.issuer", "%q is not an https URL (plain http only on a loopback address)", o.Issuer)
	}
	if strings.TrimSpace(o.ClientID) == "" {
		add("console.oidc.client_id", "must not be empty")
	}
	if strings.TrimSpace(o.ClientSecretFile) == "" {
		add("console.oidc.client_secret_file", "must name the file that holds the client secret")
	}
	if o.RedirectURL == "" && cfg.Server.PublicURL != "" {
		o.RedirectURL = strings.TrimSuffix(cfg.Server.PublicURL, "/") + ConsoleCallbackPath
	}
	if u, err := url.Parse(o.RedirectURL); o.RedirectURL == "" || err != nil || (u.Scheme != "https" && !isLoopbackHTTP(o.RedirectURL)) || u.Path != ConsoleCallbackPath {
		add("console.oidc.redirect_url", "must be an https URL ending in %s, or set server.public_url (got %q)", ConsoleCallbackPath, o.RedirectURL)
	}
	if o.RoleClaim == "" {
		o.RoleClaim = "groups"
	}
	if o.Scopes == nil {
		o.Scopes = []string{"email", "profile"}
	}
	if len(o.Roles.Admin)+len(o.Roles.AccountManager)+len(o.Roles.Oncall) == 0 {
		add("console.oidc.roles", "map at least one %s value to admin, account_manager or oncall: nobody could sign in", o.RoleClaim)
	}
	for _, r := range []struct {
		role string
		vs   []string
	}{{"admin", o.Roles.Admin}, {"account_manager", o.Roles.AccountManager}, {"oncall", o.Roles.Oncall}} {
		for i, v := range r.vs {
			if strings.TrimSpace(v) == "" {
				add(fmt.Sprintf("console.oidc.roles.%s[%d]", r.role, i), "must not be empty")
			}
		}
	}
	s := c.Session
	if s.Idle <= 0 {
		add("console.session.idle", "must be positive (got %s)", s.Idle)
	}
	if s.Absolute <= 0 || s.Absolute > maxSessionAbsolute {
		add("console.session.absolute", "must be positive and at most 30d (got %s)", s.Absolute)
	} else if s.Idle > s.Absolute {
		add("console.session.idle", "%s is longer than console.session.absolute (%s)", s.Idle, s.Absolute)
	}
}

// isLoopbackHTTP reports whether u is a plain http URL on a loopback
// address, where no one between browser and server can read it.
func isLoopbackHTTP(u string) bool {
	p, err := url.Parse(u)
	if err != nil || p.Scheme != "http" {
		return false
	}
	if p.Hostname() == "localhost" {
		return true
	}
	ip := net.ParseIP(p.Hostname())
	return ip != nil && ip.IsLoopback()
}

// readConsoleSecret reads the OIDC client secret from its file, relative
// to the configuration at path.
func readConsoleSecret(cfg *Config, path string) error {
	o := &cfg.Console.OIDC
	if !cfg.Console.Enabled() || o.ClientSecretFile == "" {
		return nil
	}
	file := o.ClientSecretFile
	if !filepath.IsAbs(file) {
		file = filepath.Join(filepath.Dir(path), file)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("%s: console.oidc.client_secret_file: %w", path, err)
	}
	o.ClientSecret = strings.TrimSpace(string(b))
	if o.ClientSecret == "" {
		return fmt.Errorf("%s: console.oidc.client_secret_file: %s is empty", path, file)
	}
	return nil
}
