package monitor

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/slatehq/slate/access"
	"github.com/slatehq/slate/agent/wire"
	"github.com/slatehq/slate/collector"
	"github.com/slatehq/slate/config"
	"github.com/slatehq/slate/dashboard"
	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/store"
)

// The server side of slate agent: each agent token's location gets its
// checks and sends its results here, and they join the evidence exactly
// as the collector's do (the same store write, so the same idempotency by
// check, location and time, and detection on arrival).

// agentLease is how long a location stays held by the agent that last
// called: another agent of the location is refused until it has been
// silent that long, so two agents never report for one location at once.
// The lease is in the store, so every replica refuses the second agent.
const agentLease = 30 * time.Second

// ingestSlots is how many batches may be written at once; a batch that
// finds them all taken is refused with 503 and Retry-After, so that the
// writer's backlog stays bounded and agents keep their results spooled.
const ingestSlots = 4

// agentHub is this replica's part of the agents' ingest: the writer's
// slots and the counters of what it took and refused. Who holds each
// location, and its health, are the store's (store.LocationState).
type agentHub struct {
	slots   chan struct{}
	results *prometheus.CounterVec
	refused *prometheus.CounterVec
}

func newAgentHub(reg prometheus.Registerer, health prometheus.Collector) (*agentHub, error) {
	h := &agentHub{slots: make(chan struct{}, ingestSlots),
		results: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "slate_agent_results_total",
			Help: "Results received from the location's agent and stored by this replica (a retried result counts again)."}, []string{"location"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "slate_agent_batches_refused_total",
			Help: "Batches from the location's agent refused by this replica, by reason: clock, invalid, standby, busy, store."}, []string{"location", "reason"}),
	}
	for _, c := range []prometheus.Collector{h.results, h.refused, health} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return h, nil
}

// claim makes agent the holder of location at now, with its clock
// estimate, unless another agent holds it: then the store's
// ErrLocationHeld, which the agent is told as 409 (it waits as standby).
func (a *Monitor) claim(r *dashboard.AgentRequest, location, agent string, offset, rtt time.Duration, now time.Time) (store.LocationState, error) {
	return a.store.ClaimLocation(r.Context(), store.LocationClaim{Location: location, Agent: agent, At: now, TTL: agentLease,
		ClockOffset: offset, RoundTrip: rtt})
}

// agentChecks are the checks that run at each location: every check but
// push checks (only the server receives heartbeats), under each location
// its locations name. They are taken from the probe definitions when the
// configuration is loaded, since the running configuration keeps none.
func agentChecks(cfg *config.Config) map[string][]collector.Check {
	out := map[string][]collector.Check{}
	for _, p := range cfg.Probes {
		if p.Kind == collector.KindPush {
			continue
		}
		for _, loc := range p.Locations {
			out[loc] = append(out[loc], p)
		}
	}
	return out
}

// checksAt are the checks the agent of location runs (never nil).
func (a *Monitor) checksAt(location string) []collector.Check {
	if cs := (*a.agentLists.Load())[location]; cs != nil {
		return cs
	}
	return []collector.Check{}
}

// mountAgents registers the agent API and the locations' health in the
// admin API (at /locations, and at /agents, its first name).
func (a *Monitor) mountAgents() {
	a.web.HandleAgent(http.MethodGet, "/checks", a.apiAgentChecks)
	a.web.HandleAgent(http.MethodPost, "/results", a.apiAgentResults)
	for _, path := range []string{"/locations", "/agents"} {
		a.web.HandleAdmin(http.MethodGet, path, access.StaffReaders(), a.apiLocations)
	}
}

// apiAgentChecks answers the location's checks, or 304 when the agent
// has the generation already.
func (a *Monitor) apiAgentChecks(r *dashboard.AgentRequest) (int, any, error) {
	a.stampServerTime(r)
	loc := r.Principal.Location
	list := wire.CheckList{Location: loc, Checks: a.checksAt(loc)}
	js, err := json.Marshal(list.Checks)
	if err != nil {
		return 0, nil, err
	}
	sum := sha256.Sum256(js)
	list.Generation = hex.EncodeToString(sum[:8])
	etag := `"` + list.Generation + `"`
	r.SetHeader("ETag", etag)
	if r.Header("If-None-Match") == etag {
		return http.StatusNotModified, nil, nil
	}
	return http.StatusOK, list, nil
}

func (a *Monitor) stampServerTime(r *dashboard.AgentRequest) {
	r.SetHeader(wire.HeaderServerTime, strconv.FormatInt(a.now().UnixMilli(), 10))
}

// apiAgentResults stores a batch and answers 200 only once it is durably
// committed. Refusals store nothing: a standby agent (409), a clock off by
// more than wire.DefaultMaxOffset or a result from the future (422, and an
// alert), a bad batch (400 naming the field), a writer that is behind or a
// store that fails (503, with Retry-After).
func (a *Monitor) apiAgentResults(r *dashboard.AgentRequest) (int, any, error) {
	a.stampServerTime(r)
	loc, now := r.Principal.Location, a.now()
	refuse := func(reason string, err error) (int, any, error) {
		a.agents.refused.WithLabelValues(loc, reason).Inc()
		return 0, nil, err
	}
	agent := r.Header(wire.HeaderAgent)
	if agent == "" || len(agent) > store.MaxAgentID {
		return refuse("invalid", dashboard.Invalid("header "+wire.HeaderAgent, "required: the agent's instance ID, at most %d bytes", store.MaxAgentID))
	}
	offset, rtt, err := wire.ParseOffset(r.Header(wire.HeaderOffset), r.Header(wire.HeaderRoundTrip))
	if err != nil {
		var we *wire.Error
		errors.As(err, &we)
		return refuse("invalid", dashboard.Invalid(we.Field, "%s", we.Msg))
	}
	held, err := a.claim(r, loc, agent, offset, rtt, now)
	if errors.Is(err, store.ErrLocationHeld) {
		return refuse("standby", &dashboard.APIError{Status: http.StatusConflict, Code: "standby", RetryAfter: agentLease,
			Message: fmt.Sprintf("location %s is held by another agent; this agent waits as standby and may take over once that one has been silent for %s",
				loc, agentLease)})
	} else if err != nil {
		a.log.Error("agent claim", "location", loc, "err", err)
		return refuse("store", &dashboard.APIError{Status: http.StatusServiceUnavailable, Code: "unavailable", RetryAfter: 5 * time.Second,
			Message: "the store cannot take the agent's call right now; retry"})
	}
	if abs(offset) > wire.DefaultMaxOffset {
		return refuse("clock", a.clockRefusal(r, held, fmt.Sprintf("the agent's clock is %s off the server's (round trip %s); at most %s is taken: fix the agent's clock (NTP)",
			offset.Round(time.Millisecond), rtt, wire.DefaultMaxOffset), "", now))
	}
	raw, err := r.Body()
	if err != nil {
		return refuse("invalid", err)
	}
	cfg := a.cfg.Load()
	checks := map[string]bool{}
	for _, c := range a.checksAt(loc) {
		checks[c.ID] = true
	}
	rs, err := wire.DecodeBatch(raw, wire.Rules{Location: loc, Checks: checks, Now: now, MaxAhead: wire.DefaultMaxOffset, MaxAge: cfg.Storage.RawRetention})
	if err != nil {
		var we *wire.Error
		errors.As(err, &we)
		if we.Future {
			return refuse("clock", a.clockRefusal(r, held, we.Msg, we.Field, now))
		}
		return refuse("invalid", dashboard.Invalid(we.Field, "%s", we.Msg))
	}
	return a.storeAgentBatch(r, held, rs, now)
}

// storeAgentBatch writes rs in one of the writer's slots and records the
// location's progress in the store. held is the location's state as the
// agent's claim found it.
func (a *Monitor) storeAgentBatch(r *dashboard.AgentRequest, held store.LocationState, rs []sla.Result, now time.Time) (int, any, error) {
	loc := held.Location
	if err := a.store.WriteHealth(); err != nil {
		a.agents.refused.WithLabelValues(loc, "store").Inc()
		return 0, nil, &dashboard.APIError{Status: http.StatusServiceUnavailable, Code: "unavailable", RetryAfter: 5 * time.Second,
			Message: "the store cannot take results right now; keep them and retry"}
	}
	select {
	case a.agents.slots <- struct{}{}:
		defer func() { <-a.agents.slots }()
	default:
		a.agents.refused.WithLabelValues(loc, "busy").Inc()
		return 0, nil, &dashboard.APIError{Status: http.StatusServiceUnavailable, Code: "busy", RetryAfter: time.Second,
			Message: "the writer is behind; keep the batch and retry"}
	}
	if err := a.store.WriteResults(r.Context(), rs); err != nil {
		a.log.Error("agent results", "location", loc, "err", err)
		a.agents.refused.WithLabelValues(loc, "store").Inc()
		return 0, nil, &dashboard.APIError{Status: http.StatusServiceUnavailable, Code: "unavailable", RetryAfter: 5 * time.Second,
			Message: "the results were not stored; keep them and retry"}
	}
	a.agents.results.WithLabelValues(loc).Add(float64(len(rs)))
	b := store.LocationBatch{Location: loc, Agent: held.Agent, At: a.now(), Results: len(rs)}
	for _, res := range rs {
		if res.At.After(b.Through) {
			b.Through = res.At
		}
	}
	// The results are stored whatever follows: the agent gets its 200,
	// and a health that could not be recorded is caught up by its next
	// batch. The clock is right again: its alert, if raised, is resolved
	// before the store forgets the refusal, so a resolve that could not be
	// enqueued is tried again by the next batch.
	var err error
	if held.ClockRefused {
		if err = a.clockAlert(r.Context(), loc, "", now); err != nil {
			a.log.Error("agent clock alert", "location", loc, "err", err)
		}
	}
	st := held
	if err == nil {
		st, err = a.store.RecordLocationBatch(r.Context(), b)
		if err != nil {
			a.log.Warn("agent batch health", "location", loc, "err", err)
			st = held
		}
	}
	if b.Through.After(st.CompleteThrough) {
		st.CompleteThrough = b.Through
	}
	ack := wire.Ack{Accepted: len(rs)}
	if !st.CompleteThrough.IsZero() {
		ack.CompleteThroughMS = st.CompleteThrough.UnixMilli()
	}
	return http.StatusOK, ack, nil
}

// clockRefusal raises the location's clock alert unless it was raised
// already (as held, the state the claim found, says), records that the
// location's batch was refused for its clock once the alert is enqueued,
// and returns the 422 that refuses the batch. An alert that could not be
// enqueued leaves the refusal unrecorded, so the next refusal raises it.
func (a *Monitor) clockRefusal(r *dashboard.AgentRequest, held store.LocationState, msg, field string, now time.Time) error {
	loc := held.Location
	refused := &dashboard.APIError{Status: http.StatusUnprocessableEntity, Code: "clock_offset", Field: field, Message: msg}
	if !held.ClockRefused {
		if err := a.clockAlert(r.Context(), loc, msg, now); err != nil {
			a.log.Error("agent clock alert", "location", loc, "err", err)
			return refused
		}
	}
	if _, err := a.store.RecordLocationBatch(r.Context(), store.LocationBatch{Location: loc, Agent: held.Agent, At: now, ClockRefused: true}); err != nil {
		a.log.Warn("agent clock refusal", "location", loc, "err", err)
	}
	return refused
}

// clockAlert enqueues the trigger (msg not empty) or the resolve of the
// location's clock alert. Whether it fires is the store's (ClockRefused),
// so whichever replica the agent reaches raises or resolves it once.
func (a *Monitor) clockAlert(ctx context.Context, loc, msg string, now time.Time) error {
	return a.enqueueSlateAlert(ctx, clockAlertKey(loc), clockAlertTitle(loc), msg, msg != "", now)
}

func clockAlertKey(loc string) string { return "slate-agent-clock/" + loc }
func clockAlertTitle(loc string) string {
	return "the agent at " + loc + " has a wrong clock; its results are refused"
}

func abs(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}
