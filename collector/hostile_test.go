package collector

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/sla"
)

// Hostile servers: each takes a connection and misbehaves. They block on
// reads rather than sleep, so they end when the probe hangs up.

// hangAfterHeaders promises a body and never sends it.
func hangAfterHeaders(c net.Conn) {
	readRequest(c)
	io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
	io.Copy(io.Discard, c)
}

// hangBeforeHeaders reads the request and says nothing.
func hangBeforeHeaders(c net.Conn) {
	io.Copy(io.Discard, c)
}

// trickleBody sends headers, then one body byte every 20ms.
func trickleBody(c net.Conn) {
	readRequest(c)
	io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
	for {
		if _, err := c.Write([]byte("x")); err != nil {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// trickleHeaders sends the status line and headers one byte every 20ms.
func trickleHeaders(c net.Conn) {
	readRequest(c)
	for _, b := range []byte("HTTP/1.1 200 OK\r\nX-Slow: " + strings.Repeat("y", 1000)) {
		if _, err := c.Write([]byte{b}); err != nil {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// gigabyteBody sends a 1 GiB body, generated, with a Content-Length, or
// chunked when chunked is set.
func gigabyteBody(chunked bool) func(net.Conn) {
	return func(c net.Conn) {
		readRequest(c)
		if chunked {
			io.WriteString(c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
		} else {
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 1073741824\r\n\r\n")
		}
		chunk := []byte(strings.Repeat("z", 32<<10))
		framed := []byte(fmt.Sprintf("%x\r\n%s\r\n", len(chunk), chunk))
		for sent := 0; sent < 1<<30; sent += len(chunk) {
			b := chunk
			if chunked {
				b = framed
			}
			if _, err := c.Write(b); err != nil {
				return
			}
		}
	}
}

// resetInHandshake reads the ClientHello and resets the connection.
func resetInHandshake(c net.Conn) {
	buf := make([]byte, 1024)
	c.Read(buf)
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetLinger(0) // close sends RST
	}
	c.Close()
}

// stallInHandshake reads the ClientHello and answers with half a TLS record.
func stallInHandshake(c net.Conn) {
	buf := make([]byte, 1024)
	c.Read(buf)
	c.Write([]byte{0x16, 0x03, 0x03, 0x10, 0x00, 0x02}) // handshake record of 4096 bytes, 1 sent
	io.Copy(io.Discard, c)
}

// endlessHeader sends a header line that never ends.
func endlessHeader(c net.Conn) {
	readRequest(c)
	io.WriteString(c, "HTTP/1.1 200 OK\r\nX-Endless: ")
	chunk := []byte(strings.Repeat("h", 32<<10))
	for {
		if _, err := c.Write(chunk); err != nil {
			return
		}
	}
}

// garbage answers with bytes that are not HTTP, then closes.
func garbage(c net.Conn) {
	readRequest(c)
	io.WriteString(c, "\x00\x13\x37 SSH-2.0-nope \xff\xfe\r\n\r\n")
}

// readRequest reads what the client sent first, without parsing it.
func readRequest(c net.Conn) {
	buf := make([]byte, 4096)
	c.Read(buf)
}

func hostileAddr(t *testing.T, handle func(net.Conn)) string {
	t.Helper()
	ln := listen(t)
	serve(t, ln, handle)
	return ln.Addr().String()
}

func TestHostileTargets(t *testing.T) {
	const timeout = 400 * time.Millisecond
	loop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Path, http.StatusMovedPermanently)
	}))
	defer loop.Close()

	tests := []struct {
		name       string
		kind       Kind
		target     string // URL for HTTP, address otherwise
		http       HTTPSettings
		tcp        TCPSettings
		wantOK     bool
		wantClass  sla.FailureClass
		wantDetail string
	}{
		{name: "hang after headers", kind: KindHTTP, target: "http://" + hostileAddr(t, hangAfterHeaders),
			wantClass: sla.ClassTimeout, wantDetail: "reading body"},
		{name: "hang before headers", kind: KindHTTP, target: "http://" + hostileAddr(t, hangBeforeHeaders),
			wantClass: sla.ClassTimeout, wantDetail: "waiting for response headers"},
		{name: "trickled body", kind: KindHTTP, target: "http://" + hostileAddr(t, trickleBody),
			wantClass: sla.ClassTimeout, wantDetail: "reading body"},
		{name: "trickled headers", kind: KindHTTP, target: "http://" + hostileAddr(t, trickleHeaders),
			wantClass: sla.ClassTimeout, wantDetail: "waiting for response headers"},
		{name: "1 GiB body, no body condition", kind: KindHTTP, target: "http://" + hostileAddr(t, gigabyteBody(false)),
			wantOK: true},
		{name: "1 GiB body, text not in bound", kind: KindHTTP, target: "http://" + hostileAddr(t, gigabyteBody(false)),
			http: HTTPSettings{BodyContains: []string{"needle"}}, wantClass: sla.ClassBody, wantDetail: "in first 65536 bytes"},
		{name: "1 GiB chunked body, 1 MiB bound", kind: KindHTTP, target: "http://" + hostileAddr(t, gigabyteBody(true)),
			http: HTTPSettings{MaxBodyBytes: 1 << 20, BodyNotContains: []string{"needle"}}, wantOK: true},
		{name: "reset in TLS handshake, HTTPS", kind: KindHTTP, target: "https://" + hostileAddr(t, resetInHandshake),
			wantClass: sla.ClassTLS, wantDetail: "tls handshake"},
		{name: "reset in TLS handshake, TLS expiry", kind: KindTLS, target: hostileAddr(t, resetInHandshake),
			wantClass: sla.ClassTLS, wantDetail: "tls handshake"},
		{name: "reset in TLS handshake, TCP with TLS", kind: KindTCP, target: hostileAddr(t, resetInHandshake),
			tcp: TCPSettings{TLS: true}, wantClass: sla.ClassTLS, wantDetail: "tls handshake"},
		{name: "stall in TLS handshake, HTTPS", kind: KindHTTP, target: "https://" + hostileAddr(t, stallInHandshake),
			wantClass: sla.ClassTimeout, wantDetail: "tls handshake"},
		{name: "stall in TLS handshake, TLS expiry", kind: KindTLS, target: hostileAddr(t, stallInHandshake),
			wantClass: sla.ClassTimeout, wantDetail: "tls handshake"},
		{name: "garbage, HTTP", kind: KindHTTP, target: "http://" + hostileAddr(t, garbage),
			wantClass: sla.ClassStatus, wantDetail: "malformed HTTP"},
		{name: "garbage, TLS expiry", kind: KindTLS, target: hostileAddr(t, garbage),
			wantClass: sla.ClassTLS, wantDetail: "tls handshake"},
		{name: "endless header", kind: KindHTTP, target: "http://" + hostileAddr(t, endlessHeader),
			wantClass: sla.ClassStatus, wantDetail: "headers over 65536 bytes"},
		{name: "redirect loop", kind: KindHTTP, target: loop.URL + "/again",
			wantClass: sla.ClassStatus, wantDetail: "more than 10 redirects"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			baseGoroutines := runtime.NumGoroutine()
			var before runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)

			c := Check{Kind: tc.kind, Target: tc.target, Timeout: timeout, HTTP: tc.http, TCP: tc.tcp}
			p := mustProbe(t, c, Env{})
			start := time.Now()
			o := p.Probe(context.Background())
			took := time.Since(start)

			var after runtime.MemStats
			runtime.ReadMemStats(&after)
			checkOutcome(t, o, tc.wantOK, tc.wantClass, tc.wantDetail)
			if took > timeout+connSlack {
				t.Errorf("got run of %s, want at most timeout+slack %s", took, timeout+connSlack)
			}
			// Everything allocated during the run, freed or not, stays far
			// below the 1 GiB some of these servers send.
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 16<<20 {
				t.Errorf("got %d MiB allocated during the run, want under 16 MiB", grew>>20)
			}
			// Nothing the probe started outlives it by more than the slack.
			deadline := time.Now().Add(connSlack + time.Second)
			for runtime.NumGoroutine() > baseGoroutines && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			if n := runtime.NumGoroutine(); n > baseGoroutines {
				t.Errorf("got %d goroutines after the run, want at most %d as before", n, baseGoroutines)
			}
		})
	}
}

// TestHostileTargetsDoNotSlowScheduler runs healthy checks next to hostile
// ones and counts the healthy runs.
func TestHostileTargetsDoNotSlowScheduler(t *testing.T) {
	healthy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))
	defer healthy.Close()
	hostile := map[string]sla.FailureClass{
		"http://" + hostileAddr(t, hangAfterHeaders):    sla.ClassTimeout,
		"http://" + hostileAddr(t, trickleBody):         sla.ClassTimeout,
		"http://" + hostileAddr(t, gigabyteBody(false)): sla.ClassBody,
		"https://" + hostileAddr(t, resetInHandshake):   sla.ClassTLS,
		"http://" + hostileAddr(t, garbage):             sla.ClassStatus,
	}

	const iv, window = 400 * time.Millisecond, 2 * time.Second
	var checks []Check
	wantClass := map[string]sla.FailureClass{}
	const nHealthy = 100
	for i := range nHealthy {
		checks = append(checks, httpCheck(fmt.Sprintf("healthy-%03d", i), healthy.URL, iv))
	}
	i := 0
	for url, class := range hostile {
		for j := range 4 {
			id := fmt.Sprintf("hostile-%d-%d", i, j)
			c := httpCheck(id, url, iv)
			c.HTTP.BodyContains = []string{"needle"}
			checks = append(checks, c)
			wantClass[id] = class
		}
		i++
	}

	store := &memStore{}
	s, _ := newTestScheduler(t, store)
	// Few workers: if hostile targets held them past their timeout, the
	// healthy checks would starve.
	s.Workers = 32
	if err := s.Reload(checks); err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(window)
	if err := s.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}

	runs := map[string]int{}
	for _, r := range store.results() {
		runs[r.CheckID]++
		if want, ok := wantClass[r.CheckID]; ok {
			if r.OK || r.Class != want {
				t.Errorf("%s: got ok=%v class %q (%s), want class %q", r.CheckID, r.OK, r.Class, r.Detail, want)
			}
		} else if !r.OK {
			t.Errorf("%s: got failure %s %s, want ok", r.CheckID, r.Class, r.Detail)
		}
	}
	if raceEnabled {
		return
	}
	// 2s holds 5 or 6 slots of 400ms. The machine is shared, so allow
	// some misses, but far fewer than starved workers would cause.
	const slots = int(window / iv)
	total := 0
	for _, c := range checks {
		if !strings.HasPrefix(c.ID, "healthy") {
			continue
		}
		total += runs[c.ID]
		if runs[c.ID] < slots-2 {
			t.Errorf("%s: got %d runs in %s at %s, want at least %d", c.ID, runs[c.ID], window, iv, slots-2)
		}
	}
	if want := nHealthy * slots * 85 / 100; total < want {
		t.Errorf("got %d healthy runs in %s, want at least %d (85%% of %d slots each)", total, window, want, slots)
	}
}
