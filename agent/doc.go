// Package agent is slate agent: a probe agent for one location. It fetches
// its location's checks from the server (keeping the last list on disk, so
// it probes through server outages and its own restarts), probes them with
// the collector's scheduler and probes, writes every result first to a
// durable local spool (SQLite, WAL, synchronous=FULL: a result the spool
// acknowledged survives kill -9), and ships the spool to the server oldest
// first, one batch in flight, deleting a batch only after the server's 2xx,
// which the server sends after its own durable commit. Results carry the
// agent's clock, whose offset from the server's it estimates from each
// round trip: results probed before the first estimate wait in the spool
// unchecked until it comes, and none is recorded while the offset (moved
// by any step of the clock, told from the monotonic clock) is beyond the
// bound.
//
// The protocol is package agent/wire's. cmd/slate wires the agent from
// flags; the agent takes a clock and a prometheus.Registerer.
//
// Allowed imports: the standard library, agent/wire, collector, sla,
// go-sqlite3, prometheus.
package agent
