package config

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestRestartNeeded(t *testing.T) {
	base := func() *Config {
		c, err := Parse("slate.yaml", strings.NewReader("services: [{id: web}]\nchecks: [{id: web, service: web, kind: http, target: \"https://example.com/\"}]\n"))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	cases := []struct {
		name   string
		change func(*Config)
		want   []string
	}{
		{"nothing changed", func(*Config) {}, nil},
		{"a new check applies on reload", func(c *Config) { c.Checks = append(c.Checks, c.Checks[0]) }, nil},
		{"the recovery hold applies on reload", func(c *Config) { c.Detection.RecoveryHold = time.Minute }, nil},
		{"the store's path", func(c *Config) { c.Storage.Path = "/srv/slate.db" }, []string{"storage.path"}},
		{"the address and a receiver", func(c *Config) {
			c.Server.Listen = "0.0.0.0:80"
			c.Alerting.Receivers = append(c.Alerting.Receivers, Receiver{Name: "pager", Kind: "pagerduty"})
		}, []string{"server.listen", "alerting.receivers"}},
		{"backups turned off", func(c *Config) { c.Backup.Dir = "off" }, []string{"backup.dir: off"}},
		{"the SMTP server", func(c *Config) { c.Email.Host = "smtp.example.com" }, []string{"email"}},
		{"the console's provider and session", func(c *Config) {
			c.Console.OIDC.Issuer = "https://id.example.com"
			c.Console.Session.Idle = time.Hour
		}, []string{"console"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			next := base()
			tc.change(next)
			if got := RestartNeeded(base(), next); !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}
