package sla

import "time"

// FailureClass names why a probe run failed. The zero value means the run
// succeeded. The classes are stable strings: they are stored and exported as
// metric labels.
type FailureClass string

// Failure classes, from the outermost layer a probe passes through to the
// innermost.
const (
	ClassNone        FailureClass = ""
	ClassDNS         FailureClass = "dns"         // name did not resolve
	ClassConnect     FailureClass = "connect"     // TCP connect refused or unreachable
	ClassTLS         FailureClass = "tls"         // handshake failed, bad or expiring certificate
	ClassTimeout     FailureClass = "timeout"     // the probe's hard timeout elapsed
	ClassStatus      FailureClass = "status"      // HTTP status not accepted
	ClassBody        FailureClass = "body"        // body missing the expected text, or unreadable
	ClassExpectation FailureClass = "expectation" // any other condition (latency limit, DNS answer, TCP expect, heartbeat)
)

// Result is one probe run of one check from one location. A run is identified
// by (CheckID, Location, At): writing the same run twice stores it once, so the
// triple is the result's idempotency key.
type Result struct {
	CheckID  string        // check name from the configuration
	Location string        // where the probe ran; "" for the local collector
	At       time.Time     // when the run started
	OK       bool          // whether every condition held
	Latency  time.Duration // total duration of the run
	Class    FailureClass  // why it failed; ClassNone when OK
	Detail   string        // short human-readable explanation, empty when OK
}
