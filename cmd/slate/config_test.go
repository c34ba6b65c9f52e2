package main

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata and the demo screenshots in docs/screenshots")

// TestBadConfigs reads every testdata/bad-*.yml and requires exactly the
// errors in the matching .err file: file, line, column, field path, problem.
func TestBadConfigs(t *testing.T) {
	files, _ := filepath.Glob("testdata/bad-*.yml")
	if len(files) == 0 {
		t.Fatal("no bad configurations in testdata")
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			_, err := loadConfig(path)
			if err == nil {
				t.Fatal("accepted")
			}
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("error %T is not a *ConfigError: %v", err, err)
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
	cfg, err := loadConfig("../../examples/slate.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if got := len(cfg.Checks); got != 5 {
		t.Errorf("checks: got %d, want 5", got)
	}
	web := cfg.Checks[0]
	if web.Interval != 30*time.Second || web.Confirmation.Failures != 2 || web.Confirmation.Quorum != 2 ||
		len(web.Locations) != 3 || web.HTTP.Headers["Accept"] != "application/json" || len(web.HTTP.Status) != 1 {
		t.Errorf("mail-web decoded as %+v", web)
	}
	if imap := cfg.Checks[1]; !imap.TCP.TLS || imap.TCP.TLSOptions.ServerName != "imap.acme.example.com" || imap.Tenant != "acme" {
		t.Errorf("mail-imap decoded as %+v", imap)
	}
	if c := cfg.Contracts[1]; !c.AutoIssue || c.Period != "month" || c.CoverageThreshold.RatString() != "99" || c.Policy.CreditUnit != "days" {
		t.Errorf("globex-sync decoded as %+v", c)
	}
	if cfg.Tenants[1].Location.String() != "America/Los_Angeles" {
		t.Errorf("tenant zone: got %s", cfg.Tenants[1].Location)
	}
}

func TestConfigDefaults(t *testing.T) {
	cfg, err := ParseConfig("min.yml", strings.NewReader("services: [{id: web}]\nchecks: [{id: w, service: web, kind: http, target: \"http://127.0.0.1/\"}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultConfig()
	if cfg.Storage != want.Storage || !reflect.DeepEqual(cfg.Server, want.Server) || cfg.Collector != want.Collector {
		t.Errorf("defaults: got %+v %+v %+v", cfg.Storage, cfg.Server, cfg.Collector)
	}
	if c := cfg.Checks[0]; c.Interval != time.Minute || c.Confirmation.Failures != 0 {
		t.Errorf("check defaults: got %+v", c)
	}
	if s := cfg.Services[0]; !s.Public || s.Name != "web" {
		t.Errorf("service defaults: got %+v", s)
	}
}

func TestCheckCommand(t *testing.T) {
	code, out, _ := runSlate(t, "", "check", "../../examples/slate.yaml")
	if code != exitOK || !strings.Contains(out, "ok: 2 tenants, 3 services, 5 checks, 2 contracts") {
		t.Errorf("valid config: exit %d, output %q", code, out)
	}
	code, out, errs := runSlate(t, "", "check", "testdata/bad-contract-refs.yml")
	if code != exitUsage || out != "" || strings.Count(errs, "\n") < 4 {
		t.Errorf("bad config: exit %d, stdout %q, stderr %q", code, out, errs)
	}
}
