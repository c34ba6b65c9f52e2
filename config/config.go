package config

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/slatehq/slate/catalog"
	"github.com/slatehq/slate/collector"
	"github.com/slatehq/slate/internal/ynode"
	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/slacase"
)

// Config is slate's configuration file: what to watch, for whom, and what was
// promised. Parse reads it strictly; Default holds the defaults documented
// in the README's configuration reference.
type Config struct {
	// Catalog is the domain part: tenants, services, checks, contracts and
	// maintenance, with the rules that read them.
	catalog.Catalog
	// Probes are the checks' probe definitions, one per Catalog.Checks
	// entry and in the same order.
	Probes    []collector.Check
	Backup    Backup
	Alerting  Alerting
	Heartbeat Heartbeat
	Storage   Storage
	Server    Server
	Collector Collector
	Detection Detection
	Provider  Provider
	Billing   Billing
	Email     Email
	Console   Console
}

// Detection is how incidents open and resolve.
type Detection struct {
	// RecoveryHold is how long a service must stay up, in whole minutes
	// judged up, before its incident resolves; default 5m.
	RecoveryHold time.Duration
	// Settle bounds how much longer than its own probes' timing
	// detection waits for a minute's evidence from the live agent
	// locations whose results lag (a backlog draining after a partition);
	// default 2m. A minute is judged once every live location's evidence
	// is complete through it, or once Settle has passed, whichever comes
	// first; results that come later rebuild their minutes. 0 does not
	// wait for agents at all.
	Settle time.Duration
}

// Backup is where proven backups go. Every backup is restored and checked
// before it counts.
type Backup struct {
	Dir       string   // default: the database's path plus ".backups"; "off" disables backups
	SecondDir string   // another disk or a mounted remote; "" for none
	Keep      int      // good backups kept per level; default 3
	Levels    []string // hourly, daily, weekly: which run; default all three
}

// Enabled reports whether backups are taken.
func (b Backup) Enabled() bool { return b.Dir != "off" }

// Alerting is where notifications go.
type Alerting struct {
	Receivers []Receiver
	Routes    []Route
}

// Receiver is one destination of notifications.
type Receiver struct {
	Name       string
	Kind       string // webhook, slack, pagerduty or statuspage
	URL        string // where to POST; for pagerduty, default the Events API v2 endpoint
	Secret     string // webhook: the HMAC-SHA256 key of X-Slate-Signature
	RoutingKey string // pagerduty: the integration's routing key
}

// Route sends the events it matches to a receiver. Empty match lists match
// everything.
type Route struct {
	Receiver   string
	Services   []string
	Tenants    []string
	Severities []string
	Repeat     time.Duration // re-notify an unresolved incident this often; 0 never
	Resolved   bool          // also notify the resolution; default true
}

// Heartbeat is slate's dead-man's switch: while slate is healthy it calls
// URL every Interval, and an outside monitor that stops hearing it pages
// someone.
type Heartbeat struct {
	URL      string        // "" turns the heartbeat off
	Interval time.Duration // default 1m
}

// Storage is where the evidence lives and for how long.
type Storage struct {
	Path string // SQLite file; default "slate.db"; unused when URL is set
	// URL, when set, is a postgres:// (or postgresql://) URL: the store is
	// that PostgreSQL database instead of the SQLite file, and several
	// slate serve processes may share it. Its password is best left out
	// and given by PGPASSWORD or PGPASSFILE in the environment.
	URL string
	// LeaseTTL is how long the leader's lease runs without a renewal
	// (PostgreSQL only): a replica that cannot reach the database stops
	// leading before it ends, and another takes over after it; default 15s.
	LeaseTTL time.Duration
	// LeaseRenew is how often the leader renews its lease; default a
	// third of LeaseTTL. The others try to take it every second.
	LeaseRenew       time.Duration
	RawRetention     time.Duration // raw results; default 14 days
	HistoryRetention time.Duration // per-minute history; default (and minimum) 400 days
}

// Server is the HTTP server.
type Server struct {
	Listen string // address; default "127.0.0.1:8080"; slate serve --listen overrides
	// MetricsListen is the address of the metrics listener, which serves
	// /metrics without a credential; default "127.0.0.1:9464" (loopback:
	// a Prometheus server on the same host), "off" for none. The public
	// port serves /metrics to metrics tokens only.
	MetricsListen string
	// PublicURL is where readers reach slate (shortlinks, feeds, signed
	// links); default http:// plus Listen.
	PublicURL string
	// RateLimit is the requests per second one token may make to tenant
	// pages and the admin API; default 20 (bursts of twice that).
	RateLimit int
	// LinkMaxTTL is the longest life of a signed tenant link: slate link
	// refuses a longer --ttl and the server a link expiring later than
	// this from now. Default 90 days.
	LinkMaxTTL time.Duration
	// TrustedProxies are the addresses or CIDR ranges of reverse proxies
	// whose X-Forwarded-For names the client, for the limit on failed
	// authentication per client address; default none.
	TrustedProxies []string
}

// Collector is this process's probing.
type Collector struct {
	// Location is the ID of the location this server probes from, stored
	// with every result; default "local". It must be one of the declared
	// locations when any are declared; LocationOff turns probing here off.
	Location string
	Workers  int // probes run at once; 0 means the collector's default
	// CheckSeries is the most checks for which the probe_* series are
	// exported per check; above it, per service only. Default
	// collector.DefaultCheckSeries; 0 means per service only.
	CheckSeries int
}

// LocationOff, as collector.location, means this server runs no probes:
// only remote agents report, from the declared locations.
const LocationOff = "off"

// Probes reports whether this server runs probes itself.
func (c Collector) Probes() bool { return c.Location != LocationOff }

// LocalChecks are the checks this server runs itself: those of its
// collector's location; none when its probing is off.
func (c *Config) LocalChecks() []catalog.Check {
	if !c.Collector.Probes() {
		return nil
	}
	return c.LocationChecks(c.Collector.Location)
}

// PublicBase is where readers reach slate, without a trailing slash: the
// configured public URL, else the listen address.
func (c *Config) PublicBase() string {
	if c.Server.PublicURL != "" {
		return strings.TrimRight(c.Server.PublicURL, "/")
	}
	return "http://" + c.Server.Listen
}

// Defaults.
const (
	defaultStoragePath      = "slate.db"
	defaultLeaseTTL         = 15 * time.Second
	defaultRawRetention     = 14 * 24 * time.Hour
	defaultHistoryRetention = 400 * 24 * time.Hour
	DefaultListen           = "127.0.0.1:8080"
	DefaultMetricsListen    = "127.0.0.1:9464"
	// MetricsListenOff turns the metrics listener off.
	MetricsListenOff         = "off"
	defaultRateLimit         = 20
	defaultLinkMaxTTL        = 90 * 24 * time.Hour
	defaultLocation          = "local"
	defaultCheckInterval     = time.Minute
	defaultCloseGrace        = time.Hour
	defaultMaintenanceNotice = 72 * time.Hour
	defaultRecoveryHold      = 5 * time.Minute
	defaultSettle            = 2 * time.Minute
	defaultMaintenanceMax    = 7 * 24 * time.Hour
)

// Default is the configuration an empty file gives.
func Default() Config {
	return Config{
		Storage:   Storage{Path: defaultStoragePath, LeaseTTL: defaultLeaseTTL, LeaseRenew: defaultLeaseTTL / 3, RawRetention: defaultRawRetention, HistoryRetention: defaultHistoryRetention},
		Server:    Server{Listen: DefaultListen, MetricsListen: DefaultMetricsListen, RateLimit: defaultRateLimit, LinkMaxTTL: defaultLinkMaxTTL},
		Collector: Collector{Location: defaultLocation, CheckSeries: collector.DefaultCheckSeries},
		Detection: Detection{RecoveryHold: defaultRecoveryHold, Settle: defaultSettle},
		Catalog:   catalog.Catalog{MaintenanceMax: defaultMaintenanceMax},
	}
}

// Error lists every problem of a configuration file, one per line,
// each as "file:line:column: field.path: problem".
type Error struct {
	File     string
	Problems []*ynode.Error
}

func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = e.File + ":" + p.Position() + ": " + p.Error()
		if p.Line == 0 {
			lines[i] = e.File + ": " + p.Error()
		}
	}
	return strings.Join(lines, "\n")
}

// Parse reads a configuration from r; name is the file name used in
// errors. Decoding is strict: unknown keys, duplicates and wrong types are
// refused. After decoding the whole configuration is validated, and every
// problem is reported, not only the first.
func Parse(name string, r io.Reader) (*Config, error) {
	data, err := io.ReadAll(io.LimitReader(r, 16<<20))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	cfg := Default()
	d := &configDecoder{at: ynode.Index{}}
	fail := func(err error) (*Config, error) {
		var ye *ynode.Error
		if errors.As(err, &ye) {
			return nil, &Error{File: name, Problems: []*ynode.Error{ye}}
		}
		return nil, &Error{File: name, Problems: []*ynode.Error{{Msg: err.Error()}}}
	}
	if strings.TrimSpace(string(data)) == "" {
		return fail(errors.New("the configuration is empty"))
	}
	root, err := ynode.Parse(data)
	if err != nil {
		return fail(err)
	}
	d.note(d.config(root, &cfg))
	if len(d.probs) > 0 {
		slices.SortStableFunc(d.probs, func(a, b *ynode.Error) int { return cmp.Or(a.Line-b.Line, a.Column-b.Column) })
		// Validating what could not be decoded would report more
		// problems that are only echoes of these.
		return nil, &Error{File: name, Problems: d.probs}
	}
	if probs := d.validate(&cfg); len(probs) > 0 {
		return nil, &Error{File: name, Problems: probs}
	}
	return &cfg, nil
}

// Load reads and validates the configuration file at path.
func Load(path string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	defer f.Close()
	cfg, err := Parse(path, f)
	if err != nil {
		return nil, err
	}
	if err := readLogo(cfg, path); err != nil {
		return nil, err
	}
	if err := readConsoleSecret(cfg, path); err != nil {
		return nil, err
	}
	return cfg, nil
}

type configDecoder struct {
	at ynode.Index
	// probs are the decoding problems found so far: decoding goes on past
	// each, so that every one is reported, not only the first.
	probs []*ynode.Error
}

// note records err, if any, as a decoding problem.
func (d *configDecoder) note(errs ...error) {
	for _, err := range errs {
		if err == nil {
			continue
		}
		var ye *ynode.Error
		if !errors.As(err, &ye) {
			ye = &ynode.Error{Msg: err.Error()}
		}
		d.probs = append(d.probs, ye)
	}
}

// fields reads a mapping whose keys must be among allowed. Bad keys are
// noted and left out; the error is only for a value that is not a mapping
// at all, which ends the decoding of what holds it.
func (d *configDecoder) fields(n ynode.Node, allowed ...string) (ynode.Fields, error) {
	f, errs := n.MapEach(allowed...)
	if !n.IsMapping() {
		return f, errs[0]
	}
	d.note(errs...)
	return f, nil
}

func (d *configDecoder) config(root ynode.Node, cfg *Config) error {
	f, err := d.fields(root, "backup", "alerting", "heartbeat", "storage", "server", "collector", "detection", "locations", "tenants", "services",
		"checks", "contracts", "maintenance", "maintenance_max", "provider", "billing", "email", "console")
	if err != nil {
		return err
	}
	if err := d.dur(f, "maintenance_max", &cfg.MaintenanceMax); err != nil {
		return err
	}
	for _, x := range []struct {
		key string
		fn  func(ynode.Node) error
	}{
		{"provider", func(n ynode.Node) error { return d.provider(n, &cfg.Provider) }},
		{"billing", func(n ynode.Node) error { return d.billing(n, &cfg.Billing) }},
		{"email", func(n ynode.Node) error { return d.email(n, &cfg.Email) }},
		{"console", func(n ynode.Node) error { return d.console(n, &cfg.Console) }},
	} {
		if n, ok := f.Get(x.key); ok {
			d.note(x.fn(d.at.Add(n)))
		}
	}
	if err := d.settings(f, cfg); err != nil {
		return err
	}
	d.note(decodeList(d, f, "locations", d.location, &cfg.Locations))
	d.note(decodeList(d, f, "tenants", d.tenant, &cfg.Tenants))
	d.note(decodeList(d, f, "services", d.service, &cfg.Services))
	var checks []checkDef
	d.note(decodeList(d, f, "checks", d.check, &checks))
	// Sized exactly: a probe definition is 600 bytes, and a slice grown by
	// appending keeps up to a quarter more of them.
	cfg.Checks = make([]catalog.Check, 0, len(checks))
	cfg.Probes = make([]collector.Check, 0, len(checks))
	for _, c := range checks {
		cfg.Checks = append(cfg.Checks, catalog.Check{ID: c.ID, Service: c.Service, Tenant: c.Tenant,
			Locations: c.Locations, Confirmation: c.Confirmation, Interval: c.Interval})
		cfg.Probes = append(cfg.Probes, c.Check)
	}
	d.note(decodeList(d, f, "maintenance", d.maintenance, &cfg.Maintenance))
	d.note(decodeList(d, f, "contracts", d.contract, &cfg.Contracts))
	return nil
}

// settings decodes the process's own sections: backup, alerting,
// heartbeat, storage, server, collector and detection.
func (d *configDecoder) settings(f ynode.Fields, cfg *Config) error {
	if n, ok := f.Get("backup"); ok {
		g, err := d.fields(d.at.Add(n), "dir", "second_dir", "keep", "levels")
		d.note(err) // not a mapping: its fields are not read
		if err := d.str(g, "dir", &cfg.Backup.Dir); err != nil {
			return err
		}
		if err := d.str(g, "second_dir", &cfg.Backup.SecondDir); err != nil {
			return err
		}
		if err := d.integer(g, "keep", &cfg.Backup.Keep); err != nil {
			return err
		}
		if err := d.strs(g, "levels", &cfg.Backup.Levels); err != nil {
			return err
		}
	}
	if n, ok := f.Get("alerting"); ok {
		d.note(d.alerting(d.at.Add(n), &cfg.Alerting))
	}
	if n, ok := f.Get("heartbeat"); ok {
		g, err := d.fields(d.at.Add(n), "url", "interval")
		d.note(err) // not a mapping: its fields are not read
		cfg.Heartbeat.Interval = time.Minute
		if err := d.str(g, "url", &cfg.Heartbeat.URL); err != nil {
			return err
		}
		if err := d.dur(g, "interval", &cfg.Heartbeat.Interval); err != nil {
			return err
		}
	}
	if n, ok := f.Get("storage"); ok {
		g, err := d.fields(d.at.Add(n), "path", "url", "lease_ttl", "lease_renew", "raw_retention", "history_retention")
		d.note(err) // not a mapping: its fields are not read
		if err := d.str(g, "path", &cfg.Storage.Path); err != nil {
			return err
		}
		if err := d.str(g, "url", &cfg.Storage.URL); err != nil {
			return err
		}
		if err := d.dur(g, "lease_ttl", &cfg.Storage.LeaseTTL); err != nil {
			return err
		}
		cfg.Storage.LeaseRenew = cfg.Storage.LeaseTTL / 3 // unless said otherwise
		if err := d.dur(g, "lease_renew", &cfg.Storage.LeaseRenew); err != nil {
			return err
		}
		if err := d.dur(g, "raw_retention", &cfg.Storage.RawRetention); err != nil {
			return err
		}
		if err := d.dur(g, "history_retention", &cfg.Storage.HistoryRetention); err != nil {
			return err
		}
	}
	if n, ok := f.Get("server"); ok {
		g, err := d.fields(d.at.Add(n), "listen", "metrics_listen", "public_url", "rate_limit", "link_max_ttl", "trusted_proxies")
		d.note(err) // not a mapping: its fields are not read
		if err := d.str(g, "listen", &cfg.Server.Listen); err != nil {
			return err
		}
		if err := d.str(g, "metrics_listen", &cfg.Server.MetricsListen); err != nil {
			return err
		}
		if err := d.str(g, "public_url", &cfg.Server.PublicURL); err != nil {
			return err
		}
		if err := d.integer(g, "rate_limit", &cfg.Server.RateLimit); err != nil {
			return err
		}
		if err := d.dur(g, "link_max_ttl", &cfg.Server.LinkMaxTTL); err != nil {
			return err
		}
		if err := d.strs(g, "trusted_proxies", &cfg.Server.TrustedProxies); err != nil {
			return err
		}
	}
	if n, ok := f.Get("collector"); ok {
		g, err := d.fields(d.at.Add(n), "location", "workers", "check_series")
		d.note(err) // not a mapping: its fields are not read
		if err := d.str(g, "location", &cfg.Collector.Location); err != nil {
			return err
		}
		if err := d.integer(g, "workers", &cfg.Collector.Workers); err != nil {
			return err
		}
		if err := d.integer(g, "check_series", &cfg.Collector.CheckSeries); err != nil {
			return err
		}
	}
	if n, ok := f.Get("detection"); ok {
		g, err := d.fields(d.at.Add(n), "recovery_hold", "settle")
		d.note(err) // not a mapping: its fields are not read
		if err := d.dur(g, "recovery_hold", &cfg.Detection.RecoveryHold); err != nil {
			return err
		}
		if err := d.dur(g, "settle", &cfg.Detection.Settle); err != nil {
			return err
		}
	}
	return nil
}

// decodeList decodes each item of the list under key with decode, appending
// to dst.
func decodeList[T any](d *configDecoder, f ynode.Fields, key string, decode func(ynode.Node) (T, error), dst *[]T) error {
	// Sized once: grown by appending, a list of 100,000 checks of 600
	// bytes would allocate four times its size on the way.
	grow := func(n int) { *dst = slices.Grow(*dst, n) }
	return d.listSized(f, key, grow, func(n ynode.Node) error {
		v, err := decode(n)
		*dst = append(*dst, v)
		return err
	})
}

func (d *configDecoder) maintenance(n ynode.Node) (catalog.Maintenance, error) {
	var m catalog.Maintenance
	f, err := d.fields(n, "id", "services", "title", "description", "start", "end", "announced")
	if err != nil {
		return m, err
	}
	if err := d.str(f, "id", &m.ID); err != nil {
		return m, err
	}
	if err := d.str(f, "title", &m.Title); err != nil {
		return m, err
	}
	if err := d.str(f, "description", &m.Description); err != nil {
		return m, err
	}
	if err := d.strs(f, "services", &m.Services); err != nil {
		return m, err
	}
	for _, x := range []struct {
		key string
		dst *time.Time
	}{{"start", &m.Start}, {"end", &m.End}, {"announced", &m.Announced}} {
		v, ok := f.Get(x.key)
		if !ok {
			return m, n.Missing(x.key, "an RFC 3339 time")
		}
		s, err := d.at.Add(v).String()
		if err != nil {
			return m, err
		}
		if *x.dst, err = time.Parse(time.RFC3339, s); err != nil {
			return m, v.Errorf("%q is not an RFC 3339 time like \"2026-03-14T01:00:00Z\"", s)
		}
	}
	return m, nil
}

// list decodes each item of the list under key with item. A list item
// that fails is noted and the next one decoded: every item's problem is
// reported.
func (d *configDecoder) list(f ynode.Fields, key string, item func(ynode.Node) error) error {
	return d.listSized(f, key, nil, item)
}

// listSized is list telling grow, if not nil, how many items follow.
func (d *configDecoder) listSized(f ynode.Fields, key string, grow func(int), item func(ynode.Node) error) error {
	n, ok := f.Get(key)
	if !ok {
		return nil
	}
	items, err := d.at.Add(n).Seq()
	if err != nil {
		return err
	}
	if grow != nil {
		grow(len(items))
	}
	for _, it := range items {
		d.note(item(d.at.Add(it)))
	}
	return nil
}

// The value readers below note a value they refuse and return nil, so
// that decoding goes on to the next field; they leave dst alone then.

func (d *configDecoder) str(f ynode.Fields, key string, dst *string) error {
	n, ok := f.Get(key)
	if !ok {
		return nil
	}
	s, err := d.at.Add(n).String()
	if err != nil {
		d.note(err)
		return nil
	}
	*dst = s
	return nil
}

func (d *configDecoder) strs(f ynode.Fields, key string, dst *[]string) error {
	n, ok := f.Get(key)
	if !ok {
		return nil
	}
	items, err := d.at.Add(n).Seq()
	if err != nil {
		d.note(err)
		return nil
	}
	for _, it := range items {
		s, err := d.at.Add(it).String()
		if err != nil {
			d.note(err)
			continue
		}
		*dst = append(*dst, s)
	}
	return nil
}

func (d *configDecoder) boolean(f ynode.Fields, key string, dst *bool) error {
	n, ok := f.Get(key)
	if !ok {
		return nil
	}
	b, err := d.at.Add(n).Bool()
	if err != nil {
		d.note(err)
		return nil
	}
	*dst = b
	return nil
}

func (d *configDecoder) integer(f ynode.Fields, key string, dst *int) error {
	n, ok := f.Get(key)
	if !ok {
		return nil
	}
	v, err := d.at.Add(n).Int64()
	switch {
	case err != nil:
		d.note(err)
	case v < 0 || v > 1<<31:
		d.note(n.Errorf("%d is out of range", v))
	default:
		*dst = int(v)
	}
	return nil
}

func (d *configDecoder) dur(f ynode.Fields, key string, dst *time.Duration) error {
	n, ok := f.Get(key)
	if !ok {
		return nil
	}
	s, err := d.at.Add(n).String()
	if err != nil {
		d.note(err)
		return nil
	}
	v, err := slacase.ParseDuration(s)
	if err != nil {
		d.note(n.Errorf("%v", err))
		return nil
	}
	*dst = v
	return nil
}

func (d *configDecoder) tenant(n ynode.Node) (catalog.Tenant, error) {
	t := catalog.Tenant{TimeZone: "UTC"}
	f, err := d.fields(n, "id", "name", "timezone", "billing_ref", "billing_contacts")
	if err != nil {
		return t, err
	}
	for _, s := range []struct {
		key string
		dst *string
	}{{"id", &t.ID}, {"name", &t.Name}, {"billing_ref", &t.BillingRef}} {
		if err := d.str(f, s.key, s.dst); err != nil {
			return t, err
		}
	}
	if err := d.strs(f, "billing_contacts", &t.BillingContacts); err != nil {
		return t, err
	}
	t.Location = time.UTC
	if tz, ok := f.Get("timezone"); ok {
		if t.Location, err = slacase.Location(d.at.Add(tz)); err != nil {
			return t, err
		}
		t.TimeZone = t.Location.String()
	}
	return t, nil
}

// location is a declared location: its ID alone ("eu-west"), or a mapping
// with a display name and a region.
func (d *configDecoder) location(n ynode.Node) (catalog.Location, error) {
	var l catalog.Location
	if !n.IsMapping() {
		s, err := n.String()
		l.ID = s
		return l, err
	}
	f, err := d.fields(n, "id", "name", "region")
	if err != nil {
		return l, err
	}
	for _, x := range []struct {
		key string
		dst *string
	}{{"id", &l.ID}, {"name", &l.Name}, {"region", &l.Region}} {
		if err := d.str(f, x.key, x.dst); err != nil {
			return l, err
		}
	}
	return l, nil
}

func (d *configDecoder) service(n ynode.Node) (catalog.Service, error) {
	s := catalog.Service{Public: true}
	f, err := d.fields(n, "id", "name", "group", "public")
	if err != nil {
		return s, err
	}
	for _, x := range []struct {
		key string
		dst *string
	}{{"id", &s.ID}, {"name", &s.Name}, {"group", &s.Group}} {
		if err := d.str(f, x.key, x.dst); err != nil {
			return s, err
		}
	}
	return s, d.boolean(f, "public", &s.Public)
}

// checkDef is a check as the file gives it: the probe and its confirmation.
type checkDef struct {
	collector.Check
	Confirmation sla.Confirmation
}

func (d *configDecoder) check(n ynode.Node) (checkDef, error) {
	c := checkDef{Check: collector.Check{Interval: defaultCheckInterval}}
	f, err := d.fields(n, "id", "service", "tenant", "kind", "target", "interval", "timeout", "locations",
		"confirmation", "http", "tcp", "dns", "tls", "push")
	if err != nil {
		return c, err
	}
	var kind string
	for _, x := range []struct {
		key string
		dst *string
	}{{"id", &c.ID}, {"service", &c.Service}, {"tenant", &c.Tenant}, {"kind", &kind}, {"target", &c.Target}} {
		if err := d.str(f, x.key, x.dst); err != nil {
			return c, err
		}
	}
	c.Kind = collector.Kind(kind)
	if err := d.dur(f, "interval", &c.Interval); err != nil {
		return c, err
	}
	if err := d.dur(f, "timeout", &c.Timeout); err != nil {
		return c, err
	}
	if err := d.strs(f, "locations", &c.Locations); err != nil {
		return c, err
	}
	if cn, ok := f.Get("confirmation"); ok {
		g, err := d.fields(d.at.Add(cn), "failures", "quorum", "min_reporting")
		if err != nil {
			return c, err
		}
		for _, x := range []struct {
			key string
			dst *int
		}{{"failures", &c.Confirmation.Failures}, {"quorum", &c.Confirmation.Quorum}, {"min_reporting", &c.Confirmation.MinReporting}} {
			if err := d.integer(g, x.key, x.dst); err != nil {
				return c, err
			}
		}
	}
	// Only the section of the check's own kind may be given.
	for _, k := range []string{"http", "tcp", "dns", "tls", "push"} {
		if sec, ok := f.Get(k); ok && k != kind {
			return c, sec.Errorf("settings for kind %s on a check of kind %q", k, kind)
		}
	}
	sec, ok := f.Get(kind)
	if !ok {
		return c, nil
	}
	d.at.Add(sec)
	switch c.Kind {
	case collector.KindHTTP:
		err = d.httpSettings(sec, &c.HTTP)
	case collector.KindTCP:
		err = d.tcpSettings(sec, &c.TCP)
	case collector.KindDNS:
		err = d.dnsSettings(sec, &c.DNS)
	case collector.KindTLS:
		err = d.tlsSettings(sec, &c.TLS)
	case collector.KindPush:
		err = d.pushSettings(sec, &c.Push)
	}
	return c, err
}

func (d *configDecoder) httpSettings(n ynode.Node, h *collector.HTTPSettings) error {
	f, err := d.fields(n, "method", "headers", "body", "status", "body_contains", "body_not_contains",
		"body_regexp", "body_not_regexp", "max_latency", "max_body_bytes", "no_redirects", "max_redirects", "tls")
	if err != nil {
		return err
	}
	if err := d.str(f, "method", &h.Method); err != nil {
		return err
	}
	if err := d.str(f, "body", &h.Body); err != nil {
		return err
	}
	if hn, ok := f.Get("headers"); ok {
		g, err := d.at.Add(hn).AnyMap()
		if err != nil {
			return err
		}
		h.Headers = map[string]string{}
		for _, k := range g.Keys {
			v, ok := g.Get(k)
			if !ok {
				return hn.Errorf("header %q has no value", k)
			}
			s, err := d.at.Add(v).String()
			if err != nil {
				return err
			}
			h.Headers[k] = s
		}
	}
	if sn, ok := f.Get("status"); ok {
		s, err := d.at.Add(sn).String()
		if err != nil {
			return err
		}
		if h.Status, err = collector.ParseStatusRanges(s); err != nil {
			return sn.Errorf("%v", err)
		}
	}
	for _, x := range []struct {
		key string
		dst *[]string
	}{{"body_contains", &h.BodyContains}, {"body_not_contains", &h.BodyNotContains},
		{"body_regexp", &h.BodyRegexp}, {"body_not_regexp", &h.BodyNotRegexp}} {
		if err := d.strs(f, x.key, x.dst); err != nil {
			return err
		}
	}
	if err := d.dur(f, "max_latency", &h.MaxLatency); err != nil {
		return err
	}
	var maxBody int
	if err := d.integer(f, "max_body_bytes", &maxBody); err != nil {
		return err
	}
	h.MaxBodyBytes = int64(maxBody)
	if err := d.boolean(f, "no_redirects", &h.NoRedirects); err != nil {
		return err
	}
	if err := d.integer(f, "max_redirects", &h.MaxRedirects); err != nil {
		return err
	}
	if tn, ok := f.Get("tls"); ok {
		g, err := d.fields(d.at.Add(tn), tlsKeys()...)
		if err != nil {
			return err
		}
		return d.tlsOptions(g, &h.TLSOptions)
	}
	return nil
}

// tlsKeys names the TLS client settings shared by http.tls, tcp.tls and the
// tls kind.
func tlsKeys() []string { return []string{"insecure_skip_verify", "ca_file", "server_name"} }

func (d *configDecoder) tlsOptions(f ynode.Fields, o *collector.TLSOptions) error {
	if err := d.boolean(f, "insecure_skip_verify", &o.InsecureSkipVerify); err != nil {
		return err
	}
	if err := d.str(f, "ca_file", &o.CAFile); err != nil {
		return err
	}
	return d.str(f, "server_name", &o.ServerName)
}

func (d *configDecoder) tcpSettings(n ynode.Node, t *collector.TCPSettings) error {
	f, err := d.fields(n, "send", "expect", "max_read", "tls")
	if err != nil {
		return err
	}
	if err := d.str(f, "send", &t.Send); err != nil {
		return err
	}
	if err := d.str(f, "expect", &t.Expect); err != nil {
		return err
	}
	if err := d.integer(f, "max_read", &t.MaxRead); err != nil {
		return err
	}
	if tn, ok := f.Get("tls"); ok {
		t.TLS = true // a tls section, even {}, turns TLS on
		g, err := d.fields(d.at.Add(tn), tlsKeys()...)
		if err != nil {
			return err
		}
		return d.tlsOptions(g, &t.TLSOptions)
	}
	return nil
}

func (d *configDecoder) dnsSettings(n ynode.Node, s *collector.DNSSettings) error {
	f, err := d.fields(n, "server", "type", "expect", "match", "tcp")
	if err != nil {
		return err
	}
	if err := d.str(f, "server", &s.Server); err != nil {
		return err
	}
	if err := d.str(f, "type", &s.Type); err != nil {
		return err
	}
	if err := d.strs(f, "expect", &s.Expect); err != nil {
		return err
	}
	var match string
	if err := d.str(f, "match", &match); err != nil {
		return err
	}
	s.Match = collector.MatchMode(match)
	return d.boolean(f, "tcp", &s.TCP)
}

func (d *configDecoder) tlsSettings(n ynode.Node, s *collector.TLSSettings) error {
	f, err := d.fields(n, append(tlsKeys(), "min_days_left")...)
	if err != nil {
		return err
	}
	if err := d.tlsOptions(f, &s.TLSOptions); err != nil {
		return err
	}
	return d.integer(f, "min_days_left", &s.MinDaysLeft)
}

func (d *configDecoder) pushSettings(n ynode.Node, s *collector.PushSettings) error {
	f, err := d.fields(n, "token", "grace")
	if err != nil {
		return err
	}
	if err := d.str(f, "token", &s.Token); err != nil {
		return err
	}
	return d.dur(f, "grace", &s.Grace)
}

func (d *configDecoder) contract(n ynode.Node) (catalog.Contract, error) {
	c := catalog.Contract{Period: catalog.PeriodMonth, CloseGrace: defaultCloseGrace, MaintenanceNotice: defaultMaintenanceNotice}
	f, err := d.fields(n, "id", "name", "tenant", "services", "policy", "fee", "period", "auto_issue", "coverage_threshold", "close_grace",
		"maintenance_notice")
	if err != nil {
		return c, err
	}
	if err := d.str(f, "id", &c.ID); err != nil {
		return c, err
	}
	if err := d.str(f, "name", &c.Name); err != nil {
		return c, err
	}
	if err := d.str(f, "tenant", &c.Tenant); err != nil {
		return c, err
	}
	if err := d.strs(f, "services", &c.Services); err != nil {
		return c, err
	}
	pn, ok := f.Get("policy")
	if !ok {
		return c, n.Missing("policy", "the SLA policy, as in an SLA case")
	}
	if c.Policy, err = slacase.DecodePolicy(d.at.Add(pn)); err != nil {
		return c, err
	}
	fn, ok := f.Get("fee")
	if !ok {
		return c, n.Missing("fee", "amount and currency for one period")
	}
	g, err := d.fields(d.at.Add(fn), "amount", "currency")
	if err != nil {
		return c, err
	}
	an, ok := g.Get("amount")
	if !ok {
		return c, fn.Missing("amount", "a decimal such as \"1000.00\"")
	}
	if c.Fee.Amount, err = slacase.Decimal(d.at.Add(an)); err != nil {
		return c, err
	}
	if err := d.str(g, "currency", &c.Fee.Currency); err != nil {
		return c, err
	}
	if err := d.str(f, "period", &c.Period); err != nil {
		return c, err
	}
	if err := d.boolean(f, "auto_issue", &c.AutoIssue); err != nil {
		return c, err
	}
	if err := d.dur(f, "close_grace", &c.CloseGrace); err != nil {
		return c, err
	}
	if err := d.dur(f, "maintenance_notice", &c.MaintenanceNotice); err != nil {
		return c, err
	}
	if tn, ok := f.Get("coverage_threshold"); ok {
		if c.CoverageThreshold, err = slacase.Decimal(d.at.Add(tn)); err != nil {
			return c, err
		}
	}
	return c, nil
}

func (d *configDecoder) alerting(n ynode.Node, a *Alerting) error {
	f, err := d.fields(n, "receivers", "routes")
	if err != nil {
		return err
	}
	if err := d.list(f, "receivers", func(n ynode.Node) error {
		var r Receiver
		g, err := d.fields(n, "name", "kind", "url", "secret", "routing_key")
		if err != nil {
			return err
		}
		for _, x := range []struct {
			key string
			dst *string
		}{{"name", &r.Name}, {"kind", &r.Kind}, {"url", &r.URL}, {"secret", &r.Secret}, {"routing_key", &r.RoutingKey}} {
			if err := d.str(g, x.key, x.dst); err != nil {
				return err
			}
		}
		if r.Kind == "pagerduty" && r.URL == "" {
			r.URL = "https://events.pagerduty.com/v2/enqueue"
		}
		a.Receivers = append(a.Receivers, r)
		return nil
	}); err != nil {
		return err
	}
	return d.list(f, "routes", func(n ynode.Node) error {
		r := Route{Resolved: true}
		g, err := d.fields(n, "receiver", "services", "tenants", "severities", "repeat", "resolved")
		if err != nil {
			return err
		}
		if err := d.str(g, "receiver", &r.Receiver); err != nil {
			return err
		}
		for _, x := range []struct {
			key string
			dst *[]string
		}{{"services", &r.Services}, {"tenants", &r.Tenants}, {"severities", &r.Severities}} {
			if err := d.strs(g, x.key, x.dst); err != nil {
				return err
			}
		}
		if err := d.dur(g, "repeat", &r.Repeat); err != nil {
			return err
		}
		if err := d.boolean(g, "resolved", &r.Resolved); err != nil {
			return err
		}
		a.Routes = append(a.Routes, r)
		return nil
	})
}
