package wire

import (
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/slatehq/slate/collector"
	"github.com/slatehq/slate/internal/strictjson"
	"github.com/slatehq/slate/sla"
)

// Paths of the agent API.
const (
	ChecksPath  = "/api/agent/checks"
	ResultsPath = "/api/agent/results"
)

// Headers of the agent API.
const (
	// HeaderAgent names the agent instance: a random ID it draws at
	// start-up and keeps until it exits. Two instances of one location
	// are two agents; the second is refused while the first is live.
	HeaderAgent = "Slate-Agent"
	// HeaderOffset is the agent's estimate of its clock minus the
	// server's, in signed milliseconds.
	HeaderOffset = "Slate-Clock-Offset"
	// HeaderRoundTrip is the round trip the estimate came from, in
	// milliseconds: the estimate's uncertainty is half of it.
	HeaderRoundTrip = "Slate-Round-Trip"
	// HeaderServerTime is the server's clock when it answered, in Unix
	// milliseconds, on every answer.
	HeaderServerTime = "Slate-Server-Time"
)

// Limits of a batch.
const (
	MaxBatch     = 5000    // results in one batch
	MaxBodyBytes = 4 << 20 // bytes of a batch's body
	MaxDetail    = 1024    // bytes of a result's detail
	// DefaultMaxOffset is the largest clock offset estimate the server
	// takes results with. The round trip is reported, not added: a slow
	// link is not a wrong clock.
	DefaultMaxOffset = 2 * time.Second
)

// CheckList is the answer to GET ChecksPath.
type CheckList struct {
	Location   string            `json:"location"`
	Generation string            `json:"generation"`
	Checks     []collector.Check `json:"checks"`
}

// Result is one probe run as sent: its check, when it started (Unix
// milliseconds, the agent's clock corrected by nothing: the server refuses
// batches from an agent whose clock is off), and its outcome.
type Result struct {
	Check     string `json:"check"`
	AtMS      int64  `json:"at_ms"`
	OK        bool   `json:"ok"`
	LatencyUS int64  `json:"latency_us"`
	Class     string `json:"class"`
	Detail    string `json:"detail"`
}

// Batch is the body of POST ResultsPath.
type Batch struct {
	Results []Result `json:"results"`
}

// Ack is the answer to an accepted batch: every result is stored (or was
// before), and the location's results are complete through
// CompleteThroughMS.
type Ack struct {
	Accepted          int   `json:"accepted"`
	CompleteThroughMS int64 `json:"complete_through_ms"`
}

// Error is a refused request: which field, and why.
type Error struct {
	Field string
	Msg   string
	// Future is set when a result started ahead of the server's clock:
	// the agent's clock is wrong, which the server alerts on.
	Future bool
}

func (e *Error) Error() string {
	if e.Field == "" {
		return e.Msg
	}
	return e.Field + ": " + e.Msg
}

// FromResult is r as sent.
func FromResult(r sla.Result) Result {
	return Result{Check: r.CheckID, AtMS: r.At.UnixMilli(), OK: r.OK, LatencyUS: r.Latency.Microseconds(),
		Class: string(r.Class), Detail: r.Detail}
}

// Rules are what a batch is checked against.
type Rules struct {
	Location string          // the token's: every result is stored under it
	Checks   map[string]bool // the location's checks
	Now      time.Time       // the server's clock
	// MaxAhead is how far past Now a result may start (the offset bound):
	// a result from further in the future is refused.
	MaxAhead time.Duration
	// MaxAge is how far before Now a result may start: older ones would
	// be pruned at once.
	MaxAge time.Duration
}

var classes = map[sla.FailureClass]bool{sla.ClassNone: true, sla.ClassDNS: true, sla.ClassConnect: true, sla.ClassTLS: true,
	sla.ClassTimeout: true, sla.ClassStatus: true, sla.ClassBody: true, sla.ClassExpectation: true}

// DecodeBatch reads a batch strictly and checks every result against
// rules, returning them as stored results of rules.Location. The first
// fault is an *Error naming its field ("results[3].at_ms"); then nothing
// of the batch may be stored.
func DecodeBatch(raw []byte, rules Rules) ([]sla.Result, error) {
	if len(raw) > MaxBodyBytes {
		return nil, &Error{Msg: fmt.Sprintf("the body is over %d bytes", MaxBodyBytes)}
	}
	var b Batch
	if err := strictjson.Decode(raw, &b); err != nil {
		var se *strictjson.Error
		if errors.As(err, &se) {
			return nil, &Error{Field: se.Field, Msg: se.Msg}
		}
		return nil, &Error{Msg: err.Error()}
	}
	switch {
	case b.Results == nil:
		return nil, &Error{Field: "results", Msg: "required: a list of results"}
	case len(b.Results) > MaxBatch:
		return nil, &Error{Field: "results", Msg: fmt.Sprintf("%d results; at most %d in one batch", len(b.Results), MaxBatch)}
	}
	out := make([]sla.Result, len(b.Results))
	for i, r := range b.Results {
		res, err := checkResult(r, rules)
		if err != nil {
			err.Field = "results[" + strconv.Itoa(i) + "]." + err.Field
			return nil, err
		}
		out[i] = res
	}
	return out, nil
}

// checkResult is one result checked; its error's Field is relative.
func checkResult(r Result, rules Rules) (sla.Result, *Error) {
	at := time.UnixMilli(r.AtMS).UTC()
	class := sla.FailureClass(r.Class)
	switch {
	case r.Check == "":
		return sla.Result{}, &Error{Field: "check", Msg: "required"}
	case !rules.Checks[r.Check]:
		return sla.Result{}, &Error{Field: "check", Msg: fmt.Sprintf("%q is not a check of location %s", r.Check, rules.Location)}
	case r.AtMS <= 0:
		return sla.Result{}, &Error{Field: "at_ms", Msg: fmt.Sprintf("must be a Unix time in milliseconds (got %d)", r.AtMS)}
	case at.After(rules.Now.Add(rules.MaxAhead)):
		return sla.Result{}, &Error{Field: "at_ms", Future: true, Msg: fmt.Sprintf("%s is %s ahead of the server's clock (%s); results from the future are refused: check the agent's clock",
			at.Format(time.RFC3339Nano), at.Sub(rules.Now).Round(time.Millisecond), rules.Now.UTC().Format(time.RFC3339Nano))}
	case rules.MaxAge > 0 && at.Before(rules.Now.Add(-rules.MaxAge)):
		return sla.Result{}, &Error{Field: "at_ms", Msg: fmt.Sprintf("%s is older than the %s the server keeps results", at.Format(time.RFC3339), rules.MaxAge)}
	case r.LatencyUS < 0:
		return sla.Result{}, &Error{Field: "latency_us", Msg: fmt.Sprintf("must not be negative (got %d)", r.LatencyUS)}
	case r.LatencyUS > int64(time.Hour/time.Microsecond):
		return sla.Result{}, &Error{Field: "latency_us", Msg: fmt.Sprintf("must be at most an hour (got %d)", r.LatencyUS)}
	case !classes[class]:
		return sla.Result{}, &Error{Field: "class", Msg: fmt.Sprintf("%q is not a failure class", r.Class)}
	case r.OK && class != sla.ClassNone:
		return sla.Result{}, &Error{Field: "class", Msg: "must be empty when ok is true"}
	case !r.OK && class == sla.ClassNone:
		return sla.Result{}, &Error{Field: "class", Msg: "required when ok is false"}
	case len(r.Detail) > MaxDetail:
		return sla.Result{}, &Error{Field: "detail", Msg: fmt.Sprintf("%d bytes; at most %d", len(r.Detail), MaxDetail)}
	case !utf8.ValidString(r.Detail):
		return sla.Result{}, &Error{Field: "detail", Msg: "not valid UTF-8"}
	}
	return sla.Result{CheckID: r.Check, Location: rules.Location, At: at, OK: r.OK,
		Latency: time.Duration(r.LatencyUS) * time.Microsecond, Class: class, Detail: r.Detail}, nil
}

// ParseOffset reads the clock headers' values: the offset estimate and
// the round trip it came from, in milliseconds. Missing or malformed
// values are an *Error naming the header.
func ParseOffset(offset, roundTrip string) (time.Duration, time.Duration, error) {
	o, err := strconv.ParseInt(offset, 10, 64)
	if err != nil || o < -int64(24*time.Hour/time.Millisecond) || o > int64(24*time.Hour/time.Millisecond) {
		return 0, 0, &Error{Field: "header " + HeaderOffset, Msg: fmt.Sprintf("must be signed milliseconds within a day (got %q)", offset)}
	}
	rt, err := strconv.ParseInt(roundTrip, 10, 64)
	if err != nil || rt < 0 || rt > int64(time.Hour/time.Millisecond) {
		return 0, 0, &Error{Field: "header " + HeaderRoundTrip, Msg: fmt.Sprintf("must be milliseconds within an hour (got %q)", roundTrip)}
	}
	return time.Duration(o) * time.Millisecond, time.Duration(rt) * time.Millisecond, nil
}

// Offset estimates a clock's offset from a server from one round trip:
// sent and received by the local clock, server the server's clock when it
// answered. It assumes the answer was made halfway; the error is at most
// half the round trip.
func Offset(sent, received time.Time, serverMS int64) (offset, roundTrip time.Duration) {
	roundTrip = max(received.Sub(sent), 0)
	mid := sent.Add(roundTrip / 2)
	return mid.Sub(time.UnixMilli(serverMS)), roundTrip
}
