package config

import (
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/slatehq/slate/catalog"
	"github.com/slatehq/slate/collector"
	"github.com/slatehq/slate/internal/ynode"
)

// minHistoryRetention is the shortest per-minute history slate keeps: it is
// the evidence behind credits, which customers may dispute for a year.
const minHistoryRetention = 400 * 24 * time.Hour

// adder records one problem at a field path.
type adder func(path, format string, args ...any)

// validate fills derived defaults and checks the whole configuration,
// returning every problem found.
func (d *configDecoder) validate(cfg *Config) []*ynode.Error {
	var probs []*ynode.Error
	add := func(path, format string, args ...any) {
		probs = append(probs, d.at.Locate(path, fmt.Sprintf(format, args...)))
	}
	validateSettings(cfg, add)
	locations := validateLocations(cfg, d.at, add)
	tenants, services := validateCatalog(cfg, add)
	validateCheckLocations(cfg, locations, add)
	validateAlerting(cfg, tenants, services, add)
	validateMaintenance(cfg, services, add)
	validateContracts(cfg, tenants, services, add)
	validateCustomers(cfg, add)
	validateConsole(cfg, add)
	return probs
}

// validateSettings checks the heartbeat, backup, storage, server and
// collector settings, filling the backup's defaults.
// maxSettle bounds detection.settle: waiting longer would hold incidents
// back by more than an hour for one lagging agent.
const maxSettle = time.Hour

func validateSettings(cfg *Config, add adder) {
	if h := cfg.Heartbeat; h.URL != "" {
		if u, err := url.Parse(h.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			add("heartbeat.url", "%q is not an http(s) URL", h.URL)
		}
		if h.Interval < 10*time.Second {
			add("heartbeat.interval", "must be at least 10s (got %s)", h.Interval)
		}
	}
	if cfg.Backup.Dir == "" {
		cfg.Backup.Dir = cfg.Storage.Path + ".backups"
	}
	if cfg.Backup.Keep == 0 {
		cfg.Backup.Keep = 3
	}
	if cfg.Backup.Levels == nil {
		cfg.Backup.Levels = []string{"hourly", "daily", "weekly"}
	}
	for i, l := range cfg.Backup.Levels {
		if l != "hourly" && l != "daily" && l != "weekly" {
			add(fmt.Sprintf("backup.levels[%d]", i), "%q is not one of hourly, daily, weekly", l)
		}
	}
	if cfg.Storage.Path == "" {
		add("storage.path", "must not be empty")
	}
	validateStorageURL(cfg, add)
	if h := cfg.Detection.RecoveryHold; h < time.Minute || h%time.Minute != 0 || h > 24*time.Hour {
		add("detection.recovery_hold", "must be whole minutes from 1m to 1d: the hold counts minutes judged up (got %s)", h)
	}
	if s := cfg.Detection.Settle; s < 0 || s > maxSettle {
		add("detection.settle", "must be from 0s to %s: how much longer detection waits for lagging agent locations (got %s)", maxSettle, s)
	}
	if cfg.Storage.RawRetention <= 0 {
		add("storage.raw_retention", "must be positive (got %s)", cfg.Storage.RawRetention)
	}
	if cfg.Storage.HistoryRetention < minHistoryRetention {
		add("storage.history_retention", "must be at least 400d: minute history is the evidence for credits (got %s)", cfg.Storage.HistoryRetention)
	}
	if cfg.Server.Listen == "" {
		add("server.listen", "must not be empty")
	}
	if m := cfg.Server.MetricsListen; m != MetricsListenOff {
		if _, port, err := net.SplitHostPort(m); err != nil {
			add("server.metrics_listen", "must be host:port, such as 127.0.0.1:9464, or off (got %q)", m)
		} else if m == cfg.Server.Listen && port != "0" {
			add("server.metrics_listen", "must differ from server.listen (both are %q)", m)
		}
	}
	if u := cfg.Server.PublicURL; u != "" {
		if pu, err := url.Parse(u); err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" || pu.RawQuery != "" || pu.Fragment != "" {
			add("server.public_url", "must be an absolute http or https URL without query or fragment (got %q)", u)
		}
	}
	if cfg.Server.RateLimit < 0 {
		add("server.rate_limit", "must be 0 (no limit) or more requests per second (got %d)", cfg.Server.RateLimit)
	}
	for i, p := range cfg.Server.TrustedProxies {
		if _, err := netip.ParsePrefix(p); err != nil {
			if _, err := netip.ParseAddr(p); err != nil {
				add(fmt.Sprintf("server.trusted_proxies[%d]", i), "must be an IP address or a CIDR range such as 10.0.0.0/8 (got %q)", p)
			}
		}
	}
	if cfg.MaintenanceMax <= 0 {
		add("maintenance_max", "must be a positive duration, the longest maintenance window people may announce (got %s)", cfg.MaintenanceMax)
	}
	if cfg.Server.LinkMaxTTL <= 0 {
		add("server.link_max_ttl", "must be a positive duration, the longest life of a signed tenant link (got %s)", cfg.Server.LinkMaxTTL)
	}
}

// validateCatalog checks tenants, services and checks, filling display
// names, and returns the known tenant and service IDs.
func validateCatalog(cfg *Config, add adder) (tenants, services map[string]bool) {
	tenants = map[string]bool{}
	for i := range cfg.Tenants {
		t := &cfg.Tenants[i]
		path := fmt.Sprintf("tenants[%d]", i)
		if msg := idProblem(t.ID, tenants); msg != "" {
			add(path+".id", "%s", msg)
		}
		tenants[t.ID] = true
		if t.Name == "" {
			t.Name = t.ID
		}
	}
	services = map[string]bool{}
	for i := range cfg.Services {
		s := &cfg.Services[i]
		if msg := idProblem(s.ID, services); msg != "" {
			add(fmt.Sprintf("services[%d].id", i), "%s", msg)
		}
		services[s.ID] = true
		if s.Name == "" {
			s.Name = s.ID
		}
	}
	checks := map[string]bool{}
	for i := range cfg.Checks {
		c, probe := &cfg.Checks[i], &cfg.Probes[i]
		path := fmt.Sprintf("checks[%d]", i)
		if msg := idProblem(c.ID, checks); msg != "" {
			add(path+".id", "%s", msg)
		}
		checks[c.ID] = true
		switch {
		case c.Service == "":
			add(path+".service", "is required (the id of a service)")
		case !services[c.Service]:
			add(path+".service", "unknown service %q", c.Service)
		}
		if c.Tenant != "" && !tenants[c.Tenant] {
			add(path+".tenant", "unknown tenant %q", c.Tenant)
		}
		if err := probe.Validate(); err != nil {
			for _, e := range flattenErrors(err) {
				var fe *collector.FieldError
				if errors.As(e, &fe) && fe.Field != "id" {
					add(path+"."+fe.Field, "%s", fe.Msg)
				}
			}
		}
	}
	return tenants, services
}

// validateAlerting checks receivers and routes.
func validateAlerting(cfg *Config, tenants, services map[string]bool, add adder) {
	receivers := map[string]bool{}
	for i, r := range cfg.Alerting.Receivers {
		path := fmt.Sprintf("alerting.receivers[%d]", i)
		if msg := idProblem(r.Name, receivers); msg != "" {
			add(path+".name", "%s", msg)
		}
		receivers[r.Name] = true
		switch r.Kind {
		case "webhook", "slack", "pagerduty", "statuspage":
		default:
			add(path+".kind", "%q is not one of webhook, slack, pagerduty, statuspage", r.Kind)
		}
		if u, err := url.Parse(r.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			add(path+".url", "%q is not an http(s) URL", r.URL)
		}
		if r.Kind == "pagerduty" && r.RoutingKey == "" {
			add(path+".routing_key", "is required for pagerduty")
		}
		if r.Kind == "webhook" && len(r.Secret) < 16 {
			add(path+".secret", "must be at least 16 characters: it signs every delivery")
		}
	}
	for i, r := range cfg.Alerting.Routes {
		path := fmt.Sprintf("alerting.routes[%d]", i)
		if !receivers[r.Receiver] {
			add(path+".receiver", "unknown receiver %q", r.Receiver)
		}
		for j, s := range r.Services {
			if !services[s] {
				add(fmt.Sprintf("%s.services[%d]", path, j), "unknown service %q", s)
			}
		}
		for j, tn := range r.Tenants {
			if !tenants[tn] {
				add(fmt.Sprintf("%s.tenants[%d]", path, j), "unknown tenant %q", tn)
			}
		}
		for j, sv := range r.Severities {
			if sv != "minor" && sv != "major" && sv != "critical" {
				add(fmt.Sprintf("%s.severities[%d]", path, j), "%q is not one of minor, major, critical", sv)
			}
		}
		if r.Repeat < 0 {
			add(path+".repeat", "must not be negative (got %s)", r.Repeat)
		}
	}
}

// validateMaintenance checks the configured maintenance windows.
func validateMaintenance(cfg *Config, services map[string]bool, add adder) {
	windows := map[string]bool{}
	for i, m := range cfg.Maintenance {
		path := fmt.Sprintf("maintenance[%d]", i)
		if msg := idProblem(m.ID, windows); msg != "" {
			add(path+".id", "%s", msg)
		}
		windows[m.ID] = true
		if len(m.Services) == 0 {
			add(path+".services", "must name at least one service")
		}
		for j, s := range m.Services {
			if !services[s] {
				add(fmt.Sprintf("%s.services[%d]", path, j), "unknown service %q", s)
			}
		}
		if !m.End.After(m.Start) {
			add(path+".end", "%s is not after start %s", m.End.Format(time.RFC3339), m.Start.Format(time.RFC3339))
		}
		if m.Announced.After(m.Start) {
			add(path+".announced", "%s is after the window starts (%s): announce work before it begins", m.Announced.Format(time.RFC3339), m.Start.Format(time.RFC3339))
		}
	}
}

// validateContracts checks contracts, filling the coverage threshold's
// default.
func validateContracts(cfg *Config, tenants, services map[string]bool, add adder) {
	contracts := map[string]bool{}
	for i := range cfg.Contracts {
		c := &cfg.Contracts[i]
		path := fmt.Sprintf("contracts[%d]", i)
		if msg := idProblem(c.ID, contracts); msg != "" {
			add(path+".id", "%s", msg)
		}
		contracts[c.ID] = true
		switch {
		case c.Tenant == "":
			add(path+".tenant", "is required (the id of a tenant)")
		case !tenants[c.Tenant]:
			add(path+".tenant", "unknown tenant %q", c.Tenant)
		}
		if len(c.Services) == 0 {
			add(path+".services", "must name at least one service")
		}
		for j, s := range c.Services {
			if !services[s] {
				add(fmt.Sprintf("%s.services[%d]", path, j), "unknown service %q", s)
			}
		}
		if c.Name == "" {
			names := make([]string, 0, len(c.Services))
			for _, s := range c.Services {
				if svc, ok := cfg.Service(s); ok {
					names = append(names, svc.Name)
				}
			}
			c.Name = strings.Join(names, ", ") + " SLA"
		}
		if c.Fee.Amount != nil && c.Fee.Amount.Sign() < 0 {
			add(path+".fee.amount", "%s is negative", c.Fee.Amount.FloatString(2))
		}
		if !isCurrency(c.Fee.Currency) {
			add(path+".fee.currency", "%q is not an ISO 4217 code such as \"USD\"", c.Fee.Currency)
		}
		if c.Period != catalog.PeriodMonth && c.Period != catalog.PeriodQuarter {
			add(path+".period", "%q is not one of month, quarter", c.Period)
		}
		if c.MaintenanceNotice < 0 {
			add(path+".maintenance_notice", "must not be negative (got %s)", c.MaintenanceNotice)
		}
		if c.CloseGrace < 0 || c.CloseGrace > 31*24*time.Hour {
			add(path+".close_grace", "must be between 0 and 31d (got %s)", c.CloseGrace)
		}
		if c.CoverageThreshold == nil {
			c.CoverageThreshold = big.NewRat(99, 1)
		} else if c.CoverageThreshold.Sign() < 0 || c.CoverageThreshold.Cmp(big.NewRat(100, 1)) > 0 {
			add(path+".coverage_threshold", "%s is not a percentage between 0 and 100", c.CoverageThreshold.FloatString(2))
		}
	}
}

// idProblem says what is wrong with an identifier, or "" when nothing is.
// Identifiers appear in URLs, metric labels and file names, so they are
// restricted to lower-case letters, digits, '-', '_' and '.'.
func idProblem(id string, seen map[string]bool) string {
	switch {
	case id == "":
		return "is required"
	case len(id) > 64:
		return fmt.Sprintf("%q is longer than 64 characters", id[:16]+"…")
	case strings.Trim(id, "abcdefghijklmnopqrstuvwxyz0123456789-_.") != "":
		return fmt.Sprintf("%q may hold only a-z, 0-9, '-', '_' and '.'", id)
	case seen[id]:
		return fmt.Sprintf("%q is used twice", id)
	}
	return ""
}

func isCurrency(c string) bool {
	return len(c) == 3 && strings.Trim(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == ""
}

// flattenErrors undoes errors.Join.
func flattenErrors(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flattenErrors(e)...)
		}
		return out
	}
	return []error{err}
}

// validateStorageURL checks storage.url and the lease settings, filling
// the renewal's default. A URL in an error is redacted: its password is
// never printed.
func validateStorageURL(cfg *Config, add adder) {
	s := &cfg.Storage
	if s.URL != "" {
		u, err := url.Parse(s.URL)
		switch {
		case err != nil:
			// url.Parse's error quotes the URL, password and all.
			add("storage.url", "is not a URL")
		case u.Scheme != "postgres" && u.Scheme != "postgresql":
			add("storage.url", "must be a postgres:// or postgresql:// URL (got scheme %q)", u.Scheme)
		case strings.Trim(u.Path, "/") == "":
			add("storage.url", "must name a database, as in postgres://slate@db.example/slate (got %q)", u.Redacted())
		case u.Host == "" && u.Query().Get("host") == "":
			add("storage.url", "must name a host, or a socket directory in ?host= (got %q)", u.Redacted())
		}
	}
	if s.LeaseTTL < time.Second || s.LeaseTTL > 5*time.Minute {
		add("storage.lease_ttl", "must be from 1s to 5m (got %s)", s.LeaseTTL)
		return
	}
	if s.LeaseRenew == 0 {
		s.LeaseRenew = s.LeaseTTL / 3
	}
	if s.LeaseRenew <= 0 || s.LeaseRenew > s.LeaseTTL/2 {
		add("storage.lease_renew", "must be positive and at most half of storage.lease_ttl (%s), so that one missed renewal does not lose the lease (got %s)", s.LeaseTTL, s.LeaseRenew)
	}
}

// Postgres reports whether the store is PostgreSQL (storage.url set)
// rather than the SQLite file.
func (s Storage) Postgres() bool { return s.URL != "" }

// Where names the store for people and logs: the SQLite file's path, or
// the PostgreSQL URL without its password.
func (s Storage) Where() string {
	if s.URL == "" {
		return s.Path
	}
	if u, err := url.Parse(s.URL); err == nil {
		return u.Redacted()
	}
	return "postgres (unreadable storage.url)"
}
