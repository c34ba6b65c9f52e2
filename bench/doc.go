// Package bench is slate bench: harnesses that size a deployment on the
// machine they run on, each a real slate in a temporary directory with its
// targets, load and agents in child processes of the same binary, so that
// the figures are slate's own.
//
//   - Probes (and ProbesCurve): the collector alone, throughput, lateness,
//     CPU, memory and storage per check;
//   - Status: the status page under load while probes run;
//   - Close: closing a month of evidence for many contracts;
//   - Agents: remote probing at three locations, the agents' CPU and spool,
//     acknowledgement time, and the server's ingest of a partition's
//     backlog.
//
// Reports are plain structs printed by cmd/slate; nothing here asserts a
// speed. Allowed imports: anything of slate's but cmd/slate.
package bench
