// Package monitor is the running slate: what slate serve (and slate demo,
// and slate bench status) runs. New builds a Monitor from a configuration
// and a store; Start or Run starts probing, the jobs, alert delivery and
// the HTTP server; Stop drains.
//
// Detection runs on arrival: the store the collector writes to tells it
// which checks have new results once they are committed, and a loop
// judges their services at once (and every service whose minutes became
// final, once a second); Detect is one such judgement, which start-up and
// tests call. How far each service was judged, with the recovery hold under
// way, is kept in the store, so a restart judges every minute since.
//
// The other jobs are methods or functions taking the time, which cron only
// triggers and tests call directly, each deriving what is due from the
// store rather than from when the process started: status page rebuilds
// (RefreshStatus, bars), the SLA gauges, burn-rate and coverage alerts
// (UpdateSLA), the period close (the periods owed every minute, CloseDue
// every quarter hour), retention, backups (due per hour, day and week from
// the backup directory), repeated notifications, the heartbeat, the
// watchdog, the alert on silent locations (LocationSilence), credit.issued
// events and the flush of token usage. Start runs the catching-up ones
// (detection, the close, the figures, the pages) before it serves. Each
// cron job runs through runJob and skips a tick while its previous run is
// still going; a gate for the singleton jobs (only while leading) belongs
// there and in detectLoop. Every rule the jobs apply is someone
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
