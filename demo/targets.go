package demo

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slatehq/slate/collector"
	"github.com/slatehq/slate/config"
)

// The scripted servers.

// demoBehaviour is how a scripted server answers one request.
type demoBehaviour int

const (
	demoOK   demoBehaviour = iota
	demoFail               // HTTP 503, or a TCP connection closed without a greeting
	demoSlow               // the answer comes after demoSlowness, past the checks' max_latency
)

// demoSlowness is how long a slow answer takes: more than the 1s
// max_latency of the demo's HTTP checks.
const demoSlowness = 1500 * time.Millisecond

// demoScript decides how server name answers its n-th request (from 0) at
// now, from location from ("" for this server's own probes). It follows
// the wall clock's minutes, so every 10 minutes the live page goes through
// one outage, one slowdown and one blip: message delivery fails in minutes
// :x8 and :x9 (a confirmed outage), webmail is slow on every third request
// in minutes :x3 to :x5 (a degraded service), and the website fails for
// the agent at us-east alone in minutes :x6 and :x7 (a blip at one place
// of three: degraded, no incident). Everything else answers at once.
func demoScript(name string, now time.Time, n uint64, from string) demoBehaviour {
	m := now.UTC().Minute() % 10
	switch {
	case name == "delivery" && m >= 8:
		return demoFail
	case name == "webmail" && m >= 3 && m <= 5 && n%3 == 2:
		return demoSlow
	case name == "www" && from == demoBlipLocation && (m == 6 || m == 7):
		return demoFail
	}
	return demoOK
}

// demoBlipLocation is the agent's location that cannot reach the website
// in the scripted blip.
const demoBlipLocation = "us-east"

// requestLocation is the location an agent's HTTP probe names in its
// User-Agent ("slate-agent (location L)"); "" for any other request.
func requestLocation(r *http.Request) string {
	loc, ok := strings.CutPrefix(r.UserAgent(), "slate-agent (location ")
	if !ok {
		return ""
	}
	return strings.TrimSuffix(loc, ")")
}

// demoTargets are the scripted servers, by the name the configuration's
// targets use.
type demoTargets struct {
	addrs     map[string]string // name -> 127.0.0.1:port
	servers   []*http.Server
	listeners []net.Listener // of the TCP servers
	conns     sync.WaitGroup // the TCP servers' goroutines
	mu        sync.Mutex
	open      map[net.Conn]bool // the TCP servers' connections, closed by close; guarded by mu
	closed    bool              // guarded by mu
}

// startDemoTargets starts the scripted servers: HTTP ones answer any path
// with "ok", TCP ones greet as IMAP and SMTP servers do; now is the clock
// their script reads.
func startDemoTargets(now func() time.Time) (*demoTargets, error) {
	httpNames := []string{"login", "contacts", "delivery", "webmail", "sync", "restore", "www", "api"}
	greetings := map[string]string{"imap": "* OK IMAP4rev1 demo server ready\r\n", "smtp": "220 mail.demo.invalid ESMTP ready\r\n"}
	t := &demoTargets{addrs: map[string]string{}, open: map[net.Conn]bool{}}
	listen := func(name string) (net.Listener, error) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.close()
			return nil, fmt.Errorf("scripted server %s: %w", name, err)
		}
		t.addrs[name] = l.Addr().String()
		return l, nil
	}
	for _, name := range httpNames {
		l, err := listen(name)
		if err != nil {
			return nil, err
		}
		var n atomic.Uint64
		srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch demoScript(name, now(), n.Add(1)-1, requestLocation(r)) {
			case demoFail:
				http.Error(w, "unavailable", http.StatusServiceUnavailable)
				return
			case demoSlow:
				select {
				case <-time.After(demoSlowness):
				case <-r.Context().Done():
					return
				}
			}
			fmt.Fprintln(w, "ok")
		})}
		t.servers = append(t.servers, srv)
		go srv.Serve(l)
	}
	for _, name := range slices.Sorted(maps.Keys(greetings)) {
		l, err := listen(name)
		if err != nil {
			return nil, err
		}
		t.listeners = append(t.listeners, l)
		greeting := greetings[name]
		var n atomic.Uint64
		t.conns.Go(func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return // closed
				}
				if !t.track(c, true) {
					c.Close()
					return
				}
				t.conns.Go(func() {
					defer func() { t.track(c, false); c.Close() }()
					if demoScript(name, now(), n.Add(1)-1, "") != demoOK {
						return
					}
					c.SetDeadline(time.Now().Add(5 * time.Second))
					io.WriteString(c, greeting)
					io.Copy(io.Discard, c) // until the probe hangs up, close or the deadline
				})
			}
		})
	}
	return t, nil
}

// track adds c to the open connections (add) or removes it; it refuses
// to add once the servers are closing.
func (t *demoTargets) track(c net.Conn, add bool) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !add {
		delete(t.open, c)
		return true
	}
	if t.closed {
		return false
	}
	t.open[c] = true
	return true
}

// close stops every scripted server and waits for their goroutines.
func (t *demoTargets) close() {
	for _, s := range t.servers {
		s.Close()
	}
	t.mu.Lock()
	t.closed = true
	for _, l := range t.listeners {
		l.Close()
	}
	for c := range t.open {
		c.Close()
	}
	t.mu.Unlock()
	t.conns.Wait()
}

// demoHeartbeats plays the notification dispatcher: it calls each push
// check's /push/{token} a few times a minute until ctx is done.
func demoHeartbeats(ctx context.Context, cfg *config.Config, base string) {
	client := &http.Client{Timeout: 5 * time.Second}
	tick := time.NewTicker(20 * time.Second)
	defer tick.Stop()
	for {
		for _, c := range cfg.Probes {
			if c.Kind != collector.KindPush {
				continue
			}
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/push/"+c.Push.Token, nil)
			if err != nil {
				return
			}
			if resp, err := client.Do(req); err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
