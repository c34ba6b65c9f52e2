package collector

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/slatehq/slate/sla"
)

// maxPushMsg bounds the message a heartbeat may carry, in bytes (the
// store's store.MaxPushMsg).
const maxPushMsg = 160

// Beat is the latest heartbeat of one push check, as a BeatStore keeps it.
// At is the receiving server's clock.
type Beat struct {
	CheckID string
	At      time.Time
	Down    bool   // the heartbeat reported the service down
	Msg     string // its message, at most maxPushMsg bytes of UTF-8
}

// BeatStore keeps the latest heartbeat of each push check. slate serve
// passes its store, so that every replica judges a push check by the
// heartbeats any replica received and a restart loses none.
type BeatStore interface {
	// RecordBeat stores b unless a later heartbeat of its check is
	// stored; it returns once b is durable.
	RecordBeat(ctx context.Context, b Beat) error
	// LatestBeat returns checkID's latest heartbeat; ok is false before
	// the first.
	LatestBeat(ctx context.Context, checkID string) (b Beat, ok bool, err error)
}

// Heartbeats receives push heartbeats: the monitored service calls
// GET or POST .../push/{token}, optionally with ?status=down&msg=text, at
// least once per interval. It is an http.Handler the dashboard mounts at
// /push/; only tokens of configured push checks are accepted, so unknown
// callers cannot grow what is kept. Build it with NewHeartbeats.
type Heartbeats struct {
	// Store keeps the heartbeats; nil keeps them in this process's memory
	// (a collector without a shared store). Set it before the first
	// heartbeat.
	Store BeatStore

	now func() time.Time
	mem memBeats

	mu     sync.Mutex
	tokens map[string]registration // by token
}

// registration is a push check's token as this process knows it.
type registration struct {
	checkID string
	since   time.Time // when the token was registered: the first beat is due from here
}

// NewHeartbeats returns an empty receiver. now is its clock; nil means
// time.Now.
func NewHeartbeats(now func() time.Time) *Heartbeats {
	if now == nil {
		now = time.Now
	}
	return &Heartbeats{now: now, tokens: make(map[string]registration), mem: memBeats{beats: make(map[string]Beat)}}
}

func (h *Heartbeats) beats() BeatStore {
	if h.Store != nil {
		return h.Store
	}
	return &h.mem
}

// register makes token known as checkID's; an already known token keeps
// its registration time.
func (h *Heartbeats) register(token, checkID string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	r, ok := h.tokens[token]
	if !ok {
		r.since = h.now()
	}
	r.checkID = checkID
	h.tokens[token] = r
}

// retain forgets every token not in keep.
func (h *Heartbeats) retain(keep map[string]bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for t := range h.tokens {
		if !keep[t] {
			delete(h.tokens, t)
		}
	}
}

func (h *Heartbeats) registration(token string) (registration, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	r, ok := h.tokens[token]
	return r, ok
}

// Record stores a heartbeat for token, stamped with the receiver's clock.
// known is false for a token of no push check (nothing is stored); err is
// the store's failure, after which the heartbeat may not be stored.
func (h *Heartbeats) Record(ctx context.Context, token string, down bool, msg string) (known bool, err error) {
	if len(msg) > maxPushMsg {
		msg = msg[:maxPushMsg]
	}
	msg = strings.ToValidUTF8(msg, "")
	r, ok := h.registration(token)
	if !ok {
		return false, nil
	}
	return true, h.beats().RecordBeat(ctx, Beat{CheckID: r.checkID, At: h.now().Truncate(time.Millisecond), Down: down, Msg: msg})
}

// ServeHTTP records a heartbeat. The token is the last path segment after
// "push/". Answers: 200 stored, 400 bad status, 404 unknown token, 405
// other methods, 503 the store did not take it.
func (h *Heartbeats) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, POST, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	_, token, ok := strings.Cut(r.URL.Path, "push/")
	if !ok || token == "" || strings.Contains(token, "/") {
		http.Error(w, "unknown token", http.StatusNotFound)
		return
	}
	q := r.URL.Query()
	var down bool
	switch q.Get("status") {
	case "", "up", "ok":
	case "down":
		down = true
	default:
		http.Error(w, "status must be up or down", http.StatusBadRequest)
		return
	}
	msg := q.Get("msg")
	if !utf8.ValidString(msg) {
		http.Error(w, "msg must be UTF-8", http.StatusBadRequest)
		return
	}
	// Acknowledged means stored: the answer waits for the store, and a
	// heartbeat the store did not take is a 503 the caller may retry.
	known, err := h.Record(r.Context(), token, down, msg)
	switch {
	case !known:
		http.Error(w, "unknown token", http.StatusNotFound)
		return
	case err != nil:
		w.Header().Set("Retry-After", "1")
		http.Error(w, "heartbeat not stored; retry", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

// PushProbe judges the heartbeats of one push check. Build it with NewProbe.
type PushProbe struct {
	checkID  string
	token    string
	interval time.Duration
	grace    time.Duration
	hb       *Heartbeats
}

func newPushProbe(c Check, env Env) (*PushProbe, error) {
	if env.Heartbeats == nil {
		return nil, fieldErr("push", "no heartbeat receiver configured")
	}
	p := &PushProbe{checkID: c.ID, token: c.Push.Token, interval: c.Interval, grace: c.Push.Grace, hb: env.Heartbeats}
	if p.grace == 0 {
		p.grace = c.Interval / 4
	}
	env.Heartbeats.register(p.token, c.ID)
	return p, nil
}

// Probe fails when the last heartbeat is older than the interval plus grace
// or reported the service down. Before the first heartbeat is due it has no
// data. It reads the latest heartbeat from the store, whichever server
// received it; when the store does not answer it has no data either: the
// monitor's own trouble is not the service's downtime.
func (p *PushProbe) Probe(ctx context.Context) Outcome {
	r, ok := p.hb.registration(p.token)
	if !ok {
		return failure(sla.ClassExpectation, "token not registered")
	}
	b, beat, err := p.hb.beats().LatestBeat(ctx, p.checkID)
	if err != nil {
		return Outcome{NoData: true}
	}
	now := p.hb.now()
	window := p.interval + p.grace
	switch {
	case !beat && now.Sub(r.since) <= window:
		return Outcome{NoData: true}
	case !beat:
		return failure(sla.ClassExpectation, "no heartbeat in %s", now.Sub(r.since).Round(time.Second))
	case now.Sub(b.At) > window:
		return failure(sla.ClassExpectation, "last heartbeat %s ago, want one every %s (+%s grace)",
			now.Sub(b.At).Round(time.Second), p.interval, p.grace)
	case b.Down && b.Msg != "":
		return failure(sla.ClassExpectation, "service reported down: %s", b.Msg)
	case b.Down:
		return failure(sla.ClassExpectation, "service reported down")
	}
	return Outcome{OK: true}
}

// memBeats keeps heartbeats in memory: the BeatStore of a Heartbeats
// without a Store.
type memBeats struct {
	mu    sync.Mutex
	beats map[string]Beat // by check ID
}

func (m *memBeats) RecordBeat(_ context.Context, b Beat) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if cur, ok := m.beats[b.CheckID]; !ok || !b.At.Before(cur.At) {
		m.beats[b.CheckID] = b
	}
	return nil
}

func (m *memBeats) LatestBeat(_ context.Context, checkID string) (Beat, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.beats[checkID]
	return b, ok, nil
}
