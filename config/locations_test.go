package config_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/catalog"
	"github.com/slatehq/slate/config"
)

// TestLocationResolution: where each check runs once the configuration is
// read — the locations a minute is judged against.
func TestLocationResolution(t *testing.T) {
	const checks = `services: [{id: web}]
checks:
  - {id: all, service: web, kind: http, target: "http://127.0.0.1/"}
  - {id: some, service: web, kind: http, target: "http://127.0.0.1/", locations: [%s]}
  - {id: beat, service: web, kind: push, push: {token: "beat-0123456789abcdef"}}
`
	cases := []struct {
		name, head, some string
		locations        []catalog.Location
		all, beat        []string // where the check without locations and the push check run
		local            []string // the checks this server runs
	}{
		{name: "nothing declared: the collector's default location alone", some: "local",
			locations: []catalog.Location{{ID: "local", Name: "local"}},
			all:       []string{"local"}, beat: []string{"local"}, local: []string{"all", "some", "beat"}},
		{name: "nothing declared, the collector named", head: "collector: {location: eu-west}\n", some: "eu-west",
			locations: []catalog.Location{{ID: "eu-west", Name: "eu-west"}},
			all:       []string{"eu-west"}, beat: []string{"eu-west"}, local: []string{"all", "some", "beat"}},
		{name: "declared: a check without locations runs from every one, a push check at the collector",
			head: "collector: {location: eu-west}\nlocations: [eu-west, {id: us-east, name: Virginia, region: US}, ap-south]\n", some: "us-east",
			locations: []catalog.Location{{ID: "eu-west", Name: "eu-west"}, {ID: "us-east", Name: "Virginia", Region: "US"}, {ID: "ap-south", Name: "ap-south"}},
			all:       []string{"eu-west", "us-east", "ap-south"}, beat: []string{"eu-west"}, local: []string{"all", "beat"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := tc.head + strings.Replace(checks, "%s", tc.some, 1)
			cfg, err := config.Parse("loc.yml", strings.NewReader(src))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(cfg.Locations, tc.locations) {
				t.Errorf("locations: got %+v, want %+v", cfg.Locations, tc.locations)
			}
			for i, want := range [][]string{tc.all, {tc.some}, tc.beat} {
				if got := cfg.Checks[i].Locations; !slices.Equal(got, want) {
					t.Errorf("%s runs from %v, want %v", cfg.Checks[i].ID, got, want)
				}
				if got := cfg.Probes[i].Locations; !slices.Equal(got, cfg.Checks[i].Locations) {
					t.Errorf("%s: probe runs from %v, the catalogue says %v", cfg.Checks[i].ID, got, cfg.Checks[i].Locations)
				}
			}
			var local []string
			for _, c := range cfg.LocalChecks() {
				local = append(local, c.ID)
			}
			if !slices.Equal(local, tc.local) {
				t.Errorf("this server runs %v, want %v", local, tc.local)
			}
		})
	}
}

// TestCollectorOff: with collector.location off the server probes nothing
// and every check runs from the declared locations, where agents report.
func TestCollectorOff(t *testing.T) {
	cfg, err := config.Parse("off.yml", strings.NewReader(`collector: {location: "off"}
locations: [us-east, ap-south]
services: [{id: web}]
checks:
  - {id: web, service: web, kind: http, target: "http://127.0.0.1/", confirmation: {quorum: 2, min_reporting: 1}}
`))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Collector.Probes() || len(cfg.LocalChecks()) != 0 {
		t.Errorf("probes here: %v, local checks %v", cfg.Collector.Probes(), cfg.LocalChecks())
	}
	c := cfg.Checks[0]
	if !slices.Equal(c.Locations, []string{"us-east", "ap-south"}) || c.Confirmation.Quorum != 2 || c.Confirmation.MinReporting != 1 {
		t.Errorf("check: got %+v", c)
	}
	if cfg.Probes[0].RunsAt(config.LocationOff) {
		t.Error("the probe runs at the server's switched-off collector")
	}
}

// TestExampleWorksAsWritten: the example configuration runs with one
// server and no agents, so every check that counts for a contract must run
// at the server's own location, at least once a minute (a minute without a
// run is unknown), and ask for no more reporting locations than that one.
func TestExampleWorksAsWritten(t *testing.T) {
	cfg, err := config.Load("../examples/slate.yaml")
	if err != nil {
		t.Fatal(err)
	}
	interval := map[string]time.Duration{}
	for _, p := range cfg.Probes {
		interval[p.ID] = p.Interval
	}
	local := cfg.LocalChecks()
	for _, k := range cfg.Contracts {
		for _, c := range cfg.ContractChecks(k) {
			if !slices.ContainsFunc(local, func(l catalog.Check) bool { return l.ID == c.ID }) {
				t.Errorf("%s (contract %s) does not run at the server's location %q", c.ID, k.ID, cfg.Collector.Location)
			}
			if interval[c.ID] > time.Minute {
				t.Errorf("%s (contract %s) runs every %s: its minutes between runs are unknown", c.ID, k.ID, interval[c.ID])
			}
			quorum := c.Confirmation.Quorum
			if quorum == 0 {
				quorum = len(c.Locations)/2 + 1
			}
			need := c.Confirmation.MinReporting
			if need == 0 {
				need = quorum
			}
			if need > 1 {
				t.Errorf("%s (contract %s) needs %d locations reporting; only the server's reports", c.ID, k.ID, need)
			}
		}
	}
}
