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

// maxPushMsg bounds the message a heartbeat may carry, in bytes.
const maxPushMsg = 160

// Heartbeats receives push heartbeats: the monitored service calls
// GET or POST .../push/{token}, optionally with ?status=down&msg=text, at
// least once per interval. It is an http.Handler the dashboard mounts at
// /push/; only tokens of configured push checks are accepted, so unknown
// callers cannot grow its memory. Build it with NewHeartbeats.
type Heartbeats struct {
	now func() time.Time

	mu    sync.Mutex
	beats map[string]*beat // by token
}

// beat is the state of one push check's token.
type beat struct {
	since time.Time // when the token was registered: the first beat is due from here
	last  time.Time // last heartbeat; zero before the first
	down  bool      // last heartbeat reported status=down
	msg   string    // message of the last heartbeat
}

// NewHeartbeats returns an empty receiver. now is its clock; nil means
// time.Now.
func NewHeartbeats(now func() time.Time) *Heartbeats {
	if now == nil {
		now = time.Now
	}
	return &Heartbeats{now: now, beats: make(map[string]*beat)}
}

// register makes token known; an already known token keeps its state.
func (h *Heartbeats) register(token string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.beats[token]; !ok {
		h.beats[token] = &beat{since: h.now()}
	}
}

// retain forgets every token not in keep.
func (h *Heartbeats) retain(keep map[string]bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for t := range h.beats {
		if !keep[t] {
			delete(h.beats, t)
		}
	}
}

// Record notes a heartbeat for token and reports whether the token is known.
func (h *Heartbeats) Record(token string, down bool, msg string) bool {
	if len(msg) > maxPushMsg {
		msg = msg[:maxPushMsg]
	}
	msg = strings.ToValidUTF8(msg, "")
	now := h.now()
	h.mu.Lock()
	defer h.mu.Unlock()
	b, ok := h.beats[token]
	if !ok {
		return false
	}
	b.last, b.down, b.msg = now, down, msg
	return true
}

func (h *Heartbeats) state(token string) (beat, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	b, ok := h.beats[token]
	if !ok {
		return beat{}, false
	}
	return *b, true
}

// ServeHTTP records a heartbeat. The token is the last path segment after
// "push/". Answers: 200 recorded, 400 bad status, 404 unknown token, 405
// other methods.
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
	if !h.Record(token, down, msg) {
		http.Error(w, "unknown token", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

// PushProbe judges the heartbeats of one push check. Build it with NewProbe.
type PushProbe struct {
	token    string
	interval time.Duration
	grace    time.Duration
	hb       *Heartbeats
}

func newPushProbe(c Check, env Env) (*PushProbe, error) {
	if env.Heartbeats == nil {
		return nil, fieldErr("push", "no heartbeat receiver configured")
	}
	p := &PushProbe{token: c.Push.Token, interval: c.Interval, grace: c.Push.Grace, hb: env.Heartbeats}
	if p.grace == 0 {
		p.grace = c.Interval / 4
	}
	env.Heartbeats.register(p.token)
	return p, nil
}

// Probe fails when the last heartbeat is older than the interval plus grace
// or reported the service down. Before the first heartbeat is due it has no
// data.
func (p *PushProbe) Probe(context.Context) Outcome {
	b, ok := p.hb.state(p.token)
	if !ok {
		return failure(sla.ClassExpectation, "token not registered")
	}
	now := p.hb.now()
	window := p.interval + p.grace
	switch {
	case b.last.IsZero() && now.Sub(b.since) <= window:
		return Outcome{NoData: true}
	case b.last.IsZero():
		return failure(sla.ClassExpectation, "no heartbeat in %s", now.Sub(b.since).Round(time.Second))
	case now.Sub(b.last) > window:
		return failure(sla.ClassExpectation, "last heartbeat %s ago, want one every %s (+%s grace)",
			now.Sub(b.last).Round(time.Second), p.interval, p.grace)
	case b.down && b.msg != "":
		return failure(sla.ClassExpectation, "service reported down: %s", b.msg)
	case b.down:
		return failure(sla.ClassExpectation, "service reported down")
	}
	return Outcome{OK: true}
}
