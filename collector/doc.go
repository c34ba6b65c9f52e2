// Package collector runs probes against monitored services on a schedule and
// hands their results to the store in batches. It decides nothing about SLAs:
// a run passes or fails, with a failure class and a short detail, and the sla
// package turns runs into minutes, downtime and credits.
//
// # Main types
//
//   - Check: a plain-value probe definition (ID, service, tenant, kind,
//     target, interval, timeout, locations and kind-specific settings), filled
//     by the configuration loader and checked with Check.Validate.
//   - Probe: one kind of probe bound to one check. NewProbe builds it from a
//     Check and an Env (clock, heartbeat receiver); Probe runs it once under
//     the check's hard timeout and returns an Outcome (verdict, latency,
//     HTTP status, certificate expiry, phase timings). Kinds: HTTP(S)
//     (http.go: HTTP/1.1 spoken on a fresh connection per run, responses
//     parsed by net/http), TCP (tcp.go), DNS (dns.go, with
//     golang.org/x/net/dns/dnsmessage), TLS certificate expiry (tls.go) and
//     push heartbeats (push.go).
//   - Heartbeats: the http.Handler that receives push heartbeats
//     (GET or POST /push/{token}); the dashboard mounts it. It keeps the
//     latest heartbeat of each push check in a BeatStore (slate serve's
//     store, shared by its replicas; memory without one) and answers 200
//     only once it is stored.
//   - Scheduler: runs every check once per interval at a stable phase on a
//     bounded worker pool, batches results into a Store (declared here,
//     implemented by the db package) and exports blackbox-style Prometheus
//     metrics on the Registerer it is given. New, then Reload and Start;
//     RunOnce runs one check now; Stop drains and flushes.
//
// # Memory
//
// A scheduled check costs a few hundred bytes (docs/capacity.md has the
// measured figures): its entry (id, labels, interval, due time, a
// fingerprint of the check's definition to tell a reload whether it
// changed, the last outcome in atomics), its probe (the target, the parts
// of it a request needs and, only when a setting differs from the
// defaults, the settings) and the store's share. There is no goroutine,
// timer or metric child per check: one dispatcher keeps a heap of due
// times, a fixed pool of workers runs the probes, and the probe_* series
// are made from the entries when /metrics is scraped, per check up to
// Scheduler.CheckSeries checks and per service always.
//
// Every run is bounded twice: by its context deadline (the check's
// timeout) and by connection deadlines a little later, so a hung or
// trickling server cannot hold a goroutine past the timeout. Reads are
// bounded too (HTTP headers 64 KiB, bodies MaxBodyBytes, TCP MaxRead), so a
// server sending a gigabyte costs a run a few pooled buffers.
//
// # Failure classes
//
// Every failed run carries exactly one sla.FailureClass, from the outermost
// layer the probe passed through: dns (name did not resolve, or the DNS server
// answered with an error code), connect (TCP connect failed), tls (handshake
// or certificate verification failed, or the certificate expires too soon),
// timeout (the check's hard timeout elapsed), status (no acceptable HTTP
// status: a status outside the accepted ranges, a response that is not HTTP,
// or a redirect chain longer than allowed), body (body condition failed, or
// the body could not be read), expectation (anything else: latency limit, DNS
// answer, TCP expect, missing or "down" heartbeat).
//
// # Imports
//
// The standard library, github.com/slatehq/slate/sla,
// github.com/prometheus/client_golang and golang.org/x/net. Nothing else in
// this module: collector knows nothing of the database, the dashboard or the
// configuration format.
package collector
