// Package minutes holds what every store backend shares about per-minute
// history: the run-length code of one location's UTC day (1,440
// sla.LocationMinute records) and the assembly of stored days into the
// sla.MinuteHistory and sla.RunHistory a read returns. Backends differ in
// how they keep the codes (SQLite: one row per check and day holding every
// location; PostgreSQL: one row per check, location and day), not in the
// code itself or in what a read means.
//
// It imports the standard library and package sla, and does no I/O.
package minutes
