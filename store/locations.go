package store

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// LocationState is one location's agent as the store keeps it: which
// agent holds the location (its lease) and the location's health. Every
// replica reads and writes the same rows, so an agent that reaches one
// replica holds its location at all of them, and each replica's pages,
// metrics and detection see what any replica was sent.
//
// The instants are the replicas' clocks (the callers' At): slate already
// refuses agents whose clock is seconds off a replica's, so the replicas
// are taken to agree within that.
type LocationState struct {
	Location string
	// Agent is the instance ID of the agent holding the location, "" when
	// none has called.
	Agent string
	// Expires is the end of Agent's lease: another agent of the location
	// is refused until then, and takes the location after it.
	Expires  time.Time
	LastSeen time.Time // when Agent last called
	// LastBatch is when a batch of the location was last stored; zero
	// before the first.
	LastBatch time.Time
	// CompleteThrough is the watermark: the latest measurement time of the
	// results stored for the location. Agents ship oldest first, one batch
	// at a time, so every result measured before it is in.
	CompleteThrough time.Time
	ClockOffset     time.Duration // the agent's last estimate of its clock minus the server's, to the millisecond
	RoundTrip       time.Duration // of that estimate, to the millisecond
	Results         int64         // results stored from the location's batches (a retried one counts again)
	ClockRefused    bool          // the last batch was refused for the agent's clock
}

// Live reports whether an agent holds the location at now.
func (s LocationState) Live(now time.Time) bool { return s.Agent != "" && now.Before(s.Expires) }

// LocationClaim is an agent's call for its location: the lease it asks
// for and the clock estimate it sent.
type LocationClaim struct {
	Location, Agent string
	At              time.Time     // the replica's now
	TTL             time.Duration // the lease's length from At
	ClockOffset     time.Duration
	RoundTrip       time.Duration
}

// LocationBatch is what the holder of a location delivered in one call.
type LocationBatch struct {
	Location, Agent string
	At              time.Time // the replica's now, after the results were stored
	// Through is the latest measurement time among the results; zero for
	// none. The watermark never moves back.
	Through time.Time
	Results int // how many were stored
	// ClockRefused records that the batch was refused for the agent's
	// clock (Results is then 0); a stored batch clears it.
	ClockRefused bool
}

// ErrLocationHeld is returned, wrapped with the holder and how long its
// lease still runs, when another agent holds the location; ErrLocationLost
// when a batch is reported by an agent that no longer holds it.
var (
	ErrLocationHeld = errors.New("location held by another agent")
	ErrLocationLost = errors.New("location no longer held by the agent")
)

// MaxAgentID bounds an agent's instance ID.
const MaxAgentID = 64

// CheckLocationClaim refuses a claim no store may grant.
func CheckLocationClaim(c LocationClaim) error {
	switch {
	case strings.TrimSpace(c.Location) == "":
		return fmt.Errorf("location claim: empty location")
	case strings.TrimSpace(c.Agent) == "" || len(c.Agent) > MaxAgentID:
		return fmt.Errorf("location claim of %s: agent %q: must be 1 to %d bytes", c.Location, c.Agent, MaxAgentID)
	case c.At.IsZero():
		return fmt.Errorf("location claim of %s: no time", c.Location)
	case c.TTL < MinLeaseTTL:
		return fmt.Errorf("location claim of %s: ttl %v: must be at least %v", c.Location, c.TTL, MinLeaseTTL)
	}
	return nil
}

// CheckLocationBatch refuses a batch report no store may record.
func CheckLocationBatch(b LocationBatch) error {
	switch {
	case strings.TrimSpace(b.Location) == "" || strings.TrimSpace(b.Agent) == "":
		return fmt.Errorf("location batch: empty location or agent")
	case b.At.IsZero():
		return fmt.Errorf("location batch of %s: no time", b.Location)
	case b.Results < 0:
		return fmt.Errorf("location batch of %s: %d results", b.Location, b.Results)
	case b.ClockRefused && b.Results > 0:
		return fmt.Errorf("location batch of %s: refused for its clock yet %d results stored", b.Location, b.Results)
	}
	return nil
}

// ClaimDecision decides a claim given the stored state (the zero state
// when the location has no row): nil when c.Agent may hold the location
// (it is free, its lease expired, or it is c.Agent's), ErrLocationHeld
// otherwise. Both backends decide by it, under the row's lock.
func ClaimDecision(cur LocationState, c LocationClaim) error {
	if cur.Agent == "" || cur.Agent == c.Agent || !c.At.Before(cur.Expires) {
		return nil
	}
	return fmt.Errorf("%w: %s is held by agent %s for %v more", ErrLocationHeld, c.Location, cur.Agent, cur.Expires.Sub(c.At).Round(time.Millisecond))
}

// Claimed is cur after a granted claim c.
func Claimed(cur LocationState, c LocationClaim) LocationState {
	cur.Location, cur.Agent = c.Location, c.Agent
	cur.Expires, cur.LastSeen = c.At.Add(c.TTL).UTC(), c.At.UTC()
	cur.ClockOffset, cur.RoundTrip = c.ClockOffset.Truncate(time.Millisecond), c.RoundTrip.Truncate(time.Millisecond)
	return cur
}

// Batched is cur after batch b of its holder, or ErrLocationLost when b's
// agent does not hold it at b.At.
func Batched(cur LocationState, b LocationBatch) (LocationState, error) {
	if cur.Agent != b.Agent || !b.At.Before(cur.Expires) {
		return cur, fmt.Errorf("%w: %s, agent %s", ErrLocationLost, b.Location, b.Agent)
	}
	cur.ClockRefused = b.ClockRefused
	if b.Results > 0 {
		cur.LastBatch = b.At.UTC()
		cur.Results += int64(b.Results)
	}
	if b.Through.After(cur.CompleteThrough) {
		cur.CompleteThrough = b.Through.UTC().Truncate(time.Millisecond)
	}
	return cur, nil
}

// LocationColumns are the columns of the location_agents table, in the
// order of LocationState.Values and ScanLocation.
const LocationColumns = "location, agent, expires_ms, last_seen_ms, last_batch_ms, complete_through_ms, clock_offset_ms, round_trip_ms, results, clock_refused"

// Values are s's column values, in LocationColumns' order.
func (s LocationState) Values() []any {
	return []any{s.Location, s.Agent, UnixMilliOrZero(s.Expires), UnixMilliOrZero(s.LastSeen), UnixMilliOrZero(s.LastBatch),
		UnixMilliOrZero(s.CompleteThrough), s.ClockOffset.Milliseconds(), s.RoundTrip.Milliseconds(), s.Results, s.ClockRefused}
}

// ScanLocation reads one row of LocationColumns with scan.
func ScanLocation(scan func(dest ...any) error) (LocationState, error) {
	var s LocationState
	var expires, seen, batch, through, offset, rtt int64
	err := scan(&s.Location, &s.Agent, &expires, &seen, &batch, &through, &offset, &rtt, &s.Results, &s.ClockRefused)
	s.Expires, s.LastSeen, s.LastBatch, s.CompleteThrough = TimeOrZero(expires), TimeOrZero(seen), TimeOrZero(batch), TimeOrZero(through)
	s.ClockOffset, s.RoundTrip = time.Duration(offset)*time.Millisecond, time.Duration(rtt)*time.Millisecond
	return s, err
}

// LocationHealth is one declared location as staff see it: who reports
// for it and how far its evidence is in.
type LocationHealth struct {
	Location string `json:"location"`
	Name     string `json:"name,omitempty"`
	// Source is "collector" for the server's own probes, "agent" for a
	// location an agent has called for, "none" for a declared location
	// no agent has called for yet.
	Source string `json:"source"`
	Agent  string `json:"agent,omitempty"` // the agent holding (or that last held) the location
	// Live is whether the location reports now: the collector always,
	// an agent while its lease runs. Detection waits for live locations
	// only (detection.settle).
	Live            bool      `json:"live"`
	LeaseExpires    time.Time `json:"lease_expires,omitzero"`
	LastSeen        time.Time `json:"last_seen,omitzero"`
	LastBatch       time.Time `json:"last_batch,omitzero"`
	CompleteThrough time.Time `json:"complete_through,omitzero"`
	// LagSeconds is now minus CompleteThrough, to the millisecond; 0
	// before any batch and for the collector.
	LagSeconds    float64 `json:"lag_seconds"`
	ClockOffsetMS int64   `json:"clock_offset_ms"`
	RoundTripMS   int64   `json:"round_trip_ms"`
	Results       int64   `json:"results"`
	ClockRefused  bool    `json:"clock_refused"`
}

// Healths is the health of every location at now: the declared ones in
// their order (ids, with their display names), the collector's own
// location (collector, "" when the server runs no probes) as such, then
// any location an agent called for that is not declared (any more).
func Healths(ids, names []string, collector string, states []LocationState, now time.Time) []LocationHealth {
	byID := make(map[string]LocationState, len(states))
	for _, s := range states {
		byID[s.Location] = s
	}
	out := make([]LocationHealth, 0, len(ids)+len(states))
	seen := map[string]bool{}
	add := func(id, name string) {
		seen[id] = true
		h := LocationHealth{Location: id, Name: name, Source: "none"}
		if s, ok := byID[id]; ok {
			h.Source, h.Agent, h.Live = "agent", s.Agent, s.Live(now)
			h.LeaseExpires, h.LastSeen, h.LastBatch, h.CompleteThrough = s.Expires, s.LastSeen, s.LastBatch, s.CompleteThrough
			h.ClockOffsetMS, h.RoundTripMS, h.Results, h.ClockRefused = s.ClockOffset.Milliseconds(), s.RoundTrip.Milliseconds(), s.Results, s.ClockRefused
			if !s.CompleteThrough.IsZero() {
				h.LagSeconds = float64(now.Sub(s.CompleteThrough).Milliseconds()) / 1e3
			}
		} else if id == collector {
			h.Source, h.Live = "collector", true
		}
		out = append(out, h)
	}
	for i, id := range ids {
		add(id, names[i])
	}
	if collector != "" && !seen[collector] {
		add(collector, "")
	}
	for _, s := range states {
		if !seen[s.Location] {
			add(s.Location, "")
		}
	}
	return out
}
