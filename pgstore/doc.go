// Package pgstore is slate's store on PostgreSQL: the engine for
// deployments that outgrow one machine, where several slate processes and
// remote agents share one database. It implements the same contract as the
// embedded SQLite store (package store, checked by store/storetest) with a
// schema designed for PostgreSQL rather than copied from SQLite's.
//
// # Imports
//
// pgstore imports the standard library, the store contract, the pure
// packages sla and incident, internal/minutes (the run-length code of a
// day of history, shared with db), github.com/jackc/pgx/v5 (with pgxpool)
// and github.com/prometheus/client_golang.
//
// # Main types
//
//   - Store, from Open(ctx, url, Options): the store. Pool gives its
//     connection pool to operations that need the database itself.
//   - Options: clock, retention, pool size, metrics registerer.
//   - CopyFrom copies a store.Source (the SQLite store) into an empty
//     Store; Backup and VerifyBackup take and check pg_dump backups.
//
// # Storage layout
//
// Instants are UTC Unix milliseconds (bigint), as in SQLite, so both
// backends compute, hash and report the same figures.
//
//   - results: partitioned by run start, one partition per UTC day
//     (results_d<day>), made ahead by Prune and on demand by ingest.
//     Retention drops whole partitions: no row deletes, no bloat. The
//     primary key (check, run start, location) is the idempotency key.
//     Columns are ordered so the row has no padding; detail is NULL for
//     the runs without one.
//   - minutes: one row per check, UTC day and location holding the
//     location's run-length code (internal/minutes), so that agents of
//     different locations never wait for each other's row, with a fill
//     factor that leaves room for in-place (HOT) updates through the day.
//   - credits, audit, exclusions, incidents, postmortems, maintenance
//     (with maintenance_updates),
//     tokens, secrets, outbox: as in SQLite, with bigint identities.
//   - leases: one row per named lease, its expiry a timestamptz set from
//     clock_timestamp(), the database's clock.
//
// # Concurrency and durability
//
// A write returns once its transaction has committed with the server's
// synchronous_commit (on by default): acknowledged means committed. Ingest
// COPYs a batch into a per-connection temporary table and inserts it with
// ON CONFLICT DO NOTHING, so a retried batch stores nothing twice; the new
// runs are added to their minute rows, which are made if missing and then
// locked in key order, so concurrent batches wait for each other instead
// of deadlocking (a deadlock or serialization failure is retried anyway).
//
// Every transaction that appends to the audit log (ledger changes,
// incidents, exclusions, maintenance, tokens) first takes one
// transaction-level advisory lock: they run one at a time across every
// process, so the hash chain never forks, its ids have no gaps, and a
// credit's conditional state change happens once. Transaction-level locks
// end with their transaction: they survive transaction pooling and die with
// a crashed holder. Migrations take another such lock, so replicas may
// start together. Outbox claims pick rows FOR UPDATE SKIP LOCKED and mark
// them with a claim token, so two senders never attempt one alert at once.
//
// A batch of period closes reads in one query what each would look up
// (its period's credit, the evidence last recorded), records its first
// closes in three more round trips (the audit head, the credits pipelined,
// the audit entries in one COPY) and skips the re-closes whose evidence is
// unchanged: entry for entry and hash for hash what recording them one at
// a time writes.
//
// # Page changes
//
// The tables the status pages read (incidents and their entries, tenants
// and services, post-mortems, maintenance and its updates, credits,
// exclusions) carry a statement-level trigger that notifies the channel
// slate_pages when the change commits; ListenPages holds a connection of
// its own LISTENing there (pinged when quiet, replaced when dead), so
// every replica's pages follow a change made through any other at once. The evidence tables carry none: ingest stays
// as it was.
package pgstore
