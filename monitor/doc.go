// Package monitor is the running slate: what slate serve (and slate demo,
// and slate bench status) runs. New builds a Monitor from a configuration
// and a store; Start or Run starts probing, the jobs, alert delivery and
// the HTTP server; Stop drains.
//
// Detection runs on arrival: the store the collector writes to tells it
// which checks have new results once they are committed, and a loop
// judges their services at once (and every service whose minutes became
// final, once a second); Detect is one such judgement, which start-up and
// tests call. A minute is final once the evidence of every live location
// is in (front.go): the collector's by its timing, each agent's by the
// watermark its batches reached, as the store keeps it; a lagging agent
// holds detection back at most detection.settle, one whose lease lapsed
// not at all. How far each service was judged, with the recovery hold
// under way, is kept in the store, so a restart judges every minute since.
//
// Agents (agents.go) claim their location through the store's lease, so
// that every replica refuses a second agent of a location, and their
// batches record the location's health there, which the admin API, the
// console, slate locations and /metrics read (locationhealth.go).
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
// still going. Every rule the jobs apply is someone
// else's: the catalogue's (who is affected, what is public, which checks
// and maintenance count), sla's and credit's (figures), incident's
// (detection), alert's (routing) and access's (who sees what).
//
// Several replicas may share one PostgreSQL store. Every one probes,
// serves pages and APIs, keeps its SLA gauges and, since detection is the
// leader's, judges each service's present minute for its own pages
// (followStatus), every lease renewal and as soon as the store says a
// change to what the pages show committed anywhere (followPages). One
// leader runs the singleton jobs: detection and the incident lifecycle,
// the close, retention, backups, alerts about burn, coverage and silent
// locations, the heartbeat, e-mail, credit.issued events and alert
// delivery (leaderJob, detectLoop, leaderOutbox).
// Leadership (leader.go) is the store's lease, timed by the database's
// clock: the leader renews it every storage.lease_renew, the others try
// for it every second, and a leader that cannot renew stops acting at the
// lease's Deadline, before another can take it; on taking it a replica
// reads detection's state again before it acts. On SQLite the one process
// always leads.
//
// The store is reached through interfaces declared here (Store,
// LedgerStore, TokenStore, ...), which *db.DB and *pgstore.Store satisfy;
// Open wires the store the configuration names (storage.url, or
// storage.path), OpenSQLite the SQLite one for tests and tools.
//
// Allowed imports: everything below cmd except demo and bench.
package monitor
