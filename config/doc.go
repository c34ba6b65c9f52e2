// Package config reads slate's configuration file: strictly (an unknown or
// misspelt key is an error, with a suggestion), validating the whole file
// and reporting every problem as FILE:LINE:COLUMN: field.path: problem.
//
// Parse produces a Config: the domain catalogue (package catalog) that the
// rules read, each check's probe definition for the collector, and the
// settings of storage, server, alerting, backups and heartbeat. Durations
// everywhere in the file, a contract's policy included, are Go durations
// ("30s", "1h30m") or whole days ("14d").
//
// Allowed imports: the standard library, catalog, collector (for its
// probe types and their validation), sla, slacase (SLA policies are
// written as in an SLA case) and internal/ynode. The package does no I/O
// beyond reading the file Load is given.
package config
