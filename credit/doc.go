// Package credit turns stored evidence into what is owed: for a contract and
// a period it reads each covered check's per-minute history, judges every
// minute with the check's confirmation, quorum and minimum of reporting
// locations (sla.Confirmation; see sla.MinuteStates), builds the SLA case and
// runs the same engine as `slate calc`. Coverage is reported beside the
// result, and a period whose evidence is too thin is flagged, never counted
// as up.
//
// The period close (CloseDue) records each closed period through the
// Recorder interface, idempotently; Exporter publishes the current figures
// and burn rates as Prometheus gauges.
//
// Allowed imports: the standard library, sla, catalog (whose contracts and
// checks it turns into its own terms: Schedules, ContractOf), incident (the
// impact rows of a post-mortem) and the Prometheus client. The
// history comes through the History interface, which db.DB satisfies.
package credit
