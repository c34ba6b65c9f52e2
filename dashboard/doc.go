// Package dashboard is slate's HTTP server, built on gin: health and
// readiness endpoints, Prometheus metrics, and the push endpoint through which
// monitored services send heartbeats. Status pages, the Statuspage-compatible
// API and the admin API mount here too.
//
// Allowed imports: the standard library, sla, access (roles and scopes),
// badge (the SVG badges), statement (tenants' statements),
// internal/strictjson (the admin API's bodies), gin, prometheus. The server
// reads through small interfaces declared where they are used; it never
// imports db or collector. The admin API's handlers are package
// dashboard/adminapi's.
package dashboard
