// Package dashboard is slate's HTTP server, built on gin: health and
// readiness endpoints, Prometheus metrics, and the push endpoint through which
// monitored services send heartbeats. Status pages, the Statuspage-compatible
// API and the admin API mount here too.
//
// Allowed imports: the standard library, sla, internal/strictjson, gin,
// prometheus. The server
// reads through small interfaces declared where they are used; it never
// imports db or collector.
package dashboard
