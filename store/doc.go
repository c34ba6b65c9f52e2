// Package store is the backend-neutral contract of slate's store: the
// types it stores and returns, the interfaces every backend implements,
// the sentinel errors, and the rules every backend applies the same way
// (input checks, audit hashing, audit details), so that two backends
// refuse, record and hash alike.
//
// # Imports
//
// store imports the standard library and the pure packages sla and
// incident. It does no I/O: backends are package db (SQLite, the embedded
// default) and package pgstore (PostgreSQL). Consumers declare the narrow
// interfaces they need in their own package, in terms of these types.
//
// # Main types
//
//   - Store: the whole contract, made of Evidence (results and minute
//     history), Ledger (credits and exclusions), Audit, Outbox, Incidents
//     (with post-mortems and maintenance), Detection (how far detection
//     judged each service), Tokens (and secrets), Leases, Locations
//     (which agent holds each location, and its health) and PushBeats
//     (the latest heartbeat of each push check).
//   - Source: what a backend exposes to be copied into another store,
//     with the hashes, ids and secrets the contract's reads leave out.
//   - Credit, AuditEntry, Alert, Incident, Token, Exclusion, Maintenance,
//     Lease, Counts, Pruned: the records.
//
// # Transactions
//
// The contract exposes no transaction handle. Changes that must commit
// together are single operations: SaveIncidentWithAlerts enqueues an
// incident's notifications with the incident, every ledger change appends
// its audit entry with it. A caller that needs another such pair asks the
// store for a named operation rather than a transaction.
package store
