// Package db is slate's embedded store: one SQLite file holding the raw probe
// results and the per-minute history that SLA figures and service credits
// are computed from, the ledger, the audit log, incidents, the outbox and
// tokens, plus the schema migrations that create them. It implements the
// store contract (package store; its suite is store/storetest), whose
// types db re-exports under their old names as aliases (db.Credit is
// store.Credit), and store.Source, to be copied into another backend.
//
// # Imports
//
// db imports the standard library, package store (the contract),
// internal/minutes (the run-length code of a day of history) and
// internal/storemetrics, package sla (for sla.Result and
// sla.LocationMinute), package incident (the incidents it stores),
// github.com/mattn/go-sqlite3 (cgo: build with CGO_ENABLED=1) and
// github.com/prometheus/client_golang. Callers never import database/sql:
// sql.ErrNoRows comes back as ErrNotFound.
//
// # Main types
//
//   - DB, from Open(path, Options): the store. WriteResults is the
//     collector's write path; Results, LatestResults and MinuteHistory are
//     the reads; Prune applies retention; IntegrityCheck runs SQLite's
//     check.
//   - Options: clock, retention, batch limit, metrics registerer. The zero
//     value is usable.
//   - History: per-minute, per-location sla.LocationMinute of one check
//     (MinuteHistory); MinuteRuns reads the same evidence in run-length
//     form without expanding it, for the period close; ImportHistory
//     backfills whole days recorded elsewhere.
//   - Pruned: what one Prune call deleted. Space: the bytes each kind of
//     evidence occupies, measured on a compacted copy.
//   - Credit: one entry of the service-credit ledger, a tenant's credit
//     under a contract for a period or an adjustment of it; CreditState
//     and its transitions computed → approved → issued, or voided.
//     RecordClose records a closed period idempotently (RecordCloses many,
//     in one transaction); ApproveCredit,
//     IssueCredit (at most once) and VoidCredit move entries; Credit and
//     Credits (with a CreditFilter) read them.
//   - Exclusion: time a person excluded from a contract's SLA, with a
//     reason; AddExclusion and CancelExclusion are audited, nothing is
//     deleted; ExclusionsInForce feeds the engine.
//   - Alert: one notification in the durable outbox; Enqueue and
//     UpdateWithAlerts add them (the latter in a caller's transaction, a
//     SQLite-only method outside the contract), DueAlerts, ClaimAlerts
//     and RecordAttempt drive delivery, every attempt recorded.
//   - Lease: a leadership lease on SQLite's own clock (AcquireLease,
//     RenewLease, ReleaseLease), the same semantics as on PostgreSQL.
//   - Incident: an incident with its timeline, tenants and revision;
//     SaveIncident (and SaveIncidentWithAlerts, which enqueues its
//     notifications in the same transaction) refuses a stale copy; post-mortem
//     versions with SavePostmortem and PublishPostmortem.
//   - Token: an API token of the dashboard, stored as the SHA-256 of its
//     text under a visible prefix; CreateToken returns the text once,
//     TokenByHash looks it up, RevokeToken and CreateToken are audited.
//     Secret keeps generated keys, such as the one that signs tenant links.
//   - Snapshot, CountRows, CheckFile, QuickCheck: consistent online copies
//     for backups, and checks of any database file.
//   - AuditEntry: one entry of the hash-chained, append-only audit log.
//     Every ledger change appends one in the transaction that makes it;
//     AppendAudit records other changes; AuditEntries and AuditOf read the
//     log; VerifyAudit checks the chain and names the first broken entry.
//
// # Concurrency and durability
//
// One goroutine owns the only read-write connection. WriteResults hands
// its results to it and waits until the transaction holding them has
// committed with synchronous=FULL in WAL mode, so an acknowledged result
// survives kill -9 and power loss. Calls that arrive while a transaction
// commits are grouped into the next one (group commit: one fsync for many
// callers). Queries use a separate pool of read-only connections, which WAL
// lets run alongside the writer.
//
// Ledger and audit changes also go through the writer, each in a
// transaction of its own begun IMMEDIATE, between result batches: the
// transaction holds the write lock from its first read, so a check such as
// "no credit for this period yet" or "the credit is approved" still holds
// when it writes, even against another process using the same file.
//
// # Storage layout
//
// Instants are UTC Unix milliseconds. Checks, locations and failure classes
// are stored once in lookup tables and referred to by small integer ids.
//
//   - results: one row per run, WITHOUT ROWID, primary key (check_id, at_ms,
//     location_id), which is also the idempotency key: a retried run is
//     ignored. Every column is a small integer (latency in microseconds,
//     class as an id, 0 when none), so a row is about 20 bytes and a result
//     costs about 26 bytes on disk, b-tree pages, details of the 1% that
//     fail and the minute history included (BenchmarkWriteResults with
//     -benchtime=1000000x: 1,000 checks, 3 locations).
//   - result_details: the detail text, only for results that have one.
//   - minutes: one row per check per UTC day. Its BLOB holds, for each
//     location, the five-byte sla.LocationMinute of each of the 1,440
//     minutes, run-length encoded and, when that is still large, DEFLATE
//     compressed (format in minutes.go). A steady day is one run per
//     location: a few dozen bytes instead of the 7,200 per location of the
//     plain records, or the 1,440 rows per location of a row per minute. A
//     day of 3 locations with an outage and scattered failures takes about
//     330 bytes of BLOB and 640 bytes of file (BenchmarkCheckDay).
//   - credits: the ledger, one row per entry. A partial unique index
//     allows one 'credit' row per tenant, contract and period; corrections
//     are 'adjustment' rows pointing at it, so issued figures are never
//     rewritten. Money is integer minor units; figures are the decimal
//     strings the SLA engine reported.
//   - audit: append-only (triggers refuse UPDATE and DELETE), each row
//     holding the SHA-256 of the previous row's hash and its own fields
//     (encoding in audit.go).
//
// The writer keeps today's day records of recently written checks in
// memory, in their encoded form (a few dozen bytes each, Options.HistoryCache
// in all, least recently written dropped first), adds each new run to its
// minute in time order, expanding one day at a time, and writes the changed
// records in the same transaction as the runs (write-through), so results
// and history agree after any crash. A run older than one already applied to
// its (check, location) — a late remote agent — has its minute rebuilt
// from the raw results of that minute.
package db
