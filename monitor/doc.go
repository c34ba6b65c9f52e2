// Package monitor is the running slate: what slate serve (and slate demo,
// and slate bench status) runs. New builds a Monitor from a configuration
// and a store; Start or Run starts probing, the jobs, alert delivery and
// the HTTP server; Stop drains.
//
// The jobs are methods or functions taking the time, which cron only
// triggers and tests call directly: incident detection and the incident
// lifecycle (Detect), status page rebuilds (RefreshStatus, bars), the SLA
// gauges and burn-rate alerts (UpdateSLA), the period close (CloseDue),
// retention, backups, repeated notifications, the heartbeat, the watchdog,
// the alert on silent locations (LocationSilence) and the flush of token
// usage. Each cron job skips a tick while its
// previous run is still going. Every rule the jobs apply is someone
// else's: the catalogue's (who is affected, what is public, which checks
// and maintenance count), sla's and credit's (figures), incident's
// (detection), alert's (routing) and access's (who sees what).
//
// The store is reached through interfaces declared here (Store,
// LedgerStore, TokenStore, ...), which *db.DB satisfies; Open is the
// SQLite wiring.
//
// Allowed imports: everything below cmd except demo and bench.
package monitor
