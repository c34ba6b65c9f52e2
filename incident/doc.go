// Package incident turns minute states into incidents: a pure state machine
// that opens an incident when a service is confirmed down or degraded, keeps
// its timeline while the service fails, and resolves it once recovery has
// held for long enough; people move it through its statuses and write
// updates.
//
// The package does no I/O and reads no clock: every observation and every
// update carries its own time. Storing incidents, delivering alerts and
// rendering pages are other packages' work.
//
// Post-mortems are markdown: Template pre-fills one from an incident and its
// impact, Render turns it into sanitised HTML (goldmark, then bluemonday: no
// scripts, no event handlers, no javascript: or data: links).
//
// Allowed imports: the standard library, sla, goldmark and bluemonday.
//
// # Main types
//
//   - Detector: per service, the open incident and the recovery count;
//     Observe feeds it one final minute, Now the service as it stands, and
//     both return what changed; Progress and Restore carry how far it got
//     across a restart.
//   - Incident: title, services, status, severity, start and end,
//     timeline; detection's entries are for staff until a person
//     publishes one (Publish).
//   - Entry: one timeline entry, automatic or written by a person.
package incident
