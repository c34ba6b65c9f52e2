// Package catalog is slate's domain catalogue: the locations, tenants,
// services, checks, contracts and maintenance windows of a configuration,
// and the questions every part of slate asks of them, answered in one
// place:
//
//   - which locations a check's minutes are judged against
//     (Catalog.CheckLocations), which checks run at a location
//     (Catalog.LocationChecks), and which locations a contract's statement
//     and its tenant's page name (Catalog.ContractLocations);
//   - which checks count for a contract (Catalog.ContractChecks), and which
//     measure a service as one tenant sees it (Catalog.ChecksFor);
//   - which maintenance a contract may exclude (Catalog.ExcludedMaintenance);
//   - which services a tenant may see (Catalog.TenantServices), which tenants
//     have a contract on a service (Catalog.ServiceTenants) and which an
//     incident affects (Catalog.IncidentTenants);
//   - what stays off the public status page (Catalog.TenantOnly,
//     Catalog.OnPublicPage);
//   - which period of a contract a name such as "2026-10" or "2026-Q3"
//     selects (Contract.PeriodNamed).
//
// These rules decide money and visibility, so they live here as pure
// functions with table tests, not in the programs that use them. The
// configuration decoder (package config) produces a Catalog; the monitor,
// the admin API, the credit close and the command line read it.
//
// Allowed imports: the standard library and sla. The package does no I/O,
// reads no clock and keeps no state.
package catalog
