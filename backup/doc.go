// Package backup takes, checks, lists, rotates and restores backups of the
// slate store. A backup counts only once it has been restored and checked:
// Take snapshots the live database, checksums the copy, restores it into a
// temporary directory, checks it and only then marks it good.
//
// # Imports
//
// backup imports the standard library, package db (Snapshot, CountRows,
// CheckFile, and Open on a restored copy), package pgstore (Snapshot, and
// Open on a restored scratch database), package credit and package sla (to
// recompute a restored ledger's credits from the restored evidence),
// github.com/jackc/pgx/v5 (to make the scratch database) and
// github.com/prometheus/client_golang. PostgreSQL backups run pg_dump and
// pg_restore. It holds no package-level state
// and reads no clock: the time of a backup is an argument.
//
// # Files
//
// Backups live in Dir/<level>/, level being "hourly", "daily" or "weekly".
// A backup taken at 2026-11-27 05:22:00 UTC is four files:
//
//   - slate-20261127T052200Z.db.partial while the snapshot is written;
//   - slate-20261127T052200Z.db, the database, one self-contained SQLite
//     file in rollback-journal mode;
//   - slate-20261127T052200Z.db.sha256, its checksum in sha256sum format;
//   - slate-20261127T052200Z.db.good, a small JSON record written only after
//     the backup was restored and checked: when, the row counts, the
//     checksum and the size.
//
// A PostgreSQL store's backup (TakePostgres) has the same files with
// .pgdump for .db: a pg_dump archive in custom format of the one snapshot
// whose rows were counted, restored with pg_restore into a scratch database
// on the same server (dropped afterwards) and checked there: the audit
// chain from its first entry, the row counts, the latest period's credits.
//
// Every file is written to a temporary name, fsynced, renamed and its
// directory fsynced, so a crash leaves either no file or a complete one; a
// backup without its .good record is never reported good.
//
// # Main types
//
//   - Config: directories, generations to keep, the contract resolver for
//     credit recomputation, metrics.
//   - Backup: one backup as List sees it. Take makes one; List lists them;
//     Restore copies one to a new database file after checking its sum.
//   - Report: the steps Verify ran and their outcomes.
//   - Metrics: the last success and last verification per level, and
//     failures.
package backup
