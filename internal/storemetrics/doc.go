// Package storemetrics holds the Prometheus metrics of a store's write
// path, the same for every backend, so that dashboards and alerts work
// whichever one a deployment runs. It imports the standard library and
// github.com/prometheus/client_golang.
package storemetrics
