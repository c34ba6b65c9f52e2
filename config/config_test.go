package config_test

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/catalog"
	"github.com/slatehq/slate/collector"
	"github.com/slatehq/slate/config"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestBadConfigs reads every testdata/bad-*.yml and requires exactly the
// errors in the matching .err file: file, line, column, field path, problem.
func TestBadConfigs(t *testing.T) {
	files, _ := filepath.Glob("testdata/bad-*.yml")
	if len(files) == 0 {
		t.Fatal("no bad configurations in testdata")
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			_, err := config.Load(path)
			if err == nil {
				t.Fatal("accepted")
			}
			var ce *config.Error
			if !errors.As(err, &ce) {
				t.Fatalf("error %T is not a *config.Error: %v", err, err)
			}
			got := err.Error() + "\n"
			golden := strings.TrimSuffix(path, ".yml") + ".err"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("errors:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

func TestExampleConfig(t *testing.T) {
	cfg, err := config.Load("../examples/slate.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if got := len(cfg.Checks); got != 5 {
		t.Errorf("checks: got %d, want 5", got)
	}
	if len(cfg.Probes) != len(cfg.Checks) {
		t.Fatalf("%d probes for %d checks", len(cfg.Probes), len(cfg.Checks))
	}
	web, probe := cfg.Checks[0], cfg.Probes[0]
	if probe.Interval != 30*time.Second || web.Confirmation.Failures != 2 || web.Confirmation.Quorum != 1 || web.Confirmation.MinReporting != 1 ||
		len(web.Locations) != 1 || len(probe.Locations) != 1 || probe.HTTP.Headers["Accept"] != "application/json" || len(probe.HTTP.Status) != 1 {
		t.Errorf("mail-web decoded as %+v, %+v", web, probe)
	}
	if imap, probe := cfg.Checks[1], cfg.Probes[1]; !probe.TCP.TLS || probe.TCP.TLSOptions.ServerName != "imap.acme.example.com" || imap.Tenant != "acme" || probe.Tenant != "acme" {
		t.Errorf("mail-imap decoded as %+v, %+v", imap, probe)
	}
	if c := cfg.Contracts[1]; !c.AutoIssue || c.Period != "month" || c.CoverageThreshold.RatString() != "99" || c.Policy.CreditUnit != "days" {
		t.Errorf("globex-sync decoded as %+v", c)
	}
	if l := cfg.Locations; len(l) != 1 || l[0] != (catalog.Location{ID: "eu-west", Name: "Frankfurt", Region: "DE"}) || cfg.Collector.Location != "eu-west" {
		t.Errorf("locations: got %+v, collector at %q", l, cfg.Collector.Location)
	}
	if cfg.Tenants[1].Location.String() != "America/Los_Angeles" {
		t.Errorf("tenant zone: got %s", cfg.Tenants[1].Location)
	}
}

func TestConfigDefaults(t *testing.T) {
	cfg, err := config.Parse("min.yml", strings.NewReader("services: [{id: web}]\nchecks: [{id: w, service: web, kind: http, target: \"http://127.0.0.1/\"}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := config.Default()
	if cfg.Storage != want.Storage || !reflect.DeepEqual(cfg.Server, want.Server) || cfg.Collector != want.Collector {
		t.Errorf("defaults: got %+v %+v %+v", cfg.Storage, cfg.Server, cfg.Collector)
	}
	if c, p := cfg.Checks[0], cfg.Probes[0]; p.Interval != time.Minute || c.Confirmation.Failures != 0 || p.ID != c.ID {
		t.Errorf("check defaults: got %+v, %+v", c, p)
	}
	if s := cfg.Services[0]; !s.Public || s.Name != "web" {
		t.Errorf("service defaults: got %+v", s)
	}
	if cfg.Collector.CheckSeries != collector.DefaultCheckSeries {
		t.Errorf("collector.check_series: got %d, want the collector's default %d", cfg.Collector.CheckSeries, collector.DefaultCheckSeries)
	}
	cfg, err = config.Parse("series.yml", strings.NewReader("collector: {check_series: 0}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Collector.CheckSeries != 0 {
		t.Errorf("collector.check_series 0: got %d, want 0 (per service only)", cfg.Collector.CheckSeries)
	}
}

// TestOneDurationSyntax: whole days are accepted everywhere a duration is,
// a contract's policy included.
func TestOneDurationSyntax(t *testing.T) {
	cfg, err := config.Parse("days.yml", strings.NewReader(`storage: {raw_retention: 14d}
maintenance_max: 2d
tenants: [{id: acme}]
services: [{id: web}]
contracts:
  - {id: c, tenant: acme, services: [web], fee: {amount: "1", currency: EUR}, close_grace: 1d, maintenance_notice: 3d,
     policy: {target: "99.9", min_outage: 1d}}
`))
	if err != nil {
		t.Fatal(err)
	}
	day := 24 * time.Hour
	if c := cfg.Contracts[0]; c.Policy.MinOutage != day || c.CloseGrace != day || c.MaintenanceNotice != 3*day || cfg.Storage.RawRetention != 14*day {
		t.Errorf("got min_outage %v, close_grace %v, maintenance_notice %v, raw_retention %v", c.Policy.MinOutage, c.CloseGrace, c.MaintenanceNotice, cfg.Storage.RawRetention)
	}
	if cfg.MaintenanceMax != 2*day {
		t.Errorf("maintenance_max %v, want 2d", cfg.MaintenanceMax)
	}
}

// TestCustomerSettings: the provider, billing and e-mail settings and a
// tenant's billing details decode with their defaults, and the logo is read
// relative to the configuration file.
func TestCustomerSettings(t *testing.T) {
	dir := t.TempDir()
	logo := []byte("\x89PNG\r\n\x1a\nfake")
	if err := os.WriteFile(filepath.Join(dir, "logo.png"), logo, 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "slate.yaml")
	if err := os.WriteFile(path, []byte(`server: {public_url: "https://status.nordlicht.example"}
provider:
  name: Nordlicht Hosting GmbH
  code: NORDLICHT
  address: [Hafenstraße 1, 20457 Hamburg]
  email: billing@nordlicht.example
  support_url: https://nordlicht.example/support
  logo: logo.png
  links: [{title: Support, url: "https://nordlicht.example/support"}]
email: {from: "Nordlicht Status <status@nordlicht.example>", host: 127.0.0.1, port: 2525, security: none}
tenants:
  - {id: acme, billing_ref: CUST-0042, billing_contacts: [ap@acme.example]}
services: [{id: web}]
checks: [{id: w, service: web, kind: http, target: "http://127.0.0.1/"}]
`), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	p := cfg.Provider
	if p.Code != "NORDLICHT" || len(p.Address) != 2 || p.LogoType != "png" || string(p.LogoData) != string(logo) ||
		p.DisplayPageName() != "Nordlicht Hosting GmbH Status" || len(p.Links) != 1 {
		t.Errorf("provider: got %+v", p)
	}
	if cfg.Billing.Apply != "invoice" || cfg.Billing.ApplyDay != 1 {
		t.Errorf("billing defaults: got %+v", cfg.Billing)
	}
	if e := cfg.Email; !e.Enabled() || e.Connections != 4 || e.PerAddressHour != 5 || e.PerClientHour != 20 || e.Port != 2525 {
		t.Errorf("email: got %+v", e)
	}
	if tn := cfg.Tenants[0]; tn.BillingRef != "CUST-0042" || len(tn.BillingContacts) != 1 {
		t.Errorf("tenant billing: got %+v", tn)
	}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	if got := cfg.Billing.ApplyDate(time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC), berlin); got.Format(time.DateOnly) != "2027-02-01" {
		t.Errorf("apply date of a credit issued on 1 January in Berlin: got %s, want 2027-02-01", got)
	}
}

// TestStorageURL: storage.url selects PostgreSQL, is named without its
// password, and the lease's renewal follows its TTL unless set.
func TestStorageURL(t *testing.T) {
	cfg, err := config.Parse("pg.yml", strings.NewReader(`storage: {url: "postgres://slate:hunter2@db.example:5432/slate", lease_ttl: 30s}
services: [{id: web}]
`))
	if err != nil {
		t.Fatal(err)
	}
	s := cfg.Storage
	if !s.Postgres() || s.LeaseTTL != 30*time.Second || s.LeaseRenew != 10*time.Second {
		t.Errorf("storage: %+v", s)
	}
	if got := s.Where(); got != "postgres://slate:xxxxx@db.example:5432/slate" {
		t.Errorf("Where: %q", got)
	}
	if def := config.Default().Storage; def.Postgres() || def.Where() != "slate.db" {
		t.Errorf("the default store is not the SQLite file: %+v", def)
	}
}
