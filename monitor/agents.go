package monitor

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/slatehq/slate/access"
	"github.com/slatehq/slate/agent/wire"
	"github.com/slatehq/slate/collector"
	"github.com/slatehq/slate/config"
	"github.com/slatehq/slate/dashboard"
	"github.com/slatehq/slate/sla"
)

// The server side of slate agent: each agent token's location gets its
// checks and sends its results here, and they join the evidence exactly
// as the collector's do (the same store write, so the same idempotency by
// check, location and time, and detection on arrival).

// agentLease is how long a location stays held by the agent that last
// called: another agent of the location is refused until it has been
// silent that long, so two agents never report for one location at once.
const agentLease = 30 * time.Second

// ingestSlots is how many batches may be written at once; a batch that
// finds them all taken is refused with 503 and Retry-After, so that the
// writer's backlog stays bounded and agents keep their results spooled.
const ingestSlots = 4

// locationHealth is one location's agent as the server saw it.
type locationHealth struct {
	Location        string    `json:"location"`
	Agent           string    `json:"agent"` // the instance holding the location; "" when none has called
	LastSeen        time.Time `json:"last_seen,omitzero"`
	LastBatch       time.Time `json:"last_batch,omitzero"`       // when a batch was last stored
	CompleteThrough time.Time `json:"complete_through,omitzero"` // the newest result stored: the agent ships oldest first
	LagSeconds      float64   `json:"lag_seconds"`               // now minus CompleteThrough; 0 before any batch
	ClockOffsetMS   int64     `json:"clock_offset_ms"`           // the agent's last estimate of its clock minus the server's
	RoundTripMS     int64     `json:"round_trip_ms"`
	Results         int64     `json:"results"` // results stored since the server started
	ClockRefused    bool      `json:"clock_refused"`
}

// agentHub keeps the locations' agents: who holds each, and their health.
type agentHub struct {
	mu    sync.Mutex
	locs  map[string]*locationHealth
	slots chan struct{}

	completeThrough *prometheus.GaugeVec
	lastBatch       *prometheus.GaugeVec
	offset          *prometheus.GaugeVec
	results         *prometheus.CounterVec
	refused         *prometheus.CounterVec
}

func newAgentHub(reg prometheus.Registerer) (*agentHub, error) {
	h := &agentHub{locs: map[string]*locationHealth{}, slots: make(chan struct{}, ingestSlots),
		completeThrough: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "slate_agent_complete_through_timestamp_seconds",
			Help: "The newest result stored from the location's agent: its evidence is complete through this time."}, []string{"location"}),
		lastBatch: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "slate_agent_last_batch_timestamp_seconds",
			Help: "When a batch from the location's agent was last stored."}, []string{"location"}),
		offset: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "slate_agent_clock_offset_seconds",
			Help: "The location's agent's last estimate of its clock minus the server's."}, []string{"location"}),
		results: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "slate_agent_results_total",
			Help: "Results received from the location's agent and stored (a retried result counts again)."}, []string{"location"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "slate_agent_batches_refused_total",
			Help: "Batches from the location's agent refused, by reason: clock, invalid, standby, busy, store."}, []string{"location", "reason"}),
	}
	for _, c := range []prometheus.Collector{h.completeThrough, h.lastBatch, h.offset, h.results, h.refused} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return h, nil
}

// claim makes agent the holder of location at now, unless another agent
// holds it and was seen within agentLease.
func (h *agentHub) claim(location, agent string, now time.Time) (*locationHealth, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	l := h.locs[location]
	if l == nil {
		l = &locationHealth{Location: location}
		h.locs[location] = l
	}
	if l.Agent != "" && l.Agent != agent && now.Sub(l.LastSeen) < agentLease {
		return nil, &dashboard.APIError{Status: http.StatusConflict, Code: "standby", RetryAfter: agentLease,
			Message: fmt.Sprintf("location %s is held by another agent, last seen %s ago; this agent waits as standby and may take over once that one has been silent for %s",
				location, now.Sub(l.LastSeen).Round(time.Second), agentLease)}
	}
	l.Agent, l.LastSeen = agent, now
	return l, nil
}

// health is every location's health at now, declared locations first.
func (h *agentHub) health(declared []string, now time.Time) []locationHealth {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := []locationHealth{}
	for id := range h.locs {
		if !slices.Contains(declared, id) {
			declared = append(declared, id)
		}
	}
	for _, id := range declared {
		if l := h.locs[id]; l != nil {
			c := *l
			if !c.CompleteThrough.IsZero() {
				c.LagSeconds = now.Sub(c.CompleteThrough).Seconds()
			}
			out = append(out, c)
		}
	}
	return out
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

// mountAgents registers the agent API and the agents' health in the admin
// API.
func (a *Monitor) mountAgents() {
	a.web.HandleAgent(http.MethodGet, "/checks", a.apiAgentChecks)
	a.web.HandleAgent(http.MethodPost, "/results", a.apiAgentResults)
	a.web.HandleAdmin(http.MethodGet, "/agents", access.StaffReaders(), func(r *dashboard.AdminRequest) (int, any, error) {
		return http.StatusOK, map[string]any{"locations": a.agents.health(a.cfg.Load().Catalog.LocationIDs(), a.now())}, nil
	})
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
	if agent == "" || len(agent) > 64 {
		return refuse("invalid", dashboard.Invalid("header "+wire.HeaderAgent, "required: the agent's instance ID, at most 64 bytes"))
	}
	offset, rtt, err := wire.ParseOffset(r.Header(wire.HeaderOffset), r.Header(wire.HeaderRoundTrip))
	if err != nil {
		var we *wire.Error
		errors.As(err, &we)
		return refuse("invalid", dashboard.Invalid(we.Field, "%s", we.Msg))
	}
	l, err := a.agents.claim(loc, agent, now)
	if err != nil {
		return refuse("standby", err)
	}
	a.agents.mu.Lock()
	l.ClockOffsetMS, l.RoundTripMS = offset.Milliseconds(), rtt.Milliseconds()
	a.agents.mu.Unlock()
	a.agents.offset.WithLabelValues(loc).Set(offset.Seconds())
	if abs(offset) > wire.DefaultMaxOffset {
		return refuse("clock", a.clockRefusal(r, loc, fmt.Sprintf("the agent's clock is %s off the server's (round trip %s); at most %s is taken: fix the agent's clock (NTP)",
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
			return refuse("clock", a.clockRefusal(r, loc, we.Msg, we.Field, now))
		}
		return refuse("invalid", dashboard.Invalid(we.Field, "%s", we.Msg))
	}
	return a.storeAgentBatch(r, l, rs, now)
}

// storeAgentBatch writes rs in one of the writer's slots and records the
// location's progress.
func (a *Monitor) storeAgentBatch(r *dashboard.AgentRequest, l *locationHealth, rs []sla.Result, now time.Time) (int, any, error) {
	loc := l.Location
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
	a.agents.mu.Lock()
	for _, res := range rs {
		if res.At.After(l.CompleteThrough) {
			l.CompleteThrough = res.At
		}
	}
	l.LastBatch, l.ClockRefused = now, false
	l.Results += int64(len(rs))
	through := l.CompleteThrough
	a.agents.mu.Unlock()
	a.agents.results.WithLabelValues(loc).Add(float64(len(rs)))
	a.agents.lastBatch.WithLabelValues(loc).Set(float64(now.UnixMilli()) / 1e3)
	if !through.IsZero() {
		a.agents.completeThrough.WithLabelValues(loc).Set(float64(through.UnixMilli()) / 1e3)
	}
	// The clock is right again: resolve its alert if it was raised.
	if err := a.selfAlert(r.Context(), clockAlertKey(loc), clockAlertTitle(loc), nil, now); err != nil {
		a.log.Error("agent clock alert", "location", loc, "err", err)
	}
	ack := wire.Ack{Accepted: len(rs)}
	if !through.IsZero() {
		ack.CompleteThroughMS = through.UnixMilli()
	}
	return http.StatusOK, ack, nil
}

// clockRefusal raises the location's clock alert and returns the 422 that
// refuses its batch.
func (a *Monitor) clockRefusal(r *dashboard.AgentRequest, loc, msg, field string, now time.Time) error {
	a.agents.mu.Lock()
	if l := a.agents.locs[loc]; l != nil {
		l.ClockRefused = true
	}
	a.agents.mu.Unlock()
	if err := a.selfAlert(r.Context(), clockAlertKey(loc), clockAlertTitle(loc), errors.New(msg), now); err != nil && err.Error() != msg {
		a.log.Error("agent clock alert", "location", loc, "err", err)
	}
	return &dashboard.APIError{Status: http.StatusUnprocessableEntity, Code: "clock_offset", Field: field, Message: msg}
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
