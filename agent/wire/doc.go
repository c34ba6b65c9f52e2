// Package wire is the protocol between slate agent and the server: the
// paths, headers and bodies of /api/agent, and the strict decoding and
// checking of a result batch, shared by both ends so that they cannot
// disagree on it. It does no I/O.
//
// An agent authenticates with a token of role agent, which names its
// location; nothing in a request names a location. Every request carries
// the agent's instance (HeaderAgent: one agent per location at a time) and
// its clock offset estimate (HeaderOffset, HeaderRoundTrip). Every answer
// carries the server's clock (HeaderServerTime), from which the agent
// estimates its offset (Offset).
//
//	GET  /api/agent/checks   the location's checks; ETag / If-None-Match on the generation
//	POST /api/agent/results  a Batch; 200 with an Ack only after the durable commit
//
// Allowed imports: the standard library, collector, sla and
// internal/strictjson.
package wire
