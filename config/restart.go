package config

import "reflect"

// RestartNeeded names the settings that differ between the running
// configuration old and next and that a running slate takes only when it
// starts: the store, the listening address and what is built with the
// server (rate limit, public URL for cookies), the collector's location
// and workers, the receivers, the heartbeat and whether backups run.
// Checks, services, tenants, contracts, maintenance, routes, the backup
// settings and the recovery hold apply on reload.
func RestartNeeded(old, next *Config) []string {
	var out []string
	for _, s := range []struct {
		name      string
		old, next any
	}{
		{"storage.path", old.Storage.Path, next.Storage.Path},
		{"storage.url", old.Storage.URL, next.Storage.URL},
		{"storage.lease_ttl", old.Storage.LeaseTTL, next.Storage.LeaseTTL},
		{"storage.lease_renew", old.Storage.LeaseRenew, next.Storage.LeaseRenew},
		{"storage.raw_retention", old.Storage.RawRetention, next.Storage.RawRetention},
		{"storage.history_retention", old.Storage.HistoryRetention, next.Storage.HistoryRetention},
		{"server.listen", old.Server.Listen, next.Server.Listen},
		{"server.public_url", old.Server.PublicURL, next.Server.PublicURL},
		{"server.rate_limit", old.Server.RateLimit, next.Server.RateLimit},
		{"collector.location", old.Collector.Location, next.Collector.Location},
		{"collector.workers", old.Collector.Workers, next.Collector.Workers},
		{"alerting.receivers", old.Alerting.Receivers, next.Alerting.Receivers},
		{"heartbeat", old.Heartbeat, next.Heartbeat},
		{"backup.dir: off", old.Backup.Enabled(), next.Backup.Enabled()},
		// The SMTP sender and the subscription form, and the console's
		// OIDC client and session rules, are made once at start.
		{"email", old.Email, next.Email},
		{"console", old.Console, next.Console},
	} {
		if !reflect.DeepEqual(s.old, s.next) {
			out = append(out, s.name)
		}
	}
	return out
}
